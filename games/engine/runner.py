"""Runs a room on the event loop: ticks on schedule, sends frames, tracks sockets."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

import redis
from channels.exceptions import ChannelFull
from django.conf import settings

from game_server import metrics
from games.engine.clock import Clock, Schedule, monotonic
from games.engine.room import SPECTATORS, Frame, Room, dumps
from games.engine.tasks import cancel_and_wait

logger = logging.getLogger(__name__)

# What a channel layer raises when it cannot take a message: Redis restarting or out of
# reach, or (in-memory layer) a socket's queue full. That message is lost, nothing else.
LAYER_ERRORS = (redis.RedisError, OSError, ChannelFull)


def group_name(room_id: str) -> str:
    return f"room.{room_id.replace('-', '')}"


def spectators_group_name(room_id: str) -> str:
    """Spectators are in the room's group and this one: in a game that hides information,
    the public view's frames go here."""
    return f"{group_name(room_id)}.spectators"


def user_group_name(room_id: str, user_id: object) -> str:
    """Every socket one user has on a room, player's or spectator's, on any process: where
    a kick reaches them (PlayerConsumer.room_removed)."""
    return f"{group_name(room_id)}.user.{user_id}"


@dataclass(frozen=True)
class LiveRoom:
    """A running room as the admin lists it."""

    room_id: str
    tick: int
    connected: int
    seats: int
    process: str
    # Ticks the room fell behind and skipped; None for a room run by another process.
    skipped: int | None


def frame_message(text: str) -> dict[str, str]:
    """A serialized frame as a layer message to the sockets (PlayerConsumer.room_frame)."""
    return {"type": "room.frame", "text": text}


