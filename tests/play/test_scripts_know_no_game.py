"""The play page's own scripts, net.js and play.js, know no game: a game's renderer, its
error words and its end reasons are in its module, static/js/games/<slug>.js, which
registers them (static/js/game-registry.js)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.servers import ROOT

SCRIPTS = ROOT / "static" / "js"
GAME_MODULES = sorted((SCRIPTS / "games").glob("*.js"))


def registered(module: Path) -> tuple[str, set[str]]:
    """The slug a game's module registers, and the codes and reasons it has words for."""
    text = module.read_text()
    (slug,) = re.findall(r'registerGame\("(\w+)"', text)
    words = set()
    for table in ("errors", "endReasons"):
        found = re.search(rf"\n  {table}: \{{\n(.*?)\n  \}},", text, flags=re.DOTALL)
        assert found, f"{module.name} registers no {table}"
        words |= set(re.findall(r"^ {4}(\w+):", found.group(1), flags=re.MULTILINE))
    return slug, words


def test_there_is_a_module_for_each_built_in_game() -> None:
    assert [module.name for module in GAME_MODULES] == [
        "arena.js",
        "battleship.js",
        "connect_four.js",
    ]


@pytest.mark.parametrize("module", GAME_MODULES, ids=lambda module: module.stem)
def test_a_game_module_registers_the_game_it_is_named_for(module: Path) -> None:
    slug, words = registered(module)
    assert slug == module.stem
    assert len(words) >= 6


@pytest.mark.parametrize("script", ["net.js", "play.js"])
@pytest.mark.parametrize("module", GAME_MODULES, ids=lambda module: module.stem)
def test_the_play_scripts_name_nothing_a_game_registers(module: Path, script: str) -> None:
    slug, words = registered(module)
    text = (SCRIPTS / script).read_text().lower()
    named = {slug, slug.replace("_", " "), *words}
    found = sorted(word for word in named if re.search(rf"\b{re.escape(word)}\b", text))
    assert found == [], f"{script} names {found}, which {module.name} registers"
