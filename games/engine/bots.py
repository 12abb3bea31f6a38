"""A room's bots: seats played by the game's own `bot` function, with no socket.

A bot thinks at the end of a tick, on its own view of the state as the room just sent
it, and its input joins the room's queue with its own sequence number, so the next tick
applies and acks it like anyone's. It thinks on the first tick and then whenever its
view changed (in the arena when someone turns or a pellet is taken, once a move in a
turn-based game); a bot that answers None waits for the next change. Each bot draws
from a random source of its own, seeded from the match's seed and its seat, so a match
replays exactly, and the source travels in the room's save (saves.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from random import Random

from games.rules.base import GameDef


@dataclass
class BotSeat:
    level: str
    random: Random
    seq: int = 0
    # Thinks at the end of the next tick even if its view does not change.
    awake: bool = True


def bot_random(seed: int, seat: int) -> Random:
    """The random source of the bot in `seat`: the same for the same match seed and seat
    in every process (a string seed is hashed with SHA-512, not Python's salted hash)."""
    return Random(f"bot:{seed}:{seat}")


def seat_bots(
    game: GameDef, players: Sequence[str], levels: Mapping[str, str], seed: int
) -> dict[str, BotSeat]:
    """The room's bots by player id, from each bot player's level; a game without a bot
    or a level it does not name is a programming error."""
    if levels and game.bot is None:
        raise ValueError(f"{game.slug} has no bot")
    bots = {}
    for seat, player in enumerate(players):
        if player in levels:
            level = levels[player]
            if level not in game.bot_levels:
                raise ValueError(f"{game.slug} has no bot level {level!r}")
            bots[player] = BotSeat(level, bot_random(seed, seat))
    if len(bots) != len(levels):
        raise ValueError("every bot needs a seat")
    return bots
