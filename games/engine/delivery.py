"""Where a room's messages go on the channel layer, and handing them over.

A room's sockets, on any process, are in its group; spectators are in a second group
too, and every socket of one user in a third. One `group_send` carries a frame to
everyone, one `send` a frame meant for one socket. What the layer cannot take is lost
and counted, never the room: the players resync on the gap it leaves.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import redis
from channels.exceptions import ChannelFull

from game_server import metrics
from games.engine.frames import SPECTATORS, Frame

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


def frame_message(text: str) -> dict[str, str]:
    """A serialized frame as a layer message to the sockets (PlayerConsumer.room_frame)."""
    return {"type": "room.frame", "text": text}


class Outbox:
    """One room's way out to its sockets."""

    def __init__(self, layer: Any, room_id: str, game: str) -> None:
        self.layer = layer
        self.room_id = room_id
        self.group = group_name(room_id)
        self.spectators_group = spectators_group_name(room_id)
        # Frames the layer could not take.
        self.lost = 0
        self._losing = False
        # Bound once here: the tick path counts without looking labels up.
        self._frames = metrics.FRAMES_SENT.labels(game)
        self._bytes = metrics.FRAME_BYTES_SENT.labels(game)

    async def frames(self, frames: list[Frame], channels: dict[str, str]) -> None:
        """Sends each frame to whom it is for; a player's through their socket in
        `channels`, if connected."""
        layer = self.layer
        self._frames.inc(len(frames))
        for target, text in frames:
            # A str's isascii() is a flag read: its length is then its size in UTF-8.
            self._bytes.inc(len(text) if text.isascii() else len(text.encode()))
            if target is None:
                await self._hand_over(layer.group_send, self.group, frame_message(text))
            elif target == SPECTATORS:
                await self._hand_over(layer.group_send, self.spectators_group, frame_message(text))
            elif channel := channels.get(target):
                await self._hand_over(layer.send, channel, frame_message(text))

    async def to_socket(self, channel: str, message: dict[str, str]) -> None:
        await self._hand_over(self.layer.send, channel, message)

    async def to_everyone(self, message: dict[str, str]) -> None:
        await self._hand_over(self.layer.group_send, self.group, message)

    async def _hand_over(
        self,
        send: Callable[[str, dict[str, str]], Awaitable[None]],
        to: str,
        message: dict[str, str],
    ) -> None:
        try:
            await send(to, message)
        except LAYER_ERRORS as error:
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
            return
        if self._losing:
            logger.warning(
                "room %s: frames go out again", self.room_id, extra={"match_id": self.room_id}
            )
            self._losing = False
