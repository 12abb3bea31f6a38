"""What the owner of a room tells every process with a socket of it (Redis mode).

Each registry listens on a channel of its own, added to one group per room it has a
socket of. A room's owner sends that group each tick's frames while another process has
a socket of the room (delivery.py), and tells it when it let go of the room (the others
take it now rather than at their next round) and when its match ended (they stop
watching it). A notice that does not arrive is found out at the next round all the
same; frames that do not arrive leave a gap that the players resync on. Frames are
handed to the sockets as they are read, under a layer that can `listen`
(game_server/redis_layer.py); notices are handled in order after them (tasks.Inbox).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

from games.engine.delivery import LAYER_ERRORS, processes_group_name
from games.engine.lease import RENEW_SECONDS
from games.engine.tasks import Inbox, Message, cancel_and_wait, open_once

Heard = Callable[[str], Awaitable[None]]
# A tick's frames from the room's owner: the room, the owner, the frames.
Frames = Callable[[str, str, list[Any]], None]


class OwnerNotices:
    def __init__(self, layer: Any, *, frames: Frames, released: Heard, over: Heard) -> None:
        self.layer = layer
        self.channel = ""
        self._frames = frames
        self._heard: dict[str, Heard] = {"registry.released": released, "registry.over": over}
        self._inbox = Inbox(self._at_once, self._later, "rooms' owners")
        # Reading the channel, under a layer that cannot `listen`.
        self._listening: asyncio.Task[None] | None = None
        self._starting: dict[str, asyncio.Future[None]] = {}

    async def start(self) -> None:
        if not self.channel:
            await open_once(self._starting, "", self._start)

    async def _start(self) -> None:
        channel = await self.layer.new_channel("room-registry.")
        if (listen := getattr(self.layer, "listen", None)) is not None:
            await listen(channel, self._inbox.take)
        else:
            self._listening = asyncio.get_running_loop().create_task(
                self._listen(channel), name="rooms' owners"
            )
        self.channel = channel

    async def follow(self, room_id: str) -> None:
        """Hears what the room's owner tells from now on."""
        await self.layer.group_add(processes_group_name(room_id), self.channel)

    async def unfollow(self, room_id: str) -> None:
        with contextlib.suppress(*LAYER_ERRORS):
            await self.layer.group_discard(processes_group_name(room_id), self.channel)

    async def tell(self, room_id: str, what: str) -> None:
        """As the room's owner: "released" or "over"."""
        with contextlib.suppress(*LAYER_ERRORS):
            message = {"type": f"registry.{what}", "room": room_id}
            await self.layer.group_send(processes_group_name(room_id), message)

    async def _listen(self, channel: str) -> None:
        while True:
            try:
                message = await self.layer.receive(channel)
            except LAYER_ERRORS:
                await asyncio.sleep(RENEW_SECONDS)
                continue
            self._inbox.take(message)

    def _at_once(self, message: Message) -> bool:
        kind = message["type"]
        if kind == "registry.frames":
            self._frames(message["room"], message["process"], message["frames"])
            return True
        return kind not in self._heard

    async def _later(self, message: Message) -> None:
        await self._heard[message["type"]](message["room"])

    async def close(self) -> None:
        if self._listening is not None:
            await cancel_and_wait(self._listening)
        elif self.channel:
            self.layer.unlisten(self.channel)
        await self._inbox.close()
