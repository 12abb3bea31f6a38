"""Runs a room on the event loop: ticks on schedule, sends frames, tracks sockets."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from games.engine.clock import Clock, Schedule, monotonic
from games.engine.room import SPECTATORS, Frame, Room

logger = logging.getLogger(__name__)


def group_name(room_id: str) -> str:
    return f"room.{room_id.replace('-', '')}"


def spectators_group_name(room_id: str) -> str:
    """Spectators are in the room's group and this one: in a game that hides information,
    the public view's frames go here."""
    return f"{group_name(room_id)}.spectators"


class Keeper(Protocol):
    """Holds a room's lease for its runner (Redis mode): see games/engine/shared.py."""

    next_due: float

    async def keep(self, room: Room) -> bool:
        """Renews the lease and saves the room; False once another process owns it."""
        ...

    async def lost(self) -> None: ...


class RoomRunner:
    """Owns one room's loop task. Frames go out through the channel layer: one
    `group_send` per broadcast frame, one `send` per frame meant for one player."""

    def __init__(
        self,
        room: Room,
        *,
        layer: Any,
        on_end: Callable[[Room], Awaitable[None]],
        clock: Clock = monotonic,
        keeper: Keeper | None = None,
    ) -> None:
        self.room = room
        self.layer = layer
        self.group = group_name(room.room_id)
        self.spectators_group = spectators_group_name(room.room_id)
        self.on_end = on_end
        self.clock = clock
        self.keeper = keeper
        self.started_at = time.time()
        self.schedule = Schedule(room.tick_rate, start=clock())
        self.tick_seconds_max = 0.0
        # The socket (consumer channel) of each connected player.
        self.channels: dict[str, str] = {}
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(
            self._run(), name=f"room {self.room.room_id}"
        )

    async def stop(self) -> None:
        # The flag as well as the cancel: redis-py can swallow a cancellation that lands
        # while it publishes a frame, and the loop must still end.
        self._stopping = True
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        room, schedule, clock, keeper = self.room, self.schedule, self.clock, self.keeper
        self.schedule.start = clock()
        try:
            while room.result is None and not self._stopping:
                delay = schedule.due() - clock()
                if delay > 0:
                    await asyncio.sleep(delay)
                # A runner that cannot renew its lease stops before ticking again.
                if (
                    keeper is not None
                    and clock() >= keeper.next_due
                    and not await keeper.keep(room)
                ):
                    await keeper.lost()
                    return
                began = clock()
                frames = room.tick()
                schedule.ticked(began)
                self.tick_seconds_max = max(self.tick_seconds_max, clock() - began)
                if frames:
                    await self.send(frames)
            if self._stopping:
                return
            if room.aborted:
                await self.send([(None, room.end_frame())])
            await self.on_end(room)
            await self.layer.group_send(self.group, {"type": "room.over"})
        except Exception:
            logger.exception("room %s stopped on an error", room.room_id)
            raise

    async def send(self, frames: list[Frame]) -> None:
        for target, text in frames:
            if target is None:
                await self.layer.group_send(self.group, {"type": "room.frame", "text": text})
            elif target == SPECTATORS:
                message = {"type": "room.frame", "text": text}
                await self.layer.group_send(self.spectators_group, message)
            elif channel := self.channels.get(target):
                await self.layer.send(channel, {"type": "room.frame", "text": text})

    # What a player's socket uses: the same on a RoomLink (shared.py) in Redis mode.

    @property
    def seats(self) -> dict[str, Any]:
        return self.room.seats

    @property
    def tick(self) -> int:
        return self.room.ctx.tick

    @property
    def spectators(self) -> bool:
        return self.room.spectators

    async def submit(self, player: str, seq: int, data: dict[str, Any]) -> None:
        self.room.submit(player, seq, data)

    def detach(self, player: str, channel: str) -> None:
        """A socket replaced by a newer one leaves without telling the room."""

    def release_noted(self) -> None:
        """The owner in another process let go of the room (Redis mode only)."""

    async def join(self, player: str, channel: str) -> None:
        """A player's socket connected: it replaces any earlier one and gets a snapshot."""
        previous = self.channels.get(player)
        self.channels[player] = channel
        if previous and previous != channel:
            await self.layer.send(previous, {"type": "room.replaced"})
        self.room.connected(player)
        await self.layer.send(channel, {"type": "room.frame", "text": self.room.snapshot(player)})
        await self.send([(None, self.room.presence_frame())])

    async def leave(self, player: str, channel: str) -> None:
        if self.channels.get(player) != channel:
            return
        del self.channels[player]
        self.room.disconnected(player)
        await self.send([(None, self.room.presence_frame())])

    async def resync(self, player: str, channel: str) -> None:
        await self.layer.send(channel, {"type": "room.frame", "text": self.room.snapshot(player)})

    async def watch(self, channel: str) -> None:
        """A spectator's socket connected or asks again: a snapshot of what they may see.

        The room keeps no list of spectators: their frames come through the groups, and
        they take no seat and count for no player.
        """
        await self.layer.send(channel, {"type": "room.frame", "text": self.room.snapshot(None)})

    async def unwatch(self, channel: str) -> None:
        """A spectator's socket closed: nothing to tell the room (Redis mode keeps count)."""
