"""A socket's view of a room in Redis mode, wherever the room runs.

Each call is one engine-channel message (engine_channel.py): while this process runs
the room, the link hands it to the runner at once, through the channel's own table;
otherwise it sends it to the room's engine channel, where the process that runs it
reads. The registry (redis_registry.py) tells the link which, and learns from it when
this process has no socket of the room any more. The link holds the room's sockets on
this process (sockets.py): the runner writes to them while the room runs here, and the
registry hands them the frames that the room's owner sends otherwise.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from games.engine.engine_channel import HANDLERS, engine_channel
from games.engine.runner import RoomRunner
from games.engine.sockets import RoomSockets
from games.rules.base import Input


class RoomLink:
    """The `RoomHandle` of a room in Redis mode."""

    def __init__(
        self,
        room_id: str,
        *,
        layer: Any,
        tick_rate: int,
        on_unused: Callable[[RoomLink], Awaitable[None]],
    ) -> None:
        self.room_id = room_id
        self.layer = layer
        self.engine_channel = engine_channel(room_id)
        # The room's runner while this process runs it.
        self.runner: RoomRunner | None = None
        self.sockets = RoomSockets()
        self._on_unused = on_unused
        self._tick_rate = tick_rate
        self._tick_at = (0, time.monotonic())
        # The layer's `post`, if it has one (game_server/redis_layer.py).
        self._post: Callable[[str, dict[str, Any], Callable[[Exception], None]], None] | None = (
            getattr(layer, "post", None)
        )

    @property
    def unused(self) -> bool:
        """Whether this process has no socket of the room and does not run it."""
        return not self.sockets and self.runner is None

    def saw_tick(self, tick: int) -> None:
        """The room's tick as last saved by the process that runs it."""
        self._tick_at = (tick, time.monotonic())

    @property
    def tick(self) -> int:
        if self.runner is not None:
            return self.runner.tick
        # Not run here: an estimate from the last save read.
        tick, at = self._tick_at
        return tick + int((time.monotonic() - at) * self._tick_rate)

    async def submit(self, player: str, seq: int, data: Input) -> None:
        await self._to_room("input", player=player, seq=seq, data=data)

    @property
    def submits_now(self) -> bool:
        return self.runner is not None or self._post is not None

    def submit_now(
        self, player: str, seq: int, data: Input, on_error: Callable[[Exception], None]
    ) -> None:
        if (runner := self.runner) is not None:
            runner.room.submit(player, seq, data)
            return
        assert self._post is not None
        message = {"type": "engine.input", "player": player, "seq": seq, "data": data}
        self._post(self.engine_channel, message, on_error)

    async def join(self, player: str, channel: str) -> None:
        await self._to_room("join", player=player, channel=channel)

    async def leave(self, player: str, channel: str) -> None:
        await self._to_room("leave", player=player, channel=channel)
        if self.unused:
            await self._on_unused(self)

    async def resync(self, player: str, channel: str) -> None:
        await self._to_room("resync", player=player, channel=channel)

    async def watch(self, viewer: str, name: str, channel: str) -> None:
        """A spectator's socket here: its snapshot comes from wherever the room runs, which
        counts the room's spectators."""
        await self._to_room("watch", viewer=viewer, name=name, channel=channel)

    async def unwatch(self, viewer: str, channel: str) -> None:
        await self._to_room("unwatch", viewer=viewer, channel=channel)
        if self.unused:
            await self._on_unused(self)

    async def _to_room(self, kind: str, **fields: Any) -> None:
        """One message, read by the engine channel's table (`HANDLERS`): handed to the
        runner at once if the room runs here, else sent to its engine channel."""
        message = {"type": f"engine.{kind}", **fields}
        if (runner := self.runner) is not None:
            await HANDLERS[message["type"]](runner, message)
        else:
            await self.layer.send(self.engine_channel, message)
