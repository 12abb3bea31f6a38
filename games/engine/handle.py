"""The engine's two seams, declared: what a socket may ask of its room (`RoomHandle`), and
what the rest of the site may ask of the rooms of this process (`Registry`).

`registry()` (registry.py) gives this event loop's registry: `LocalRegistry`
(local_registry.py), whose handles are the rooms' runners (runner.py), or with Redis
`RedisRegistry` (redis_registry.py), whose handles are links (link.py) to rooms run by
this process or another.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from games.engine.clock import Schedule
from games.engine.saves import SavedRoom
from games.engine.sockets import RoomSockets
from games.rules.base import Input


class RoomHandle(Protocol):
    """A room as a player's or spectator's socket sees it (games/consumers.py).

    A socket adds itself to `sockets` before it joins or watches, and takes itself out
    before it leaves: the room's frames are written to it there.
    """

    sockets: RoomSockets

    @property
    def tick(self) -> int:
        """The room's tick now, or near enough (for pongs and error frames)."""
        ...

    async def submit(self, player: str, seq: int, data: Input) -> None:
        """A seated player's input, for the room's next tick."""

    @property
    def submits_now(self) -> bool:
        """Whether `submit_now` takes inputs: while the room runs on this process, or
        under a channel layer that can post to it where it runs."""
        ...

    def submit_now(
        self, player: str, seq: int, data: Input, on_error: Callable[[Exception], None]
    ) -> None:
        """A seated player's input with nothing awaited (the play socket's direct way
        in), while `submits_now`: queued in the room if it runs here, else posted to it
        (game_server/redis_layer.py), `on_error` hearing if the post fails."""

    async def join(self, player: str, channel: str) -> None:
        """A player's socket connected: it replaces any earlier one and gets a snapshot."""

    async def leave(self, player: str, channel: str) -> None:
        """A player's socket closed; the room ignores a socket that a newer one replaced."""

    async def resync(self, player: str, channel: str) -> None:
        """A player's socket asks for a snapshot."""

    async def watch(self, viewer: str, name: str, channel: str) -> None:
        """A spectator's socket connected or asks again for a snapshot."""

    async def unwatch(self, viewer: str, channel: str) -> None:
        """A spectator's socket closed."""


class Registry(Protocol):
    """The rooms of this process's sockets, as the consumers and the admin see them."""

    # This server process, as the live rooms name it.
    process: str
    # Whether the rooms are shared with every process on one Redis (`live_rooms` then
    # lists them all).
    shared: bool

    async def open(self, room_id: str) -> RoomHandle | None:
        """The room's handle, its room started from its match if need be; None if the
        match is over."""

    async def live_rooms(self) -> list[LiveRoom]:
        """The running rooms."""

    async def detail(self, room_id: str) -> RoomDetail | None:
        """One running room in detail; None if no process runs it."""

    async def end(self, room_id: str) -> bool:
        """Ends a running room cleanly (the admin's action); False if none runs it."""

    async def remove(self, room_id: str, user: str) -> None:
        """Takes a user the lobby's host kicked out of a running room."""

    async def close(self) -> None:
        """Stops every room run here (letting other processes take them, with Redis)."""


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

    @classmethod
    def from_saved(cls, saved: SavedRoom, process: str) -> LiveRoom:
        """A room run by another process, as it last saved it."""
        seats = saved["seats"].values()
        return cls(
            room_id=saved["match"],
            tick=saved["tick"],
            connected=sum(1 for connected, _, _ in seats if connected),
            seats=len(seats),
            process=process,
            skipped=None,
        )


@dataclass(frozen=True)
class RoomDetail:
    """One running room as the admin's live room page shows it: as its runner has it now,
    or, run by another process, as that process last saved it."""

    process: str
    saved: SavedRoom
    # Known to the runner only: None for a room run by another process.
    schedule: Schedule | None = None
    tick_seconds_max: float = 0.0
    spectators: list[str] | None = None

    @property
    def here(self) -> bool:
        return self.schedule is not None
