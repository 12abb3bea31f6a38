"""Runs a room on the event loop: ticks on schedule, sends frames, tracks sockets.

`RoomRunner` is the `RoomHandle` of a room run by this process: sockets here call it
directly, and sockets on other processes reach it through its engine channel
(engine_channel.py). Every input reaches the room through `submit`. Its frames go to
the sockets here straight away, and to other processes only while one of them has a
socket of the room (delivery.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from django.conf import settings

from game_server import metrics
from games.engine import saves
from games.engine.clock import Clock, Schedule, monotonic
from games.engine.delivery import Outbox
from games.engine.frames import Frame, spectators_frame
from games.engine.handle import LiveRoom, RoomDetail
from games.engine.room import Room
from games.engine.sockets import RoomSockets
from games.engine.tasks import cancel_and_wait
from games.rules.base import Input

logger = logging.getLogger(__name__)

# How often a room adds what it counted to the metrics: counting each tick took a lock
# per counter (prometheus_client's), several times a tick. A scrape lags by up to this.
COUNT_SECONDS = 1.0


class LeaseHolder(Protocol):
    """Whoever holds the room's lease for its runner, in Redis mode (owned.py)."""

    @property
    def valid_until(self) -> float:
        """Until when (monotonic clock) the lease surely holds: the runner ticks before."""
        ...

    async def renewed(self) -> bool:
        """Waits until the lease is renewed; False once another process owns the room."""
        ...

    async def lost(self) -> None:
        """The runner stopped: another process owns the room now."""


