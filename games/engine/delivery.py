"""Where a room's messages go, and handing them over.

Frames go to the room's sockets on its own process directly (sockets.py). Every other
process with a socket of the room is in the room's processes group, and gets each
tick's frames in one message there, for all its sockets of the room: a process reads
only the frames of the rooms it has sockets of, and sockets' channels carry no frames.
Everything else goes over the channel layer: a snapshot for a socket on another process
(`send`), and to the room's group, which every socket is in, on any process, the
messages that end or move the room (`room.over`, `room.rejoin`) and chat lines; every
socket of one user is in a third group, where a kick reaches them. What the layer cannot
take is lost and counted, never the room: the players resync on the gap it leaves.

A tick's frames for other processes are posted, not awaited, under a layer that can
(`group_post`, game_server/redis_layer.py); while frames are being lost they are
awaited, so that the room hears when they go out again.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import redis
from channels.exceptions import ChannelFull

from game_server import metrics
from games.engine.frames import Frame
from games.engine.sockets import RoomSockets

logger = logging.getLogger(__name__)

# What a channel layer raises when it cannot take a message: Redis restarting or out of
# reach, or (in-memory layer) a socket's queue full. That message is lost, nothing else.
LAYER_ERRORS = (redis.RedisError, OSError, ChannelFull)


def group_name(room_id: str) -> str:
    return f"room.{room_id.replace('-', '')}"


def processes_group_name(room_id: str) -> str:
    """Every process with a socket of the room (Redis mode): where its frames go, and what
    its owner tells them (notices.py)."""
    return f"room-processes.{room_id.replace('-', '')}"


def user_group_name(room_id: str, user_id: object) -> str:
    """Every socket one user has on a room, player's or spectator's, on any process: where
    a kick reaches them (PlayerConsumer.room_removed)."""
    return f"{group_name(room_id)}.user.{user_id}"


def frame_message(text: str) -> dict[str, str]:
    """A serialized frame as a layer message to the sockets (PlayerConsumer.room_frame)."""
    return {"type": "room.frame", "text": text}


class Outbox:
    """One room's way out to its sockets, here and on other processes."""

    def __init__(
        self, layer: Any, room_id: str, game: str, *, sockets: RoomSockets, process: str
    ) -> None:
        self.layer = layer
        self.room_id = room_id
        self.sockets = sockets
        self.group = group_name(room_id)
        self.processes_group = processes_group_name(room_id)
        # This process, as the other processes' registries name it: they skip what it sent.
        self.process = process
        # Frames the layer could not take.
        self.lost = 0
        self._losing = False
        # Counted here, and added to the metrics by `count` (the runner's, once a second).
        self._frames_sent = self._bytes_sent = 0
        self._frames = metrics.FRAMES_SENT.labels(game)
        self._bytes = metrics.FRAME_BYTES_SENT.labels(game)
        self._group_post = getattr(layer, "group_post", None)

    async def frames(self, frames: list[Frame], *, elsewhere: bool) -> None:
        """Sends each frame to whom it is for (frames.py): to the sockets here at once,
        and in one message to the other processes if any of them has a socket of the
        room (`elsewhere`)."""
        self.here(frames)
        if elsewhere:
            message = {
                "type": "registry.frames",
                "room": self.room_id,
                "process": self.process,
                "frames": frames,
            }
            if self._group_post is not None and not self._losing:
                self._group_post(self.processes_group, message, self._lose)
            else:
                await self._hand_over(self.layer.group_send, self.processes_group, message)

    def here(self, frames: list[Frame]) -> None:
        """Writes each frame to the sockets here it is for, and counts it."""
        self._frames_sent += len(frames)
        for _, text in frames:
            # A str's isascii() is a flag read: its length is then its size in UTF-8.
            self._bytes_sent += len(text) if text.isascii() else len(text.encode())
        self.sockets.deliver(frames)

    def count(self) -> None:
        """Adds the frames and bytes sent since the last count to the metrics."""
        if self._frames_sent:
            self._frames.inc(self._frames_sent)
            self._bytes.inc(self._bytes_sent)
            self._frames_sent = self._bytes_sent = 0

    async def frame_to(self, channel: str, text: str) -> None:
        """One frame for one socket, on this process or another."""
        if not self.sockets.write(channel, text):
            await self._hand_over(self.layer.send, channel, frame_message(text))

    async def to_socket(self, channel: str, message: dict[str, str]) -> None:
        """A message for one socket's consumer (`room.replaced` and the like)."""
        await self._hand_over(self.layer.send, channel, message)

    async def to_everyone(self, message: dict[str, str]) -> None:
        await self._hand_over(self.layer.group_send, self.group, message)

    async def _hand_over(
        self,
        send: Callable[[str, dict[str, Any]], Awaitable[None]],
        to: str,
        message: dict[str, Any],
    ) -> None:
        try:
            await send(to, message)
        except LAYER_ERRORS as error:
            self._lose(error)
            return
        if self._losing:
            logger.warning(
                "room %s: frames go out again", self.room_id, extra={"match_id": self.room_id}
            )
            self._losing = False

    def _lose(self, error: Exception) -> None:
        """A message the layer could not take."""
        self.lost += 1
        metrics.FRAMES_LOST.inc()
        if not self._losing:
            logger.warning(
                "room %s: frames are being lost: %r",
                self.room_id,
                error,
                extra={"match_id": self.room_id},
            )
        self._losing = True
