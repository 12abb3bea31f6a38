"""The player socket: one consumer per connected player, or spectator, of a room.

It authenticates and authorizes once (a seat, or a lobby that lets the user watch), then
checks every frame for size, shape and rate before the room sees it, and writes the
room's frames to the socket as they were serialized. Every frame of every player passes
through here, so two things of Channels' `AsyncConsumer` are replaced with leaner ones:
the per-message `close_old_connections` (a thread hop that costs more than the frame;
this consumer only reads the database while connecting) and `await_many_dispatch` (an
`asyncio.wait` and a new task per message; here one long-lived task per source).
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import get_channel_layer
from django.conf import settings

from games import protocol, services
from games.engine.registry import registry
from games.engine.room import dumps, error_frame
from games.engine.runner import LAYER_ERRORS, RoomRunner
from games.engine.shared import RoomLink
from games.engine.tasks import cancel_and_wait

# A socket that sends this many times its allowed rate in one second is closed.
FLOOD_FACTOR = 5
UNAVAILABLE = "The game server is reconnecting: that did not reach the game. Try again."


class PlayerConsumer(AsyncWebsocketConsumer):
    # The room run in this process, or (Redis mode) a link to it wherever it runs.
    runner: RoomRunner | RoomLink | None = None
    player = ""
    # A user without a seat, watching: gets every frame, and an error for each input.
    spectator = False

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        self.scope = scope
        self.channel_layer = get_channel_layer()
        self.base_send = send
        try:
            self.channel_name = await self.channel_layer.new_channel()
        except LAYER_ERRORS:
            await receive()
            await self.accept()
            await self._unavailable()
            return
        layer_receive = functools.partial(self.channel_layer.receive, self.channel_name)
        loop = asyncio.get_running_loop()
        pumps = [loop.create_task(self._pump(source)) for source in (receive, layer_receive)]
        try:
            done, _ = await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
        finally:
            await asyncio.gather(*(cancel_and_wait(pump) for pump in pumps))
        for pump in done:
            if not pump.cancelled() and not isinstance(pump.exception(), StopConsumer):
                pump.result()

    async def _pump(self, source: Callable[[], Awaitable[dict[str, Any]]]) -> None:
        """Hands each message of one source to its handler, until the socket closes.

        The two sources' handlers may interleave at their awaits; none of them holds
        state across an await that the other changes.
        """
        dispatch = self.dispatch
        while True:
            await dispatch(await source())

    async def dispatch(self, message: dict[str, Any]) -> None:
        handler = getattr(self, message["type"].replace(".", "_"), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def connect(self) -> None:
        user = self.scope["user"]
        await self.accept()
        if not user.is_authenticated:
            await self._refuse(protocol.CLOSE_NOT_AUTHENTICATED, "not_authenticated")
            return
        try:
            await self._take_seat(user)
        except LAYER_ERRORS:
            await self._unavailable()

    async def _take_seat(self, user: Any) -> None:
        room_id = str(self.scope["url_route"]["kwargs"]["room_id"])
        runner = await registry().open(room_id)
        if runner is None:
            if await sync_to_async(services.match_is_over)(match_id=room_id):
                await self._refuse(protocol.CLOSE_ROOM_OVER, "room_over")
            else:
                await self._refuse(protocol.CLOSE_NO_SUCH_ROOM, "no_such_room")
            return
        if str(user.pk) in runner.seats:
            self.player = str(user.pk)
        elif runner.spectators and await sync_to_async(services.match_may_watch)(
            match_id=room_id, user_id=user.pk
        ):
            self.spectator = True
        else:
            await self._refuse(protocol.CLOSE_NOT_A_PLAYER, "not_a_player")
            return
        self.runner = runner
        self._allowance = float(settings.INPUT_RATE_PER_SECOND)
        self._refilled_at = time.monotonic()
        self._refused_this_second = 0
        await self.channel_layer.group_add(runner.group, self.channel_name)
        if self.spectator:
            await self.channel_layer.group_add(runner.spectators_group, self.channel_name)
        await self._join()

    async def _join(self) -> None:
        """Tells the room this socket is here, and gets its snapshot."""
        assert self.runner is not None
        if self.spectator:
            await self.runner.watch(self.channel_name)
        else:
            await self.runner.join(self.player, self.channel_name)

    async def _refuse(self, code: int, error: str) -> None:
        messages = {
            "not_authenticated": "Sign in or play as a guest first.",
            "no_such_room": "There is no such game.",
            "room_over": "This game is over.",
            "not_a_player": "You do not have a seat in this game.",
        }
        await self._send_error(error, messages[error])
        await self.close(code)

    async def _unavailable(self) -> None:
        """The channel layer cannot be reached (Redis restarting): try again shortly."""
        await self._send_error("unavailable", UNAVAILABLE)
        await self.close(protocol.CLOSE_TRY_AGAIN)

    async def disconnect(self, code: int) -> None:
        if self.runner is None:
            return
        try:
            await self.channel_layer.group_discard(self.runner.group, self.channel_name)
            if self.spectator:
                # Not a player: the room hears nothing of it.
                await self.channel_layer.group_discard(
                    self.runner.spectators_group, self.channel_name
                )
                await self.runner.unwatch(self.channel_name)
            else:
                await self.runner.leave(self.player, self.channel_name)
        except LAYER_ERRORS:
            # The seat window runs out for a room that does not hear of the leave.
            pass

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.runner is None:
            return
        try:
            frame = protocol.parse_client_frame(text_data)
        except protocol.ProtocolError as error:
            await self._send_error(error.code, error.message)
            return
        if isinstance(frame, protocol.InputFrame):
            if self._within_rate():
                if self.spectator:
                    await self._send_error("spectator", "Spectators cannot play.", seq=frame.seq)
                else:
                    await self._to_room(self.runner.submit(self.player, frame.seq, frame.data))
            elif self._refused_this_second > settings.INPUT_RATE_PER_SECOND * FLOOD_FACTOR:
                await self._send_error("flooding", "Too many inputs: the connection is closed.")
                await self.close(protocol.CLOSE_FLOODING)
            elif self._refused_this_second == 1:
                await self._send_error("rate_limited", "Too many inputs: some were dropped.")
        elif isinstance(frame, protocol.SnapshotRequest):
            # A snapshot serializes the whole state: it counts against the input rate.
            if self._within_rate():
                await self._to_room(self._snapshot())
        else:
            pong = {"type": "pong", "t": frame.t, "tick": self.runner.tick}
            await self.send(text_data=dumps(pong))

    async def _to_room(self, call: Awaitable[None]) -> None:
        """An input or request that cannot reach the room costs itself, not the socket."""
        try:
            await call
        except LAYER_ERRORS:
            await self._send_error("unavailable", UNAVAILABLE)

    def _within_rate(self) -> bool:
        """A token bucket: `INPUT_RATE_PER_SECOND` a second, in bursts of up to as many."""
        rate = settings.INPUT_RATE_PER_SECOND
        now = time.monotonic()
        if int(now) != int(self._refilled_at):
            self._refused_this_second = 0
        self._allowance = min(float(rate), self._allowance + (now - self._refilled_at) * rate)
        self._refilled_at = now
        if self._allowance >= 1.0:
            self._allowance -= 1.0
            return True
        self._refused_this_second += 1
        return False

    async def _snapshot(self) -> None:
        assert self.runner is not None
        if self.spectator:
            await self.runner.watch(self.channel_name)
        else:
            await self.runner.resync(self.player, self.channel_name)

    async def _send_error(self, code: str, message: str, *, seq: int | None = None) -> None:
        tick = self.runner.tick if self.runner else 0
        await self.send(text_data=error_frame(tick, code, message, seq=seq))

    async def room_frame(self, event: dict[str, Any]) -> None:
        await self.base_send({"type": "websocket.send", "text": event["text"]})

    async def room_over(self, event: dict[str, Any]) -> None:
        """The match ended and its result is recorded: nothing more will come."""
        if isinstance(self.runner, RoomLink):
            self.runner.note_over()
        await self.close(protocol.CLOSE_ROOM_OVER)

    async def room_replaced(self, event: dict[str, Any]) -> None:
        # The newer socket holds the seat now: leave without telling the room.
        if self.runner is not None:
            await self.channel_layer.group_discard(self.runner.group, self.channel_name)
            self.runner.detach(self.player, self.channel_name)
        await self._send_error("replaced", "You opened this game in another tab or device.")
        self.runner = None
        await self.close(protocol.CLOSE_REPLACED)

    async def room_rejoin(self, event: dict[str, Any]) -> None:
        """Another process runs the room now (Redis mode): join it there for a snapshot."""
        if self.runner is None:
            return
        try:
            await self._join()
        except LAYER_ERRORS:
            await self._unavailable()

    async def room_released(self, event: dict[str, Any]) -> None:
        """The room's owner is stopping and let go of it: this process may take it."""
        if self.runner is not None:
            self.runner.release_noted()
