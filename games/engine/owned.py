"""A room this process runs while it holds the room's lease (Redis mode).

Taken when its lease is free, from its last save if it has one, it runs (runner.py)
under its lease (lease.py), serves its engine channel (engine_channel.py), records its
end once Redis confirms the lease, and, when this process stops, saves it and lets go
so that another process takes it at once. Its registry (redis_registry.py) hears
through `on_stopped` when it no longer runs here.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import redis.asyncio as redis

from game_server import metrics
from games import services
from games.engine import engine_channel, lifecycle
from games.engine.delivery import group_name
from games.engine.lease import RoomLease
from games.engine.records import record_end, room_from_spec
from games.engine.room import Room
from games.engine.runner import RoomRunner
from games.engine.saves import Saved
from games.engine.sockets import RoomSockets
from games.engine.tasks import cancel_and_wait

logger = logging.getLogger(__name__)


OnStopped = Callable[["OwnedRoom"], Awaitable[None]]


class OwnedRoom:
    def __init__(
        self,
        room: Room,
        *,
        lease: RoomLease,
        layer: Any,
        on_stopped: OnStopped,
        sockets: RoomSockets,
        resumed_from: str | None = None,
        previous_owner: str | None = None,
    ) -> None:
        """`sockets`: the room's sockets on this process (its link's)."""
        self.room = room
        self.room_id = room.room_id
        self.lease = lease
        self.layer = layer
        self.runner = RoomRunner(
            room,
            layer=layer,
            on_end=self._end,
            holder=self,
            sockets=sockets,
            process=lease.process,
        )
        # Whether its match ended and was recorded by this process.
        self.over = False
        self._on_stopped = on_stopped
        # The save it went on from ("redis" or "database"), and the process that wrote it.
        self._resumed_from = resumed_from
        self._previous_owner = previous_owner
        self._serving: asyncio.Task[None] | None = None

    @classmethod
    async def take(
        cls,
        spec: services.RoomSpec,
        *,
        lease: RoomLease,
        need_save: bool,
        fallback: Saved | None,
        layer: Any,
        on_stopped: OnStopped,
        sockets: RoomSockets,
    ) -> OwnedRoom | None:
        """The room, if its lease is free: from its save in Redis, which `need_save`
        requires, or else from `fallback` (its database save) if given."""
        acquired = await lease.acquire(need_save=need_save)
        if acquired is None:
            return None
        data, log, writer = acquired
        saved = Saved(data, log) if data else None
        room = room_from_spec(spec, saved or fallback)
        if not await lease.renew_now(room):
            return None
        return cls(
            room,
            lease=lease,
            layer=layer,
            on_stopped=on_stopped,
            sockets=sockets,
            resumed_from="redis" if saved else "database" if fallback else None,
            previous_owner=writer,
        )

    async def start(self) -> None:
        self._serving = asyncio.get_running_loop().create_task(
            engine_channel.serve(self.layer, self.room_id, self.runner),
            name=f"engine {self.room_id}",
        )
        self.runner.start()
        owner, previous = self.lease.process, self._previous_owner
        # Taken over if another process wrote the save it went on from.
        if previous is not None and previous != owner:
            lifecycle.room_taken_over(self.room, owner=owner, previous_owner=previous)
        else:
            lifecycle.room_opened(self.room, owner=owner, resumed_from=self._resumed_from)
        if self._resumed_from is not None:
            # Sockets on every process join again, so that they get a snapshot from here.
            await self.layer.group_send(group_name(self.room_id), {"type": "room.rejoin"})

    # The runner's lease holder (runner.py).

    @property
    def valid_until(self) -> float:
        return self.lease.valid_until

    async def renewed(self) -> bool:
        return await self.lease.renewed()

    async def lost(self) -> None:
        await self._stop_serving()
        await self._on_stopped(self)

    async def _stop_serving(self) -> None:
        if self._serving is not None:
            await cancel_and_wait(self._serving)
            self._serving = None

    async def _end(self, room: Room) -> None:
        """The runner's `on_end`: the match is over."""
        if not await self.lease.confirmed():
            # Run on while Redis was out of reach, and taken by another process then.
            logger.warning(
                "room %s: ended here, but another process owns it",
                self.room_id,
                extra={"match_id": self.room_id},
            )
            await self.lost()
            return
        await record_end(room, owner=self.lease.process)
        self.over = True
        await self._stop_serving()
        await self._on_stopped(self)
        try:
            await self.lease.release(ended=True)
        except redis.RedisError as error:
            # The result is recorded; the lease runs out on its own.
            logger.warning(
                "room %s: cannot let go of it: %s",
                self.room_id,
                error,
                extra={"match_id": self.room_id},
            )

    async def hand_over(self) -> bool:
        """Stops running the room and, unless its match is over, saves it and lets go of
        its lease: True if another process may take it now."""
        await self.runner.stop()
        await self._stop_serving()
        if self.room.result is not None:
            return False
        try:
            if not await self.lease.renew_now(self.room):
                return False
            await self.lease.release(ended=False)
        except Exception:
            logger.exception(
                "room %s: could not save and let go", self.room_id, extra={"match_id": self.room_id}
            )
            return False
        lifecycle.room_handed_over(self.room, owner=self.lease.process)
        metrics.ROOMS_HANDED_OVER.labels(self.room.game.slug).inc()
        return True