class Keeper(Protocol):
    """Holds a room's lease for its runner (Redis mode): see games/engine/shared.py."""

    # Until when (monotonic clock) the lease surely holds: the runner ticks before it.
    valid_until: float

    async def renewed(self) -> bool:
        """Waits until the lease is renewed; False once another process owns the room."""
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
        self.schedule = Schedule(room.tick_rate, start=clock())
        self.tick_seconds_max = 0.0
        # The socket (consumer channel) of each connected player.
        self.channels: dict[str, str] = {}
        # Each spectator's (user id's) socket and name, wherever the socket is.
        self.watchers: dict[str, tuple[str, str]] = {}
        # Frames the layer could not take; players resync on the gap they leave.
        self.frames_lost = 0
        self._losing = False
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        # Bound once here: the tick path counts without looking labels up.
        game = room.game.slug
        self._running = metrics.ROOMS_RUNNING.labels(game)
        self._ticks = metrics.TICKS.labels(game)
        self._lateness = metrics.TICK_LATENESS.labels(game)
        self._skipped = metrics.TICKS_SKIPPED.labels(game)
        self._frames = metrics.FRAMES_SENT.labels(game)
        self._bytes = metrics.FRAME_BYTES_SENT.labels(game)

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(
            self._run(), name=f"room {self.room.room_id}"
        )

    async def stop(self) -> None:
        self._stopping = True
        if self._task is not None:
            await cancel_and_wait(self._task)

    async def _run(self) -> None:
        room, schedule, clock, keeper = self.room, self.schedule, self.clock, self.keeper
        self.schedule.start = clock()
        ticks, lateness, skipped = self._ticks, self._lateness, schedule.skipped
        self._running.inc()
        try:
            while room.result is None and not self._stopping:
                due = schedule.due()
                delay = due - clock()
                if delay > 0:
                    await asyncio.sleep(delay)
                # A runner whose lease may have run out waits; one fenced out stops.
                if (
                    keeper is not None
                    and clock() >= keeper.valid_until
                    and not await keeper.renewed()
                ):
                    await keeper.lost()
                    return
                began = clock()
                frames = room.tick()
                schedule.ticked(began)
                self.tick_seconds_max = max(self.tick_seconds_max, clock() - began)
                ticks.inc()
                lateness.observe(max(0.0, began - due))
                if schedule.skipped != skipped:
                    self._skipped.inc(schedule.skipped - skipped)
                    skipped = schedule.skipped
                if frames:
                    await self.send(frames)
            if self._stopping:
                return
            if room.aborted:
                await self.send([(None, room.end_frame())])
            await self.on_end(room)
            await self._deliver(self.layer.group_send, self.group, {"type": "room.over"})
        except Exception:
            logger.exception(
                "room %s stopped on an error", room.room_id, extra={"match_id": room.room_id}
            )
            raise
        finally:
            self._running.dec()

    async def send(self, frames: list[Frame]) -> None:
        layer = self.layer
        self._frames.inc(len(frames))
        for target, text in frames:
            # A str's isascii() is a flag read: its length is then its size in UTF-8.
            self._bytes.inc(len(text) if text.isascii() else len(text.encode()))
            if target is None:
                await self._deliver(layer.group_send, self.group, frame_message(text))
            elif target == SPECTATORS:
                await self._deliver(layer.group_send, self.spectators_group, frame_message(text))
            elif channel := self.channels.get(target):
                await self._deliver(layer.send, channel, frame_message(text))

    async def _deliver(self, send: Callable[..., Awaitable[None]], to: str, message: dict) -> None:
        """Hands one message to the layer; one it cannot take is lost, not the room."""
        try:
            await send(to, message)
        except LAYER_ERRORS as error:
            self.frames_lost += 1
            metrics.FRAMES_LOST.inc()
            if not self._losing:
                logger.warning(
                    "room %s: frames are being lost: %r",
                    self.room.room_id,
                    error,
                    extra={"match_id": self.room.room_id},
                )
            self._losing = True
            return
        if self._losing:
            logger.warning(
                "room %s: frames go out again",
                self.room.room_id,
                extra={"match_id": self.room.room_id},
            )
            self._losing = False

    def end(self) -> None:
        """Ends the match cleanly now (the admin's action): the next tick sends the end."""
        self.room.abort("ended_by_admin")

    def live(self, process: str) -> LiveRoom:
        seats = self.room.seats.values()
        return LiveRoom(
            room_id=self.room.room_id,
            tick=self.room.ctx.tick,
            connected=sum(seat.connected for seat in seats),
            seats=len(seats),
            process=process,
            skipped=self.schedule.skipped,
        )

    # What a player's socket uses: the same on a RoomLink (shared.py) in Redis mode.

    @property
    def tick(self) -> int:
        return self.room.ctx.tick

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
            await self._deliver(self.layer.send, previous, {"type": "room.replaced"})
        self.room.connected(player)
        await self._deliver(self.layer.send, channel, frame_message(self.room.snapshot(player)))
        await self.send([(None, self.room.presence_frame())])
        if self.watchers:
            await self._deliver(self.layer.send, channel, frame_message(self._spectators_frame()))

    async def leave(self, player: str, channel: str) -> None:
        if self.channels.get(player) != channel:
            return
        del self.channels[player]
        self.room.disconnected(player)
        await self.send([(None, self.room.presence_frame())])

    async def resync(self, player: str, channel: str) -> None:
        await self._deliver(self.layer.send, channel, frame_message(self.room.snapshot(player)))

    async def watch(self, viewer: str, name: str, channel: str) -> None:
        """A spectator's socket connected or asks again: a snapshot of what they may see.

        The room counts its spectators, whichever process their sockets are on: one socket
        per user (a newer one replaces the older, as a player's does), and at most
        `MAX_SPECTATORS`; one over it is refused. They take no seat and count for no
        player; everyone hears who watches, so that the lobby's host can remove one.
        """
        watching = self.watchers.get(viewer)
        if watching is None and len(self.watchers) >= settings.MAX_SPECTATORS:
            await self._deliver(self.layer.send, channel, {"type": "room.spectators.full"})
            return
        self.watchers[viewer] = (channel, name)
        if watching is not None and watching[0] != channel:
            await self._deliver(self.layer.send, watching[0], {"type": "room.replaced"})
        await self._deliver(self.layer.send, channel, frame_message(self.room.snapshot(None)))
        if watching is None:
            await self.send([(None, self._spectators_frame())])

    async def unwatch(self, viewer: str, channel: str) -> None:
        """A spectator's socket closed (not one a newer socket replaced)."""
        if self.watchers.get(viewer, ("", ""))[0] == channel:
            del self.watchers[viewer]
            await self.send([(None, self._spectators_frame())])

    async def remove(self, user: str) -> None:
        """The lobby's host removed the user from the match: their seat goes at the next
        tick, or they stop being counted as a spectator. Their sockets are told by the
        kick itself (`user_group_name`)."""
        if user in self.room.seats:
            self.channels.pop(user, None)
            self.room.remove(user)
            await self.send([(None, self.room.presence_frame())])
        elif (watching := self.watchers.get(user)) is not None:
            await self.unwatch(user, watching[0])

    def _spectators_frame(self) -> str:
        watchers = [{"id": viewer, "name": name} for viewer, (_, name) in self.watchers.items()]
        return dumps({"type": "spectators", "tick": self.room.sent_tick, "spectators": watchers})