class RoomRunner:
    """Owns one room's loop task, and knows the room's sockets on every process."""

    def __init__(
        self,
        room: Room,
        *,
        layer: Any,
        on_end: Callable[[Room], Awaitable[None]],
        clock: Clock = monotonic,
        holder: LeaseHolder | None = None,
        sockets: RoomSockets | None = None,
        process: str = "",
    ) -> None:
        """`sockets`: the room's sockets on this process, which register there before
        they join (the registry's, shared with the room's link in Redis mode)."""
        self.room = room
        self.sockets = RoomSockets() if sockets is None else sockets
        self.outbox = Outbox(
            layer, room.room_id, room.game.slug, sockets=self.sockets, process=process
        )
        self.on_end = on_end
        self.clock = clock
        self.holder = holder
        self.schedule = Schedule(room.tick_rate, start=clock())
        self.tick_seconds_max = 0.0
        # The socket (consumer channel) of each connected player.
        self.channels: dict[str, str] = {}
        # Each spectator's (user id's) socket and name, wherever the socket is.
        self.watchers: dict[str, tuple[str, str]] = {}
        # Whether a socket of the room is on another process; None: to be worked out
        # again, after a socket came or went.
        self._elsewhere: bool | None = False
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        # Bound once here: the tick path counts without looking labels up.
        game = room.game.slug
        self._running = metrics.ROOMS_RUNNING.labels(game)
        self._ticks = metrics.TICKS.labels(game)
        self._lateness = metrics.TICK_LATENESS.labels(game)
        self._skipped = metrics.TICKS_SKIPPED.labels(game)
        self._ticks_counted = self._skipped_counted = 0

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(
            self._run(), name=f"room {self.room.room_id}"
        )

    async def stop(self) -> None:
        """Stops the room's loop. A room whose match has ended is not stopped but waited
        for: its end is being recorded (in a database thread, which a cancel would not
        stop but only stop waiting for)."""
        if self._task is None:
            return
        if self.room.result is not None:
            await asyncio.wait({self._task})
            return
        self._stopping = True
        await cancel_and_wait(self._task)

    async def _run(self) -> None:
        room, schedule, clock, holder = self.room, self.schedule, self.clock, self.holder
        self.schedule.start = clock()
        lateness, count_at = self._lateness, 0.0
        self._running.inc()
        try:
            while room.result is None and not self._stopping:
                due = schedule.due()
                delay = due - clock()
                if delay > 0:
                    await asyncio.sleep(delay)
                # A runner whose lease may have run out waits; one fenced out stops.
                if (
                    holder is not None
                    and clock() >= holder.valid_until
                    and not await holder.renewed()
                ):
                    await holder.lost()
                    return
                began = clock()
                frames = room.tick()
                schedule.ticked(began)
                self.tick_seconds_max = max(self.tick_seconds_max, clock() - began)
                lateness.observe(max(0.0, began - due))
                if frames:
                    if self._elsewhere is False:
                        # Every socket is here: written at once, with no await.
                        self.outbox.here(frames)
                    else:
                        await self.send(frames)
                if began >= count_at:
                    self._count()
                    count_at = began + COUNT_SECONDS
            if self._stopping:
                return
            if room.aborted:
                await self.send([(None, room.end_frame())])
            await self.on_end(room)
            await self.outbox.to_everyone({"type": "room.over"})
        except Exception:
            logger.exception(
                "room %s stopped on an error", room.room_id, extra={"match_id": room.room_id}
            )
            raise
        finally:
            self._count()
            self._running.dec()

    def _count(self) -> None:
        """Adds the ticks run, skipped and the frames sent since the last count to the
        metrics (`COUNT_SECONDS`)."""
        schedule = self.schedule
        if schedule.ticks != self._ticks_counted:
            self._ticks.inc(schedule.ticks - self._ticks_counted)
            self._ticks_counted = schedule.ticks
        if schedule.skipped != self._skipped_counted:
            self._skipped.inc(schedule.skipped - self._skipped_counted)
            self._skipped_counted = schedule.skipped
        self.outbox.count()

    async def send(self, frames: list[Frame]) -> None:
        if (elsewhere := self._elsewhere) is None:
            elsewhere = self._elsewhere = self._socket_elsewhere()
        await self.outbox.frames(frames, elsewhere=elsewhere)

    def _socket_elsewhere(self) -> bool:
        here = self.sockets
        watching = (channel for channel, _ in self.watchers.values())
        return any(channel not in here for channel in (*self.channels.values(), *watching))

    @property
    def frames_lost(self) -> int:
        return self.outbox.lost

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

    def detail(self, process: str) -> RoomDetail:
        """The room as it is now, between two ticks."""
        return RoomDetail(
            process=process,
            saved=saves.export(self.room),
            schedule=self.schedule,
            tick_seconds_max=self.tick_seconds_max,
            spectators=[name for _, name in self.watchers.values()],
        )

    # The room's handle (handle.py), for sockets here and the engine channel.

    @property
    def tick(self) -> int:
        return self.room.ctx.tick

    async def submit(self, player: str, seq: int, data: Input) -> None:
        self.room.submit(player, seq, data)

    submits_now = True

    def submit_now(
        self, player: str, seq: int, data: Input, on_error: Callable[[Exception], None]
    ) -> None:
        self.room.submit(player, seq, data)

    async def join(self, player: str, channel: str) -> None:
        previous = self.channels.get(player)
        self.channels[player] = channel
        self._elsewhere = None
        if previous and previous != channel:
            await self.outbox.to_socket(previous, {"type": "room.replaced"})
        self.room.connected(player)
        await self.outbox.frame_to(channel, self.room.snapshot(player))
        await self.send([(None, self.room.presence_frame())])
        if self.watchers:
            await self.outbox.frame_to(channel, self._spectators_frame())

    async def leave(self, player: str, channel: str) -> None:
        if self.channels.get(player) != channel:
            return
        del self.channels[player]
        self._elsewhere = None
        self.room.disconnected(player)
        await self.send([(None, self.room.presence_frame())])

    async def resync(self, player: str, channel: str) -> None:
        await self.outbox.frame_to(channel, self.room.snapshot(player))

    async def watch(self, viewer: str, name: str, channel: str) -> None:
        """A spectator's socket connected or asks again: a snapshot of what they may see.

        The room counts its spectators, whichever process their sockets are on: one socket
        per user (a newer one replaces the older, as a player's does), and at most
        `MAX_SPECTATORS`; one over it is refused. They take no seat and count for no
        player; everyone hears who watches, so that the lobby's host can remove one.
        """
        watching = self.watchers.get(viewer)
        if watching is None and len(self.watchers) >= settings.MAX_SPECTATORS:
            await self.outbox.to_socket(channel, {"type": "room.spectators.full"})
            return
        self.watchers[viewer] = (channel, name)
        self._elsewhere = None
        if watching is not None and watching[0] != channel:
            await self.outbox.to_socket(watching[0], {"type": "room.replaced"})
        await self.outbox.frame_to(channel, self.room.snapshot(None))
        if watching is None:
            await self.send([(None, self._spectators_frame())])

    async def unwatch(self, viewer: str, channel: str) -> None:
        """A spectator's socket closed (not one a newer socket replaced)."""
        if self.watchers.get(viewer, ("", ""))[0] == channel:
            del self.watchers[viewer]
            self._elsewhere = None
            await self.send([(None, self._spectators_frame())])

    async def remove(self, user: str) -> None:
        """The lobby's host removed the user from the match: their seat goes at the next
        tick, or they stop being counted as a spectator. Their sockets are told by the
        kick itself (`user_group_name`)."""
        if user in self.room.seats:
            self.channels.pop(user, None)
            self._elsewhere = None
            self.room.remove(user)
            await self.send([(None, self.room.presence_frame())])
        elif (watching := self.watchers.get(user)) is not None:
            await self.unwatch(user, watching[0])

    def _spectators_frame(self) -> str:
        watchers = [{"id": viewer, "name": name} for viewer, (_, name) in self.watchers.items()]
        return spectators_frame(self.room.sent_tick, watchers)
