"""Rooms shared by every server process on one Redis: one owner per room.

For each room that it has a socket of, a process keeps a link (link.py) for those
sockets, and runs the room itself (owned.py) while it holds the room's lease
(lease.py). Its rounds (failover.py) renew its leases, save its rooms and take over the
rooms whose owner is gone; the owners tell it when they let go of a room or its match
ended (notices.py). On SIGTERM it saves and lets go of the rooms it runs (sigterm.py).
The tick path itself never waits on Redis. docs/deploy.md has the timings.
"""

from __future__ import annotations

import asyncio
import logging
import os
import uuid
from typing import Any

import redis.asyncio as redis
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings

from game_server import metrics
from games import services
from games.engine import saves
from games.engine.engine_channel import engine_channel
from games.engine.failover import Failover, SharedRoom
from games.engine.handle import LiveRoom, RoomDetail
from games.engine.lease import (
    LEASE_SECONDS,
    RENEW_AND_SAVE,
    RoomLease,
    held_lease,
    held_leases,
    last_save,
    lease_key,
)
from games.engine.link import RoomLink
from games.engine.notices import OwnerNotices
from games.engine.owned import OwnedRoom
from games.engine.records import DatabaseSaver
from games.engine.runner import RoomRunner
from games.engine.saves import Saved
from games.engine.sigterm import before_sigterm
from games.engine.tasks import open_once
from games.rules import CATALOGUE

logger = logging.getLogger(__name__)


