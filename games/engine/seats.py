"""A room's seats: one per player, in seat order, and each dropped player's seat window.

A player whose socket drops keeps their seat for the window (SEAT_WINDOW_SECONDS, in
ticks); when it ends the game is told that they left, and the seat stays theirs, gone.
A player the lobby's host removed is treated the same way from the next tick. A bot's
seat (bots.py) has no socket and no window: it counts as connected for the whole match.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass
class Seat:
    player: str
    name: str
    number: int
    connected: bool = False
    # The tick after which a dropped player is treated as gone; 0 while connected.
    leaves_at_tick: int = 0
    gone: bool = False
    bot: bool = False


class Seats(dict[str, Seat]):
    """Each player's seat, by their id, in seat order."""

    def __init__(
        self,
        players: Sequence[tuple[str, str]],
        *,
        window_ticks: int,
        bots: Collection[str] = (),
    ) -> None:
        super().__init__(
            (player, Seat(player, name, number, connected=player in bots, bot=player in bots))
            for number, (player, name) in enumerate(players)
        )
        self.window_ticks = window_ticks

    def connected(self, player: str) -> None:
        seat = self[player]
        if not seat.gone:
            seat.connected, seat.leaves_at_tick = True, 0

    def disconnected(self, player: str, tick: int) -> None:
        """Keeps the seat for the window from `tick` on."""
        self._leaves(player, tick + self.window_ticks)

    def removed(self, player: str, tick: int) -> None:
        """The window ends now: the tick after `tick` treats the player as gone."""
        self._leaves(player, tick + 1)

    def _leaves(self, player: str, at_tick: int) -> None:
        seat = self[player]
        seat.connected = False
        if not seat.gone:
            seat.leaves_at_tick = at_tick

    def expired(self, tick: int) -> list[str]:
        """The players whose window ended by `tick`, in seat order: gone from now on."""
        ending = [
            seat
            for seat in self.values()
            if seat.leaves_at_tick and not seat.gone and tick >= seat.leaves_at_tick
        ]
        for seat in ending:
            seat.gone = True
        return [seat.player for seat in ending]

    def presence(self) -> dict[str, dict[str, Any]]:
        """Who sits where and who is connected, as frames show it."""
        return {
            seat.player: {
                "name": seat.name,
                "seat": seat.number,
                "connected": seat.connected,
                "gone": seat.gone,
                "bot": seat.bot,
            }
            for seat in self.values()
        }
