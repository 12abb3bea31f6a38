"""A room and its match's record in the database, the same for both registries: the room
built from the record (resumed from its last save if it has one), saved to it off the
tick path for a restarted process to resume from, and its end recorded in it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable

import orjson
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from django.conf import settings
from django.db import close_old_connections

from game_server import metrics
from games import services
from games.engine import lifecycle, saves
from games.engine.room import Room, log_json
from games.engine.saves import Saved
from games.engine.tasks import cancel_and_wait
from games.rules import CATALOGUE

logger = logging.getLogger(__name__)


def room_from_spec(spec: services.RoomSpec, saved: Saved | None = None) -> Room:
    """The match's room: from `saved` if given (`saves.saved`), else at tick 0 with its
    seed. Players the lobby's host kicked are gone at its next tick."""
    game = CATALOGUE[spec.game]
    window = settings.SEAT_WINDOW_SECONDS
    if saved is not None:
        return saves.restore(
            saved,
            game=game,
            settings=spec.settings,
            players=spec.players,
            seat_window_seconds=window,
            removed=spec.removed,
            bots=spec.bots,
        )
    return Room(
        room_id=spec.match_id,
        game=game,
        settings=spec.settings,
        players=spec.players,
        seed=spec.seed,
        seat_window_seconds=window,
        removed=spec.removed,
        bots=spec.bots,
    )


async def record_end(room: Room, *, owner: str) -> None:
    """The room's match is over: the line in the log, its result and what replays it in
    the database (only once, whichever process asks), the count in the metrics."""
    assert room.result is not None
    lifecycle.room_ended(room, owner=owner)
    # The room changes no more: it is serialized in the database's thread, off the loop,
    # which lets go of its connection after (a long-lived thread would keep it for good).
    await database_sync_to_async(_finish)(room)
    metrics.ROOMS_ENDED.labels(room.game.slug, room.result.reason).inc()


def _finish(room: Room) -> None:
    assert room.result is not None
    services.match_finish(
        match_id=room.room_id,
        result=room.result,
        aborted=room.aborted,
        replay=replay_record(room) if room.replayable else None,
    )


def replay_record(room: Room) -> services.ReplayRecord:
    """What replays the room's ended match (games/replay.py)."""
    return services.ReplayRecord(
        game_version=room.game.version,
        seed=room.seed,
        settings=room.ctx.settings,
        players=[(seat.player, seat.name) for seat in room.seats.values()],
        ticks=room.ctx.tick,
        log_entries=len(room.log),
        log=log_json(room.log),
        final_state=orjson.dumps(room.state),
        result=orjson.dumps(room.result),
    )


# Rooms saved to the database in one write. A round writes its rooms a batch at a time:
# serializing them all at once would hold the event loop up, and a thread's write of
# them all would take its turns at the GIL from the loop for long enough to make ticks
# late (at 175 rooms, p99 input to ack 101 ms against 58 ms without saves; bench/README.md).
SAVE_BATCH = 25


class DatabaseSaver:
    """Saves running rooms to the database every ROOM_SAVE_SECONDS, from a task of its own.

    A batch of rooms is serialized on the event loop between two ticks (a game may change
    its state in place), and written in a thread of its own; the next batch waits for
    that write, and the next round starts ROOM_SAVE_SECONDS after the last one ended: a
    slow database never holds up a tick. Each save appends only the log entries written
    since this saver's last save of the room.
    """

    def __init__(self, rooms: Callable[[], Iterable[Room]]) -> None:
        self.rooms = rooms
        self._task: asyncio.Task[None] | None = None
        self._writing: asyncio.Task[None] | None = None
        # How many of each room's log entries its last successful save stored.
        self._logged: dict[str, int] = {}

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="room saves")

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(settings.ROOM_SAVE_SECONDS)
            rooms = [room for room in self.rooms() if room.result is None]
            running = {room.room_id for room in rooms}
            self._logged = {key: value for key, value in self._logged.items() if key in running}
            for first in range(0, len(rooms), SAVE_BATCH):
                batch = rooms[first : first + SAVE_BATCH]
                due = {room.room_id: self._save(room) for room in batch if room.result is None}
                if due:
                    # A task of its own: a write under way outlives this one's cancel.
                    self._writing = loop.create_task(self._write(due))
                    await asyncio.wait({self._writing})

    def _save(self, room: Room) -> services.DatabaseSave:
        start = self._logged.get(room.room_id, 0)
        part = log_json(room.log_since(start))
        return services.DatabaseSave(room.ctx.tick, saves.save(room), start, part, len(room.log))

    async def _write(self, due: dict[str, services.DatabaseSave]) -> None:
        try:
            await sync_to_async(_write_saves, thread_sensitive=False)(due)
        except Exception:
            logger.exception("cannot save %d rooms to the database", len(due))
            return
        self._logged.update((room_id, save.log_length) for room_id, save in due.items())

    async def close(self) -> None:
        """Stops saving; a write under way ends first (a thread cannot be stopped)."""
        if self._task is not None:
            await cancel_and_wait(self._task)
        if self._writing is not None:
            await asyncio.wait({self._writing})


def _write_saves(by_room: dict[str, services.DatabaseSave]) -> None:
    """Writes from a worker thread, and lets go of its database connection after, as
    Channels' `database_sync_to_async` does."""
    try:
        services.match_rooms_save(saves=by_room)
    finally:
        close_old_connections()