class RedisRegistry:
    shared = True

    def __init__(self) -> None:
        self.process = f"{os.uname().nodename}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.redis = redis.Redis.from_url(
            settings.REDIS_URL,
            socket_timeout=settings.REDIS_TIMEOUT_SECONDS,
            socket_connect_timeout=settings.REDIS_TIMEOUT_SECONDS,
        )
        self.layer = get_channel_layer()
        self.renew_and_save = self.redis.register_script(RENEW_AND_SAVE)
        self.rooms: dict[str, SharedRoom] = {}
        # The rooms run here, as LocalRegistry.runners.
        self.runners: dict[str, RoomRunner] = {}
        self._opening: dict[str, asyncio.Future[RoomLink | None]] = {}
        self.failover = Failover(
            self.redis, rooms=lambda: self.rooms.values(), take=self._take, over=self._forget
        )
        self.notices = OwnerNotices(
            self.layer, frames=self._frames, released=self._released, over=self._over
        )
        # Rooms run here whose lease Redis confirmed are saved to the database too: the
        # fallback when Redis loses its saves.
        self._saver = DatabaseSaver(
            lambda: [
                shared.owned.room
                for shared in self.rooms.values()
                if shared.owned is not None and shared.owned.lease.confirmed_now
            ]
        )
        before_sigterm(self._hand_over_all, within=LEASE_SECONDS)

    async def open(self, room_id: str) -> RoomLink | None:
        """The room's link, opened from its match if need be; None if it is over."""
        # A room still opening is in `rooms` already: wait for it with its first opener,
        # or a join sent now would go over the layer before the room listens there.
        if room_id not in self._opening and (shared := self.rooms.get(room_id)) is not None:
            return shared.link
        return await open_once(self._opening, room_id, lambda: self._open(room_id))

    async def _open(self, room_id: str) -> RoomLink | None:
        spec = await database_sync_to_async(services.match_room_spec)(match_id=room_id)
        if spec is None:
            return None
        tick_rate = CATALOGUE[spec.game].tick_rate(spec.settings)
        link = RoomLink(room_id, layer=self.layer, tick_rate=tick_rate, on_unused=self._unused)
        shared = self.rooms[room_id] = SharedRoom(spec, link)
        try:
            await self.notices.start()
            await self.notices.follow(room_id)
            if await self._take(shared, False, spec.saved):
                metrics.ROOMS_OPENED.labels(spec.game).inc()
            elif data := await last_save(self.redis, room_id):
                # Not run here: its tick is estimated from its last save on.
                link.saw_tick(saves.read(data)["tick"])
        except BaseException:
            self.rooms.pop(room_id, None)
            raise
        self.failover.start()
        self._saver.start()
        return link

    async def _take(self, shared: SharedRoom, need_save: bool, fallback: Saved | None) -> bool:
        """Runs the room here if its lease is free (`OwnedRoom.take`)."""
        room_id = shared.spec.match_id
        if self.rooms.get(room_id) is not shared:
            return False
        owned = await OwnedRoom.take(
            shared.spec,
            lease=RoomLease(self.redis, self.renew_and_save, room_id, self.process),
            need_save=need_save,
            fallback=fallback,
            layer=self.layer,
            on_stopped=self._stopped,
            sockets=shared.link.sockets,
        )
        if owned is None:
            return False
        shared.owned = owned
        shared.link.runner = self.runners[room_id] = owned.runner
        await owned.start()
        return True

    async def _stopped(self, owned: OwnedRoom) -> None:
        """The room no longer runs here: lost to another process, or its match is over."""
        shared = self.rooms.get(owned.room_id)
        if shared is None or shared.owned is not owned:
            return
        self.runners.pop(owned.room_id, None)
        if owned.over:
            # Its sockets here leave through its runner, as they joined.
            await self._forget(shared)
            await self.notices.tell(owned.room_id, "over")
        else:
            shared.owned = shared.link.runner = None

    async def _unused(self, link: RoomLink) -> None:
        """No socket of the room is left here, and it does not run here: stop watching."""
        shared = self.rooms.get(link.room_id)
        if shared is not None and shared.link is link and link.unused:
            await self._forget(shared)

    async def _forget(self, shared: SharedRoom) -> None:
        room_id = shared.spec.match_id
        if self.rooms.get(room_id) is shared:
            del self.rooms[room_id]
            await self.notices.unfollow(room_id)

    def _frames(self, room_id: str, process: str, frames: list[Any]) -> None:
        """A tick's frames from the room's owner, for this process's sockets of it; this
        process's own, when it runs the room, went to them already."""
        if process != self.process and (shared := self.rooms.get(room_id)) is not None:
            shared.link.sockets.deliver(frames)

    async def _released(self, room_id: str) -> None:
        """Its owner let go of the room: take it now rather than at the next round."""
        self.failover.wake()

    async def _over(self, room_id: str) -> None:
        """Its owner recorded the end of its match: stop watching."""
        if (shared := self.rooms.get(room_id)) is not None and shared.owned is None:
            await self._forget(shared)

    async def live_rooms(self) -> list[LiveRoom]:
        """Every room that any process on this Redis runs, as last saved (0.5 s at most
        ago); rooms run here as they are now."""
        rooms = []
        for process, data in await held_leases(self.redis):
            saved = saves.read(data)
            if (runner := self.runners.get(saved["match"])) is not None:
                rooms.append(runner.live(self.process))
            else:
                rooms.append(LiveRoom.from_saved(saved, process))
        return rooms

    async def detail(self, room_id: str) -> RoomDetail | None:
        """The room as it is now if run here, else as its owner last saved it (0.5 s at
        most ago)."""
        if (runner := self.runners.get(room_id)) is not None:
            return runner.detail(self.process)
        if (held := await held_lease(self.redis, room_id)) is None:
            return None
        process, data = held
        return RoomDetail(process=process, saved=saves.read(data))

    async def end(self, room_id: str) -> bool:
        """Ends a running room cleanly, wherever it runs; False if no process runs it."""
        if (runner := self.runners.get(room_id)) is not None:
            runner.end()
            return True
        if not await self.redis.exists(lease_key(room_id)):
            return False
        await self.layer.send(engine_channel(room_id), {"type": "engine.end"})
        return True

    async def remove(self, room_id: str, user: str) -> None:
        """Takes a user the lobby's host kicked out of a running room, wherever it runs."""
        if (runner := self.runners.get(room_id)) is not None:
            await runner.remove(user)
        elif await self.redis.exists(lease_key(room_id)):
            await self.layer.send(engine_channel(room_id), {"type": "engine.remove", "user": user})

    async def close(self) -> None:
        """Saves and lets go of every room run here (on SIGTERM, or at a test's end)."""
        await self.failover.close()
        await self.notices.close()
        await self._saver.close()
        rooms, self.rooms = list(self.rooms.values()), {}
        await asyncio.gather(*(self._let_go(shared) for shared in rooms))
        await self.redis.aclose()

    async def _let_go(self, shared: SharedRoom) -> None:
        if (owned := shared.owned) is not None:
            self.runners.pop(owned.room_id, None)
            if await owned.hand_over():
                await self.notices.tell(owned.room_id, "released")
        await self.notices.unfollow(shared.spec.match_id)

    async def _hand_over_all(self) -> None:
        logger.info(
            "SIGTERM: letting go of %d rooms",
            len(self.runners),
            extra={"event": "sigterm", "owner": self.process, "rooms": len(self.runners)},
        )
        await self.close()
