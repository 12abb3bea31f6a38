"""Opening and saving rooms, shared by both registries: a room built from its match's
record (resumed from its last save if it has one), one opening per room however many
sockets ask for it at once, and the database saves a restarted process resumes from."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import TypeVar

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections

from games import services
from games.engine.room import Room
from games.engine.tasks import cancel_and_wait
from games.rules import CATALOGUE

logger = logging.getLogger(__name__)

Opened = TypeVar("Opened")


def room_from_spec(spec: services.RoomSpec, saved: bytes | None = None) -> Room:
    """The match's room: from `saved` if given (a `Room.save`), else at tick 0 with its
    seed."""
    room = Room(
        room_id=spec.match_id,
        game=CATALOGUE[spec.game],
        settings=spec.settings,
        players=spec.players,
        seed=spec.seed,
        seat_window_seconds=settings.SEAT_WINDOW_SECONDS,
        removed=spec.removed,
    )
    if saved is not None:
        room.restore(saved)
        # A kick since the save holds too.
        for player in spec.removed:
            room.remove(player)
    return room


async def open_once(
    pending: dict[str, asyncio.Future[Opened]], key: str, open_: Callable[[], Awaitable[Opened]]
) -> Opened:
    """Runs `open_` once for every caller that asks for `key` while it runs."""
    if future := pending.get(key):
        return await asyncio.shield(future)
    future = asyncio.get_running_loop().create_future()
    pending[key] = future
    try:
        opened = await open_()
        future.set_result(opened)
    except BaseException as error:
        future.set_exception(error)
        raise
    finally:
        del pending[key]
    return opened


class DatabaseSaver:
    """Saves running rooms to the database every ROOM_SAVE_SECONDS, from a task of its own.

    The rooms are serialized on the event loop between two ticks (a game may change its
    state in place); the write runs in a thread of its own, and a round is skipped while
    the previous write is still going: a slow database never holds up a tick.
    """

    def __init__(self, rooms: Callable[[], Iterable[Room]]) -> None:
        self.rooms = rooms
        self._task: asyncio.Task[None] | None = None
        self._writing: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="room saves")

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(settings.ROOM_SAVE_SECONDS)
            if self._writing is not None and not self._writing.done():
                continue
            saves = {
                room.room_id: (room.ctx.tick, room.save())
                for room in self.rooms()
                if room.result is None
            }
            if saves:
                self._writing = asyncio.get_running_loop().create_task(self._write(saves))

    async def _write(self, saves: dict[str, tuple[int, bytes]]) -> None:
        try:
            await sync_to_async(_write_saves, thread_sensitive=False)(saves)
        except Exception:
            logger.exception("cannot save %d rooms to the database", len(saves))

    async def close(self) -> None:
        """Stops saving; a write under way ends first (a thread cannot be stopped)."""
        if self._task is not None:
            await cancel_and_wait(self._task)
        if self._writing is not None:
            await asyncio.wait({self._writing})


def _write_saves(saves: dict[str, tuple[int, bytes]]) -> None:
    """Writes from a worker thread, and lets go of its database connection after, as
    Channels' `database_sync_to_async` does."""
    try:
        services.match_rooms_save(saves=saves)
    finally:
        close_old_connections()
