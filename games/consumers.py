"""The player socket: one consumer per connected player, or spectator, of a room.

It authenticates and authorizes once (a seat, or a lobby that lets the user watch), then
checks every frame for size, shape and rate before the room sees it. The room writes its
frames to the socket itself, as they were serialized (games/engine/sockets.py): they do
not pass through this consumer. Every input of every player does, so two things of
Channels' `AsyncConsumer` are replaced with leaner ones: the per-message
`close_old_connections` (a thread hop that costs more than the frame; this consumer only
reads the database while connecting) and `await_many_dispatch` (an `asyncio.wait` and a
new task per message; here one long-lived task per source, which hands a frame straight
to `receive` rather than look its handler up by name).

Under `game-server serve` (daphne with game_server/daphne_protocol.py) and under uvicorn
with game_server/uvicorn_protocol.py (docs/deploy.md), a player's input frame need not
pass through ASGI at all: the protocol offers the direct extension
(game_server/direct_frames.py), and the consumer gives it `_take_input`, which the
protocol calls with each small text frame as it arrives. An input within the limits goes
straight into a room that runs on this process, with no message queued and no task
woken; any other frame is refused there and comes through `receive` as usual.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import get_channel_layer
from django.conf import settings
from prometheus_client import Gauge

from game_server import metrics
from game_server.direct_frames import EXTENSION
from games import protocol, services
from games.chat import CHAT_MAX_LENGTH, ChatRefused, chat_count, chat_text
from games.engine.delivery import (
    LAYER_ERRORS,
    frame_message,
    group_name,
    user_group_name,
)
from games.engine.frames import dumps, error_frame
from games.engine.handle import RoomHandle
from games.engine.registry import registry
from games.engine.sockets import SocketWriter
from games.engine.tasks import cancel_and_wait

logger = logging.getLogger(__name__)

# A socket that sends more than this many times its input rate in frames of any kind
# (inputs, snapshot requests, pings, bad frames) within one second is closed.
FLOOD_FACTOR = 5
UNAVAILABLE = "The game server is reconnecting: that did not reach the game. Try again."
REFUSALS = {
    "not_authenticated": (protocol.CLOSE_NOT_AUTHENTICATED, "Sign in or play as a guest first."),
    "no_such_room": (protocol.CLOSE_NO_SUCH_ROOM, "There is no such game."),
    "room_over": (protocol.CLOSE_ROOM_OVER, "This game is over."),
    "not_a_player": (protocol.CLOSE_NOT_A_PLAYER, "You do not have a seat in this game."),
    "kicked": (protocol.CLOSE_NOT_A_PLAYER, "The host removed you from this game."),
    "spectators_full": (
        protocol.CLOSE_SPECTATORS_FULL,
        "This game has as many spectators as it takes. Try again later.",
    ),
}
# A refused chat line's error code and words, by the chat rules' refusal (games/chat.py).
CHAT_REFUSALS = {
    "empty": ("chat_empty", "Write something first."),
    "too_long": ("chat_too_long", f"A chat line has at most {CHAT_MAX_LENGTH} characters."),
    "bad_text": ("chat_bad_text", "A chat line cannot contain control characters."),
    "rate_limited": ("chat_rate_limited", "Too many chat lines: wait {retry_after} s."),
}


class PlayerConsumer(AsyncWebsocketConsumer):
    # The room, wherever it runs.
    room: RoomHandle | None = None
    player = ""
    # A user without a seat, watching: gets every frame, and an error for each input.
    spectator = False
    # The user's id, as the room names players and spectators.
    user_id = ""
    # Whether this socket may chat: a player, or a spectator when the lobby lets them.
    may_chat = False
    # The open sockets' count this one is in, once it has a seat or watches.
    counted_in: Gauge | None = None
    # Closed for sending too many frames: nothing more it sent is read.
    flooded = False

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        self.scope = scope
        self.channel_layer = get_channel_layer()
        self.base_send = send
        self.direct = scope.get("extensions", {}).get(EXTENSION)
        self.writer = SocketWriter(send, self.direct["write"] if self.direct else None)
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
        """Hands each message of one source to its handler, until the socket closes: a
        frame from the socket straight to `receive`, the rest by their type.

        The two sources' handlers may interleave at their awaits; none of them holds
        state across an await that the other changes.
        """
        dispatch, receive = self.dispatch, self.receive
        while True:
            message = await source()
            if message["type"] == "websocket.receive":
                await receive(message.get("text"), message.get("bytes"))
            else:
                await dispatch(message)

    async def dispatch(self, message: dict[str, Any]) -> None:
        handler = getattr(self, message["type"].replace(".", "_"), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def connect(self) -> None:
        user = self.scope["user"]
        await self.accept()
        if not user.is_authenticated:
            await self._refuse("not_authenticated")
            return
        try:
            await self._take_seat(user)
        except LAYER_ERRORS:
            await self._unavailable()

    async def _take_seat(self, user: Any) -> None:
        room_id = str(self.scope["url_route"]["kwargs"]["room_id"])
        # Who may come in is settled before the room is opened: a stranger who knows a
        # match's id must not start its clock.
        access = await database_sync_to_async(services.match_access)(
            match_id=room_id, user_id=user.pk
        )
        if access not in ("player", "spectator"):
            await self._refuse(access)
            return
        room = await registry().open(room_id)
        if room is None:
            # It ended in between.
            await self._refuse("room_over")
            return
        self.user_id = str(user.pk)
        self.viewer_name = str(user)
        self.group = group_name(room_id)
        self.user_group = user_group_name(room_id, user.pk)
        if access == "player":
            self.player = self.user_id
            self.may_chat = True
        else:
            self.spectator = True
            self.may_chat = await database_sync_to_async(services.match_spectators_may_chat)(
                match_id=room_id
            )
        self.room = room
        self.counted_in = metrics.SOCKETS_OPEN.labels("spectator" if self.spectator else "player")
        self.counted_in.inc()
        # Read once: the settings' lookup costs more than the check itself.
        self._rate = settings.INPUT_RATE_PER_SECOND
        self._allowance = float(self._rate)
        self._refilled_at = time.monotonic()
        self._flood_limit = self._rate * FLOOD_FACTOR
        self._second = int(self._refilled_at)
        self._frames_this_second = 0
        self._rate_limited_second = -1
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.channel_layer.group_add(self.user_group, self.channel_name)
        room.sockets.add(self.channel_name, self.writer, player=self.player or None)
        await self._join()
        if self.direct is not None and not self.spectator:
            self.direct["receive"](self._take_input)

    def _take_input(self, text: str) -> bool:
        """A text frame straight from the connection (`EXTENSION`): True if it was an
        input within the limits and went to the room (`RoomHandle.submit_now`); False
        for anything else, which then comes through `receive`, unchanged by this look."""
        room = self.room
        if room is None or not room.submits_now:
            return False
        now = time.monotonic()
        if not self._room_for_a_frame(now):
            return False
        try:
            frame = protocol.parse_client_frame(text)
        except protocol.ProtocolError:
            return False
        if type(frame) is not protocol.InputFrame or not self._within_rate(now):
            return False
        self._frames_this_second += 1
        room.submit_now(self.player, frame.seq, frame.data, self._input_lost)
        return True

    def _input_lost(self, error: Exception) -> None:
        """An input posted to the room on another process that the layer could not take:
        the player hears so, as from `receive` (`_to_room`)."""
        self.writer.write(self._error_frame("unavailable", UNAVAILABLE))

    async def _join(self) -> None:
        """Tells the room this socket is here, and gets its snapshot."""
        assert self.room is not None
        if self.spectator:
            await self.room.watch(self.user_id, self.viewer_name, self.channel_name)
        else:
            await self.room.join(self.player, self.channel_name)

    async def _refuse(self, error: str) -> None:
        code, message = REFUSALS[error]
        self._log_refused(logging.INFO, error, code)
        await self._send_error(error, message)
        await self.close(code)

    async def _unavailable(self) -> None:
        """The channel layer cannot be reached (Redis restarting): try again shortly."""
        self._log_refused(logging.WARNING, "unavailable", protocol.CLOSE_TRY_AGAIN)
        await self._send_error("unavailable", UNAVAILABLE)
        await self.close(protocol.CLOSE_TRY_AGAIN)

    def _log_refused(self, level: int, reason: str, close_code: int) -> None:
        """One line for each socket the server refuses or closes (docs/deploy.md, Logs)."""
        match_id = str(self.scope["url_route"]["kwargs"]["room_id"])
        user_id = getattr(self.scope.get("user"), "pk", None)
        logger.log(
            level,
            "play socket of user %s on match %s closed: %s",
            user_id,
            match_id,
            reason,
            extra={
                "event": "socket_refused",
                "socket": "play",
                "match_id": match_id,
                "user_id": user_id,
                "reason": reason,
                "close_code": close_code,
            },
        )

    async def disconnect(self, code: int) -> None:
        if (counted_in := self.counted_in) is not None:
            self.counted_in = None
            counted_in.dec()
        if self.room is None:
            return
        # The seat window runs out for a room that does not hear of the leave.
        with contextlib.suppress(LAYER_ERRORS):
            await self._leave_room(self.room)

    async def _leave_room(self, room: RoomHandle) -> None:
        layer, channel = self.channel_layer, self.channel_name
        room.sockets.discard(channel, player=self.player or None)
        await layer.group_discard(self.group, channel)
        await layer.group_discard(self.user_group, channel)
        if self.spectator:
            # Not a player: the room's players only hear who watches now.
            await room.unwatch(self.user_id, channel)
        else:
            await room.leave(self.player, channel)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.room is None or self.flooded:
            return
        # Every frame counts toward the flood limit, whatever it is and before it is read.
        now = time.monotonic()
        if not self._room_for_a_frame(now):
            # The frames already queued behind this one are not read, in this second or
            # the next: the socket is closing.
            self.flooded = True
            if self.direct is not None:
                self.direct["receive"](None)
            self._log_refused(logging.WARNING, "flooding", protocol.CLOSE_FLOODING)
            metrics.FLOOD_CLOSES.inc()
            await self._send_error("flooding", "Too many frames: the connection is closed.")
            await self.close(protocol.CLOSE_FLOODING)
            return
        self._frames_this_second += 1
        try:
            frame = protocol.parse_client_frame(text_data)
        except protocol.ProtocolError as error:
            metrics.INPUTS_REFUSED.labels(error.code).inc()
            await self._send_error(error.code, error.message)
            return
        if type(frame) is protocol.InputFrame and not self.spectator and self._within_rate(now):
            # The frame nearly every frame is, first.
            await self._to_room(self.room.submit(self.player, frame.seq, frame.data))
        elif isinstance(frame, protocol.Ping):
            pong = {"type": "pong", "t": frame.t, "tick": self.room.tick}
            await self.send(text_data=dumps(pong))
        elif isinstance(frame, protocol.ChatLine | protocol.Reaction):
            await self._chat(frame)
        elif not self._within_rate(now):
            metrics.INPUTS_RATE_LIMITED.inc()
            if self._rate_limited_second != self._second:
                self._rate_limited_second = self._second
                await self._send_error("rate_limited", "Too many inputs: some were dropped.")
        elif isinstance(frame, protocol.SnapshotRequest):
            # A snapshot serializes the whole state: it counts against the input rate.
            await self._to_room(self._snapshot())
        else:
            metrics.INPUTS_REFUSED.labels("spectator").inc()
            await self._send_error("spectator", "Spectators cannot play.", seq=frame.seq)

    async def _chat(self, frame: protocol.ChatLine | protocol.Reaction) -> None:
        """A chat line or reaction, to every socket of the room (players and spectators)
        through the room's group: beside the room's loop, never one of its inputs."""
        assert self.room is not None
        if not self.may_chat:
            await self._send_error("chat_not_allowed", "Spectators of this match cannot chat.")
            return
        try:
            line: dict[str, Any] = (
                {"type": "chat", "text": chat_text(frame.text)}
                if isinstance(frame, protocol.ChatLine)
                else {"type": "reaction", "reaction": frame.reaction}
            )
            await sync_to_async(chat_count)(user_id=self.user_id)
        except ChatRefused as refused:
            code, words = CHAT_REFUSALS[refused.code]
            await self._send_error(code, words.format(retry_after=refused.retry_after))
            return
        line.update(
            tick=self.room.tick,
            user_id=self.user_id,
            name=self.viewer_name,
            spectator=self.spectator,
        )
        await self._to_room(self.channel_layer.group_send(self.group, frame_message(dumps(line))))

    async def _to_room(self, call: Awaitable[None]) -> None:
        """An input or request that cannot reach the room costs itself, not the socket."""
        try:
            await call
        except LAYER_ERRORS:
            await self._send_error("unavailable", UNAVAILABLE)

    def _room_for_a_frame(self, now: float) -> bool:
        """Whether one more frame this second stays within the flood limit (both ways in
        count each frame they read, the direct one only those it takes)."""
        if int(now) != self._second:
            self._second, self._frames_this_second = int(now), 0
        return self._frames_this_second < self._flood_limit

    def _within_rate(self, now: float) -> bool:
        """A token bucket: `INPUT_RATE_PER_SECOND` a second, in bursts of up to as many."""
        rate = self._rate
        self._allowance = min(float(rate), self._allowance + (now - self._refilled_at) * rate)
        self._refilled_at = now
        if self._allowance >= 1.0:
            self._allowance -= 1.0
            return True
        return False

    async def _snapshot(self) -> None:
        assert self.room is not None
        if self.spectator:
            await self.room.watch(self.user_id, self.viewer_name, self.channel_name)
        else:
            await self.room.resync(self.player, self.channel_name)

    async def _send_error(self, code: str, message: str, *, seq: int | None = None) -> None:
        await self.send(text_data=self._error_frame(code, message, seq=seq))

    def _error_frame(self, code: str, message: str, *, seq: int | None = None) -> str:
        return error_frame(self.room.tick if self.room else 0, code, message, seq=seq)

    async def room_frame(self, event: dict[str, Any]) -> None:
        """A frame from a room on another process (a snapshot), or a chat line: in line
        with the frames the rooms write."""
        self.writer.write(event["text"])

    async def room_over(self, event: dict[str, Any]) -> None:
        """The match ended and its result is recorded: nothing more will come."""
        await self.close(protocol.CLOSE_ROOM_OVER)

    async def room_replaced(self, event: dict[str, Any]) -> None:
        """A newer socket of this user took the seat (or the watch): the room, which
        counts the newer one, lets this one leave without a change."""
        await self._let_go()
        await self._send_error("replaced", "You opened this game in another tab or device.")
        await self.close(protocol.CLOSE_REPLACED)

    async def room_removed(self, event: dict[str, Any]) -> None:
        """The lobby's host kicked this user: the room lets go of them (the kick tells it
        too, wherever it runs), and they may not come back."""
        await self._leave_and_close("kicked")

    async def room_spectators_full(self, event: dict[str, Any]) -> None:
        """The room has `MAX_SPECTATORS` spectators already: this one is refused."""
        await self._leave_and_close("spectators_full")

    async def _leave_and_close(self, error: str) -> None:
        await self._let_go()
        await self._refuse(error)

    async def _let_go(self) -> None:
        """Leaves the room now, before the socket closes."""
        if (room := self.room) is not None:
            self.room = None
            with contextlib.suppress(LAYER_ERRORS):
                await self._leave_room(room)

    async def room_rejoin(self, event: dict[str, Any]) -> None:
        """Another process runs the room now (Redis mode): join it there for a snapshot."""
        if self.room is None:
            return
        try:
            await self._join()
        except LAYER_ERRORS:
            await self._unavailable()
