"""`manage.py startgame NAME` writes a whole game from the template: rules, browser module
and tests, beside the built-in games in a checkout or in a folder of its own for a site.
tests/browser/test_startgame_journey.py plays one in the browser."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from games.checks import games_setting
from games.rules import CATALOGUE
from games.testing import GameHarness
from tests.servers import ROOT, checkout_with_a_new_game

BUILT_IN = ["games.rules.arena", "games.rules.connect_four", "games.rules.battleship"]


def start_game(*args: str, **options: Any) -> str:
    out = StringIO()
    call_command("startgame", *args, stdout=out, **options)
    return out.getvalue()


def run(*command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    # PYTHONPATH: this checkout's packages, whatever the virtual environment links to.
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, *command],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_in_a_checkout_it_writes_the_game_beside_the_built_in_ones(
    settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GAMES", raising=False)
    settings.BASE_DIR = tmp_path
    said = start_game("tic_tac_toe")
    rules = tmp_path / "games" / "rules" / "tic_tac_toe.py"
    renderer = tmp_path / "static" / "js" / "games" / "tic_tac_toe.js"
    test = tmp_path / "tests" / "rules" / "test_tic_tac_toe.py"
    assert 'slug="tic_tac_toe"' in rules.read_text()
    assert 'name="Tic Tac Toe"' in rules.read_text()
    assert 'registerGame("tic_tac_toe", {' in renderer.read_text()
    assert "from games.rules.tic_tac_toe import GAME\n" in test.read_text()
    assert "The server offers it from its next start" in said
    # As clean as the code beside it (where `games` is the project's own package).
    config = ["--config", str(ROOT / "pyproject.toml")]
    config += ["--config", "lint.isort.known-first-party = ['games']"]
    for check in (["check"], ["format", "--check"]):
        linted = run("-m", "ruff", *check, "--no-cache", *config, ".", cwd=tmp_path)
        assert linted.returncode == 0, linted.stdout + linted.stderr


def test_in_a_checkout_the_tests_it_writes_pass_beside_the_built_in_games_tests(
    tmp_path: Path,
) -> None:
    checkout = checkout_with_a_new_game(tmp_path, "tic_tac_toe")
    # The checkout's own test set-up (pyproject.toml, tests/environment.py) and packages.
    test = "tests/rules/test_tic_tac_toe.py"
    tested = run("-m", "pytest", "-q", "-p", "no:cacheprovider", test, cwd=checkout)
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "6 passed" in tested.stdout


def test_its_rules_import_only_the_game_contract(settings: Any, tmp_path: Path) -> None:
    start_game("tic_tac_toe", directory=tmp_path)
    tree = ast.parse((tmp_path / "tic_tac_toe.py").read_text())
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported == {"__future__", "games.rules.base"}
    assert not [node for node in ast.walk(tree) if isinstance(node, ast.Import)]


def test_a_site_adds_the_game_it_writes_in_a_folder_with_one_setting(
    settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A name of its own: the module stays imported after the test.
    said = start_game("noughts_and_crosses", directory=tmp_path)
    assert f"GAMES={','.join(settings.GAMES)},noughts_and_crosses PYTHONPATH={tmp_path}" in said
    assert (tmp_path / "static" / "js" / "games" / "noughts_and_crosses.js").is_file()

    monkeypatch.syspath_prepend(tmp_path)
    settings.GAMES = [*BUILT_IN, "noughts_and_crosses"]
    assert games_setting(None) == []
    assert CATALOGUE["noughts_and_crosses"].name == "Noughts And Crosses"
    game = GameHarness("noughts_and_crosses", players=["alice", "bob"])
    for cell in (4, 0, 2, 6, 3, 5, 1, 7, 8):
        game.input(game.state["turn"], {"cell": cell})
        game.tick()
    assert game.result is not None
    assert (game.result.placements, game.result.reason) == ({"alice": 1, "bob": 1}, "draw")


def test_the_tests_it_writes_pass(tmp_path: Path) -> None:
    start_game("tic_tac_toe", directory=tmp_path)
    tested = run(
        "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_tic_tac_toe.py", cwd=tmp_path
    )
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "6 passed" in tested.stdout
    # Clean under a linter's defaults too, for a site with no configuration of its own.
    for check in (["check"], ["format", "--check"]):
        linted = run("-m", "ruff", *check, "--no-cache", "--isolated", ".", cwd=tmp_path)
        assert linted.returncode == 0, linted.stdout + linted.stderr


def test_outside_a_checkout_it_writes_in_the_current_directory(
    settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.FROM_CHECKOUT = False
    monkeypatch.chdir(tmp_path)
    said = start_game("tic_tac_toe")
    assert said.splitlines()[1:4] == [
        "  tic_tac_toe.py  the rules",
        "  static/js/games/tic_tac_toe.js  its browser module",
        "  test_tic_tac_toe.py  its tests",
    ]


@pytest.mark.parametrize(
    ("name", "refusal"),
    [
        ("Tic Tac Toe", "NAME is the game's slug: lowercase letters, digits and underscores"),
        ("class", "NAME is the game's slug"),
        ("connect_four", "There is a game 'connect_four' already: choose another name."),
        ("json", "A module named json exists already: choose another name."),
    ],
)
def test_it_refuses_a_name_that_is_not_a_new_slug(tmp_path: Path, name: str, refusal: str) -> None:
    with pytest.raises(CommandError, match=refusal):
        start_game(name, directory=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_it_overwrites_nothing(tmp_path: Path) -> None:
    (tmp_path / "test_tic_tac_toe.py").write_text("mine\n")
    with pytest.raises(CommandError, match=r"test_tic_tac_toe\.py exists already"):
        start_game("tic_tac_toe", directory=tmp_path)
    assert [path.name for path in tmp_path.iterdir()] == ["test_tic_tac_toe.py"]
    assert (tmp_path / "test_tic_tac_toe.py").read_text() == "mine\n"
