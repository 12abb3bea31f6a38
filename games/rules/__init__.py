"""The game catalogue: the games the `GAMES` setting names, by slug.

`settings.GAMES` lists the dotted paths of rules modules, each with a `GAME = GameDef(...)`
(docs/writing-a-game.md). The catalogue imports them on first use, in that order (the
games app does so at start-up, so that a bad entry stops the server with a message that
names it), and again after a test overrides the setting. `CATALOGUE` maps slugs to games;
`GAMES` is the same games in the setting's order, the first being the lobby's default.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping, Sequence
from importlib import import_module
from typing import Any, overload

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed

from games.rules.base import GameDef

# A slug names the game in URLs, match records and the browser's js/games/<slug>.js; 40
# characters fit the `game` columns of lobbies and matches.
SLUG = re.compile(r"[a-z][a-z0-9_]{0,39}")
SLUG_RULE = "lowercase letters, digits and underscores, starting with a letter, at most 40"
FUNCTIONS = ("tick_rate", "setup", "apply_input", "tick", "player_left", "result", "view")


def read_games(paths: object) -> tuple[list[GameDef], list[str]]:
    """The games of these rules modules in order, and what is wrong with the others."""
    if not isinstance(paths, list | tuple) or not paths:
        return [], ["GAMES must be a non-empty list of rules modules' dotted paths"]
    games: list[GameDef] = []
    problems: list[str] = []
    defined_by: dict[str, str] = {}
    for path in paths:
        game, problem = _read_game(path)
        if game is None:
            problems.append(problem)
        elif game.slug in defined_by:
            problems.append(f"{defined_by[game.slug]} and {path} both define {game.slug!r}")
        else:
            defined_by[game.slug] = path
            games.append(game)
    return games, problems


def _read_game(path: object) -> tuple[GameDef | None, str]:
    if not isinstance(path, str):
        return None, f"{path!r} is not a dotted path"
    try:
        module = import_module(path)
    except ImportError as error:
        return None, f"{path} cannot be imported: {error}"
    game = getattr(module, "GAME", None)
    if not isinstance(game, GameDef):
        return None, f"{path} has no GAME = GameDef(...)"
    if not SLUG.fullmatch(game.slug):
        return None, f"{path}: the slug {game.slug!r} is not {SLUG_RULE} characters"
    if not 1 <= game.min_players <= game.max_players:
        return None, f"{path}: {game.slug} needs 1 <= min_players <= max_players"
    missing = [name for name in FUNCTIONS if not callable(getattr(game, name))]
    if missing:
        return None, f"{path}: {game.slug} has no function for {', '.join(missing)}"
    if game.bot is not None and not callable(game.bot):
        return None, f"{path}: {game.slug}'s bot is not a function"
    if not game.bot_levels or not all(
        isinstance(level, str) and level for level in game.bot_levels
    ):
        return None, f"{path}: {game.slug} needs bot_levels, a non-empty tuple of names"
    return game, ""


@functools.cache
def _games_by_slug() -> dict[str, GameDef]:
    games, problems = read_games(settings.GAMES)
    if problems:
        raise ImproperlyConfigured(f"Unexpected value GAMES: {'; '.join(problems)}")
    return {game.slug: game for game in games}


def _forget_games(*, setting: str, **kwargs: Any) -> None:
    if setting == "GAMES":
        _games_by_slug.cache_clear()


setting_changed.connect(_forget_games)


class Catalogue(Mapping[str, GameDef]):
    """Every game by slug, read from the setting on first use."""

    def __getitem__(self, slug: str) -> GameDef:
        return _games_by_slug()[slug]

    def __iter__(self) -> Iterator[str]:
        return iter(_games_by_slug())

    def __len__(self) -> int:
        return len(_games_by_slug())


class GameList(Sequence[GameDef]):
    """Every game, in the setting's order."""

    @overload
    def __getitem__(self, index: int) -> GameDef: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[GameDef]: ...

    def __getitem__(self, index: int | slice) -> GameDef | Sequence[GameDef]:
        return list(_games_by_slug().values())[index]

    def __iter__(self) -> Iterator[GameDef]:
        return iter(_games_by_slug().values())

    def __len__(self) -> int:
        return len(_games_by_slug())


CATALOGUE: Mapping[str, GameDef] = Catalogue()
GAMES: Sequence[GameDef] = GameList()
