"""What the owner of a room tells every process with a socket of it (Redis mode).

Each registry listens on a channel of its own, added to one group per room it has a
socket of. A room's owner tells that group when it let go of the room (the others take
it now rather than at their next round) and when its match ended (they stop watching
it). A notice that does not arrive is found out at the next round all the same.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

from games.engine.delivery import LAYER_ERRORS
from games.engine.lease import RENEW_SECONDS
from games.engine.tasks import cancel_and_wait

Heard = Callable[[str], Awaitable[None]]


def processes_group_name(room_id: str) -> str:
    return f"room-processes.{room_id.replace('-', '')}"


class OwnerNotices:
    def __init__(self, layer: Any, *, released: Heard, over: Heard) -> None:
        self.layer = layer
        self.channel = ""
        self._heard: dict[str, Heard] = {"registry.released": released, "registry.over": over}
        self._listening: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self._listening is None:
            self.channel = await self.layer.new_channel("room-registry.")
            self._listening = asyncio.get_running_loop().create_task(
                self._listen(), name="rooms' owners"
            )

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

    async def _listen(self) -> None:
        while True:
            try:
                message = await self.layer.receive(self.channel)
            except LAYER_ERRORS:
                await asyncio.sleep(RENEW_SECONDS)
                continue
            if (heard := self._heard.get(message["type"])) is not None:
                await heard(message["room"])

    async def close(self) -> None:
        if self._listening is not None:
            await cancel_and_wait(self._listening)
