"""The catalogue is the GAMES setting: its games in its order, a clear refusal of a bad
entry, and each game's renderer found, beside its rules module for a game a site adds."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.contrib.staticfiles import finders
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from games.checks import games_setting
from games.rules import CATALOGUE, GAMES, arena, battleship, connect_four
from tests.servers import ROOT

BUILT_IN = ["games.rules.arena", "games.rules.connect_four", "games.rules.battleship"]
EXAMPLE = "tests.harness.example_game"


def test_by_default_the_catalogue_offers_the_built_in_games() -> None:
    assert CATALOGUE == {
        "arena": arena.GAME,
        "connect_four": connect_four.GAME,
        "battleship": battleship.GAME,
    }
    assert [game.slug for game in GAMES] == ["arena", "connect_four", "battleship"]


def test_the_catalogue_offers_the_games_of_the_setting_in_its_order(settings: Any) -> None:
    settings.GAMES = [EXAMPLE, "games.rules.connect_four"]
    assert list(CATALOGUE) == ["rock_paper_scissors", "connect_four"]
    assert GAMES[0].name == "Rock Paper Scissors"
    assert CATALOGUE["connect_four"].name == "Connect Four"
    assert "arena" not in CATALOGUE


@pytest.mark.parametrize(
    ("games", "problem"),
    [
        (["games.rules.nowhere"], "games.rules.nowhere cannot be imported: No module named"),
        (["games.rules.base"], "games.rules.base has no GAME = GameDef(...)"),
        (
            [*BUILT_IN, "games.rules.arena"],
            "games.rules.arena and games.rules.arena both define 'arena'",
        ),
        ([], "GAMES must be a non-empty list of rules modules' dotted paths"),
        ("games.rules.arena", "GAMES must be a non-empty list of rules modules' dotted paths"),
    ],
    ids=["not_importable", "not_a_game", "duplicate_slug", "empty", "not_a_list"],
)
def test_a_bad_entry_is_refused_with_words_that_name_it(
    settings: Any, games: object, problem: str
) -> None:
    settings.GAMES = games
    with pytest.raises(ImproperlyConfigured) as refused:
        list(CATALOGUE)
    assert str(refused.value).startswith(f"Unexpected value GAMES: {problem}")
    (error,) = games_setting(None)
    assert (error.id, error.msg.startswith(f"GAMES: {problem}")) == ("games.E001", True)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ('slug="Rock Paper"', "the slug 'Rock Paper' is not lowercase letters, digits and"),
        ('slug="r" * 41', "is not lowercase letters, digits and underscores, starting"),
        ("min_players=3", "rock_paper_scissors needs 1 <= min_players <= max_players"),
        ("tick=None", "rock_paper_scissors has no function for tick"),
    ],
    ids=["slug_with_spaces", "slug_too_long", "players", "no_tick"],
)
def test_a_module_missing_what_a_game_needs_is_refused(
    settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str, problem: str
) -> None:
    name = f"broken_{abs(hash(change))}"
    (tmp_path / f"{name}.py").write_text(
        "import dataclasses\n"
        f"from {EXAMPLE} import GAME as EXAMPLE\n"
        f"GAME = dataclasses.replace(EXAMPLE, {change})\n"
    )
    monkeypatch.syspath_prepend(tmp_path)
    settings.GAMES = [*BUILT_IN, name]
    with pytest.raises(ImproperlyConfigured, match="Unexpected value GAMES: ") as refused:
        list(CATALOGUE)
    assert f"GAMES: {name}: " in str(refused.value)
    assert problem in str(refused.value)


def test_a_game_without_a_renderer_fails_the_check(settings: Any) -> None:
    settings.GAMES = [*BUILT_IN, EXAMPLE]
    (error,) = games_setting(None)
    assert error.id == "games.E002"
    assert (
        error.msg == "GAMES: rock_paper_scissors has no renderer, so the play page cannot show it."
    )


def test_a_game_a_site_adds_brings_its_renderer_beside_its_rules_module(
    settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "site_rock_paper_scissors.py").write_text(f"from {EXAMPLE} import GAME\n")
    renderer = tmp_path / "static" / "js" / "games" / "rock_paper_scissors.js"
    renderer.parent.mkdir(parents=True)
    renderer.write_text('// registerGame("rock_paper_scissors", ...)\n')
    monkeypatch.syspath_prepend(tmp_path)
    settings.GAMES = [*BUILT_IN, "site_rock_paper_scissors"]
    settings.STATIC_ROOT = tmp_path / "collected"

    assert games_setting(None) == []
    assert finders.find("js/games/rock_paper_scissors.js") == str(renderer)
    call_command("collectstatic", "--noinput", verbosity=0)
    collected = tmp_path / "collected" / "js" / "games" / "rock_paper_scissors.js"
    assert collected.read_bytes() == renderer.read_bytes()


def test_a_bad_games_setting_stops_the_server_at_start() -> None:
    started = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={**os.environ, "GAMES": "games.rules.arena,games.rules.nowhere"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert started.returncode != 0
    assert "ImproperlyConfigured: Unexpected value GAMES: games.rules.nowhere cannot be " in (
        started.stderr
    )


BOT_PROBLEMS = [
    ({"bot": "not a function"}, "games.rules.arena: arena's bot is not a function"),
    ({"bot_levels": ()}, "games.rules.arena: arena needs bot_levels, a non-empty tuple"),
]


@pytest.mark.parametrize(("change", "problem"), BOT_PROBLEMS, ids=["bot", "levels"])
def test_a_game_whose_bot_breaks_the_contract_is_refused(
    settings: Any, monkeypatch: pytest.MonkeyPatch, change: dict[str, Any], problem: str
) -> None:
    monkeypatch.setattr(arena, "GAME", dataclasses.replace(arena.GAME, **change))
    settings.GAMES = ["games.rules.arena"]
    with pytest.raises(ImproperlyConfigured, match=problem):
        list(CATALOGUE)
