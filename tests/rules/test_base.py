"""What every game promises the engine and the lobby: metadata, settings, purity."""

from __future__ import annotations

import ast
import inspect
import sys
from typing import Any

import pytest

from games.rules import GAMES, arena, battleship, connect_four
from games.rules.base import GameDef, SettingsError

ARENA = arena.GAME
CONNECT_FOUR = connect_four.GAME

# Imports that would tie a game to a framework, the event loop, the clock or the OS.
FORBIDDEN_IMPORTS = {"django", "channels", "asyncio", "time", "random", "datetime", "os"}


@pytest.mark.parametrize(
    ("game", "name", "realtime", "players"),
    [
        (ARENA, "Arena", True, (2, 8)),
        (CONNECT_FOUR, "Connect Four", False, (2, 2)),
        (battleship.GAME, "Battleship", False, (2, 2)),
    ],
)
def test_games_declare_their_metadata(
    game: GameDef, name: str, realtime: bool, players: tuple[int, int]
) -> None:
    assert game.name == name
    assert game.realtime is realtime
    assert (game.min_players, game.max_players) == players
    assert game.description


@pytest.mark.parametrize("game", GAMES, ids=lambda game: game.slug)
def test_games_import_nothing_from_frameworks_the_clock_or_randomness(game: GameDef) -> None:
    module = sys.modules[game.setup.__module__]
    tree = ast.parse(inspect.getsource(module))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])

    assert imported
    assert not imported & FORBIDDEN_IMPORTS


@pytest.mark.parametrize(
    ("game", "defaults"),
    [
        (ARENA, {"tick_rate": 20, "duration": 90, "dash": True, "pellets": 30}),
        (CONNECT_FOUR, {"move_seconds": 0, "on_timeout": "skip"}),
    ],
)
@pytest.mark.parametrize("raw", [None, {}])
def test_clean_settings_fills_in_the_defaults(
    game: GameDef, defaults: dict[str, Any], raw: dict[str, Any] | None
) -> None:
    assert game.clean_settings(raw) == defaults


@pytest.mark.parametrize(
    ("game", "name", "value"),
    [
        (ARENA, "tick_rate", 10),
        (ARENA, "tick_rate", 60),
        (ARENA, "duration", 15),
        (ARENA, "duration", 600),
        (ARENA, "pellets", 5),
        (ARENA, "pellets", 100),
        (ARENA, "dash", False),
        (CONNECT_FOUR, "move_seconds", 0),
        (CONNECT_FOUR, "move_seconds", 300),
        (CONNECT_FOUR, "on_timeout", "forfeit"),
    ],
)
def test_clean_settings_accepts_values_at_the_bounds(game: GameDef, name: str, value: Any) -> None:
    assert game.clean_settings({name: value})[name] == value


@pytest.mark.parametrize(
    ("game", "name", "value"),
    [
        (ARENA, "tick_rate", 9),
        (ARENA, "tick_rate", 61),
        (ARENA, "duration", 14),
        (ARENA, "duration", 601),
        (ARENA, "pellets", 4),
        (ARENA, "pellets", 101),
        (CONNECT_FOUR, "move_seconds", -1),
        (CONNECT_FOUR, "move_seconds", 301),
    ],
)
def test_clean_settings_rejects_values_out_of_bounds(game: GameDef, name: str, value: Any) -> None:
    with pytest.raises(SettingsError) as caught:
        game.clean_settings({name: value})

    assert caught.value.field == name


@pytest.mark.parametrize(
    ("game", "name", "value"),
    [
        (ARENA, "tick_rate", "20"),
        (ARENA, "tick_rate", 20.0),
        (ARENA, "duration", True),
        (ARENA, "pellets", None),
        (ARENA, "dash", 1),
        (ARENA, "dash", "true"),
        (CONNECT_FOUR, "move_seconds", "30"),
        (CONNECT_FOUR, "on_timeout", "lose"),
        (CONNECT_FOUR, "on_timeout", 1),
    ],
)
def test_clean_settings_rejects_values_of_the_wrong_type(
    game: GameDef, name: str, value: Any
) -> None:
    with pytest.raises(SettingsError) as caught:
        game.clean_settings({name: value})

    assert caught.value.field == name


@pytest.mark.parametrize("game", GAMES, ids=lambda game: game.slug)
def test_clean_settings_rejects_unknown_names(game: GameDef) -> None:
    with pytest.raises(SettingsError) as caught:
        game.clean_settings({"gravity": 3})

    assert caught.value.field == "gravity"


@pytest.mark.parametrize("rate", [10, 35, 60])
def test_arena_ticks_at_the_configured_rate(rate: int) -> None:
    assert ARENA.tick_rate(ARENA.clean_settings({"tick_rate": rate})) == rate


def test_connect_four_ticks_ten_times_a_second_for_its_timer() -> None:
    assert CONNECT_FOUR.tick_rate(CONNECT_FOUR.clean_settings({"move_seconds": 30})) == 10


@pytest.mark.parametrize("game", GAMES, ids=lambda game: game.slug)
def test_the_schema_lists_every_setting_in_order(game: GameDef) -> None:
    assert [entry["name"] for entry in game.schema()] == [s.name for s in game.settings]
