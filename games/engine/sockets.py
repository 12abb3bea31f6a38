"""A room's sockets on this process, and writing frames to them straight from the room.

A room hands each tick's frames, serialized once, to its sockets on its own process
directly: one write per socket, no channel-layer message, no task woken per socket. A
room run by another process sends its frames here once per tick for all of this
process's sockets of it (delivery.py), and they are handed out the same way.

A write never makes the room wait. A socket takes a write at once unless its client
stopped reading and the server's buffer for it is full (uvicorn, and daphne through
game_server/daphne_protocol.py, then wait for it to drain); that write is finished in a
task of its own, the next `BACKLOG` frames wait behind it in order, and later ones are
dropped: the client sees the gap in the diffs' ticks and asks for a snapshot once it
reads again. Under the project's protocols for daphne and uvicorn
(game_server/direct_frames.py), a write goes straight to the connection (`direct`),
without an ASGI message, whenever the connection can take it.
"""

from __future__ import annotations

import asyncio
import collections
import types
from collections.abc import Callable, Coroutine, Generator, Iterable
from typing import Any

from game_server import metrics
from games.engine.frames import SPECTATORS

# Frames that wait behind a write the client is slow to take; more are dropped.
BACKLOG = 100

# An ASGI server's `send`.
Send = Callable[[dict[str, Any]], Coroutine[Any, Any, None]]


class SocketWriter:
    """One socket as the rooms write to it: its ASGI `send`, and the server's direct
    write if it offers one (`direct`: False when it cannot take the frame now)."""

    __slots__ = ("_backlog", "_direct", "_send")

    def __init__(self, send: Send, direct: Callable[[str], bool] | None = None) -> None:
        self._send = send
        self._direct = direct
        # Frames waiting behind a write that could not finish at once; None when none is.
        self._backlog: collections.deque[str] | None = None

    def write(self, text: str) -> None:
        if (backlog := self._backlog) is not None:
            if len(backlog) < BACKLOG:
                backlog.append(text)
            else:
                metrics.FRAMES_DROPPED.inc()
            return
        if (direct := self._direct) is not None and direct(text):
            return
        sending = self._send({"type": "websocket.send", "text": text})
        try:
            waiting_for = sending.send(None)
        except StopIteration:
            return
        except (OSError, RuntimeError):
            # The socket is closing: its consumer's disconnect takes it out of the room.
            return
        self._backlog = collections.deque()
        asyncio.get_running_loop().create_task(self._finish(sending, waiting_for))

    async def _finish(self, sending: Coroutine[Any, Any, None], waiting_for: Any) -> None:
        """Finishes the write that had to wait, then the frames that queued behind it."""
        backlog = self._backlog
        assert backlog is not None
        try:
            await _resumed(sending, waiting_for)
            while backlog:
                await self._send({"type": "websocket.send", "text": backlog.popleft()})
        except (OSError, RuntimeError):
            pass
        finally:
            self._backlog = None


@types.coroutine
def _resumed(sending: Coroutine[Any, Any, None], waiting_for: Any) -> Generator[Any, Any, None]:
    """Awaits a coroutine that already ran up to its first wait, `waiting_for`, as
    `await` would have from the start (what Python 3.12's eager tasks do)."""
    while True:
        try:
            try:
                value = yield waiting_for
            except BaseException as error:
                waiting_for = sending.throw(error)
            else:
                waiting_for = sending.send(value)
        except StopIteration:
            return


class RoomSockets:
    """One room's sockets on this process: every one by channel, players' by player."""

    def __init__(self) -> None:
        self.everyone: dict[str, SocketWriter] = {}
        self.players: dict[str, SocketWriter] = {}
        self.spectators: dict[str, SocketWriter] = {}

    def __contains__(self, channel: str) -> bool:
        return channel in self.everyone

    def __bool__(self) -> bool:
        return bool(self.everyone)

    def add(self, channel: str, writer: SocketWriter, *, player: str | None) -> None:
        """A socket of a player (its newest socket), or of a spectator (None)."""
        self.everyone[channel] = writer
        if player is None:
            self.spectators[channel] = writer
        else:
            self.players[player] = writer

    def discard(self, channel: str, *, player: str | None) -> None:
        writer = self.everyone.pop(channel, None)
        self.spectators.pop(channel, None)
        if player is not None and writer is not None and self.players.get(player) is writer:
            del self.players[player]

    def write(self, channel: str, text: str) -> bool:
        """One frame to one socket: False if that socket is not on this process."""
        if (writer := self.everyone.get(channel)) is None:
            return False
        writer.write(text)
        return True

    def deliver(self, frames: Iterable[tuple[str | None, str]]) -> None:
        """Each frame to the sockets here it is for (frames.py: everyone, spectators, or
        one player)."""
        for target, text in frames:
            if target is None:
                for writer in self.everyone.values():
                    writer.write(text)
            elif target == SPECTATORS:
                for writer in self.spectators.values():
                    writer.write(text)
            elif (player := self.players.get(target)) is not None:
                player.write(text)
