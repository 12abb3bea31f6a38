"""The game catalogue: every playable game, by slug.

Adding a game is one module in this package and one line in `GAMES`.
"""

from __future__ import annotations

from games.rules import arena, connect_four
from games.rules.base import GameDef

GAMES: tuple[GameDef, ...] = (
    arena.GAME,
    connect_four.GAME,
)

CATALOGUE: dict[str, GameDef] = {game.slug: game for game in GAMES}
