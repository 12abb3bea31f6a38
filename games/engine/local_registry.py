"""The rooms of one server process, on the embedded default: every room runs here.

Rooms start when the first player's socket asks for them and leave the registry when
their match ends. Running rooms are saved to the database every ROOM_SAVE_SECONDS: a
process started again after a crash resumes each running match from its last save.
"""

from __future__ import annotations

import asyncio
import os

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from game_server import metrics
from games import services
from games.engine import lifecycle
from games.engine.handle import LiveRoom, RoomDetail
from games.engine.records import DatabaseSaver, record_end, room_from_spec
from games.engine.room import Room
from games.engine.runner import RoomRunner
from games.engine.tasks import open_once


class LocalRegistry:
    shared = False

    def __init__(self) -> None:
        # This server process, as the admin's live rooms name it.
        self.process = f"{os.uname().nodename}-{os.getpid()}"
        self.runners: dict[str, RoomRunner] = {}
        self._opening: dict[str, asyncio.Future[RoomRunner | None]] = {}
        self._saver = DatabaseSaver(lambda: [runner.room for runner in self.runners.values()])

    async def open(self, room_id: str) -> RoomRunner | None:
        """The room's runner, started from its match if need be; None if it is over."""
        if runner := self.runners.get(room_id):
            return runner
        return await open_once(self._opening, room_id, lambda: self._start(room_id))

    async def _start(self, room_id: str) -> RoomRunner | None:
        spec = await database_sync_to_async(services.match_room_spec)(match_id=room_id)
        if spec is None:
            return None
        room = room_from_spec(spec, spec.saved)
        runner = RoomRunner(room, layer=get_channel_layer(), on_end=self._ended)
        self.runners[room_id] = runner
        runner.start()
        metrics.ROOMS_OPENED.labels(spec.game).inc()
        self._saver.start()
        resumed_from = "database" if spec.saved is not None else None
        lifecycle.room_opened(room, owner=self.process, resumed_from=resumed_from)
        return runner

    async def _ended(self, room: Room) -> None:
        # Recorded before the room leaves the registry, so that a socket connecting
        # meanwhile finds the ended room, not a match that still looks running.
        await record_end(room, owner=self.process)
        self.runners.pop(room.room_id, None)

    async def live_rooms(self) -> list[LiveRoom]:
        return [runner.live(self.process) for runner in self.runners.values()]

    async def detail(self, room_id: str) -> RoomDetail | None:
        runner = self.runners.get(room_id)
        return runner.detail(self.process) if runner is not None else None

    async def end(self, room_id: str) -> bool:
        if (runner := self.runners.get(room_id)) is None:
            return False
        runner.end()
        return True

    async def remove(self, room_id: str, user: str) -> None:
        if (runner := self.runners.get(room_id)) is not None:
            await runner.remove(user)

    async def close(self) -> None:
        await self._saver.close()
        runners, self.runners = list(self.runners.values()), {}
        for runner in runners:
            await runner.stop()
