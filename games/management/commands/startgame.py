"""`manage.py startgame NAME`: a new game, playable at once, from the template in
games/game_template/: its rules module, its browser module and its tests.

In a checkout it writes beside the built-in games (games/rules/, static/js/games/,
tests/rules/); GAMES lists every module in games/rules/ unless it is set, so the server's
next start offers the game. With `--directory DIR` (outside a checkout, the current
directory) it writes a game of its own for a site to add: DIR/NAME.py, its browser module
in DIR/static/js/games/ and DIR/test_NAME.py; the site adds the module to GAMES.
docs/writing-a-game.md, Adding a game.
"""

from __future__ import annotations

import importlib.util
import keyword
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.template import Context, Engine

from games.renderers import renderer_path
from games.rules import CATALOGUE, SLUG, SLUG_RULE

TEMPLATES = Path(__file__).resolve().parents[2] / "game_template"


@dataclass(frozen=True)
class Layout:
    """Where a new game's files go (in `root`), and the dotted path of its rules module."""

    root: Path
    module: str
    rules: Path
    renderer: Path
    test: Path
    beside_built_ins: bool

    @classmethod
    def in_checkout(cls, root: Path, slug: str) -> Layout:
        return cls(
            root=root,
            module=f"games.rules.{slug}",
            rules=root / "games" / "rules" / f"{slug}.py",
            renderer=root / "static" / renderer_path(slug),
            test=root / "tests" / "rules" / f"test_{slug}.py",
            beside_built_ins=True,
        )

    @classmethod
    def in_directory(cls, folder: Path, slug: str) -> Layout:
        return cls(
            root=folder,
            module=slug,
            rules=folder / f"{slug}.py",
            # Beside the rules module, where games/renderers.py finds it.
            renderer=folder / "static" / renderer_path(slug),
            test=folder / f"test_{slug}.py",
            beside_built_ins=False,
        )

    def files(self) -> dict[str, Path]:
        """Each file by the template it is written from."""
        return {
            "rules.py-tpl": self.rules,
            "renderer.js-tpl": self.renderer,
            "test_rules.py-tpl": self.test,
        }


class Command(BaseCommand):
    help = "Write a new game from a template: its rules, its browser module and its tests."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "name", help=f"the game's slug: {SLUG_RULE} characters, such as tic_tac_toe"
        )
        parser.add_argument(
            "--directory",
            type=Path,
            help="write a game of its own in this folder rather than beside the built-in "
            "games (the default outside a checkout: the current directory)",
        )

    def handle(self, *args: Any, name: str, directory: Path | None, **options: Any) -> None:
        _check_name(name)
        if directory is None and not getattr(settings, "FROM_CHECKOUT", False):
            directory = Path.cwd()
        if directory is None:
            layout = Layout.in_checkout(Path(settings.BASE_DIR), name)
        else:
            layout = Layout.in_directory(directory.resolve(), name)
        for path in layout.files().values():
            if path.exists():
                raise CommandError(f"{_shown(path)} exists already: choose another name.")
        if not layout.beside_built_ins and importlib.util.find_spec(name) is not None:
            raise CommandError(f"A module named {name} exists already: choose another name.")
        title = name.replace("_", " ").title()
        context = Context(
            {
                "slug": name,
                "name": title,
                "module": layout.module,
                "rules_file": layout.rules.relative_to(layout.root),
                "renderer_file": layout.renderer.relative_to(layout.root),
                "test_file": layout.test.relative_to(layout.root),
                "beside_built_ins": layout.beside_built_ins,
            },
            autoescape=False,
        )
        engine = Engine()
        for template, path in layout.files().items():
            path.parent.mkdir(parents=True, exist_ok=True)
            text = (TEMPLATES / template).read_text()
            path.write_text(engine.from_string(text).render(context))
        self.stdout.write(_written(layout, title))


def _check_name(name: str) -> None:
    if not SLUG.fullmatch(name) or keyword.iskeyword(name):
        raise CommandError(f"NAME is the game's slug: {SLUG_RULE} characters, not {name!r}.")
    if name in CATALOGUE:
        raise CommandError(f"There is a game {name!r} already: choose another name.")


def _shown(path: Path) -> str:
    """The path relative to the current directory when it is inside it."""
    return str(path.relative_to(Path.cwd())) if path.is_relative_to(Path.cwd()) else str(path)


def _written(layout: Layout, name: str) -> str:
    lines = [
        f"Wrote {name}:",
        f"  {_shown(layout.rules)}  the rules",
        f"  {_shown(layout.renderer)}  its browser module",
        f"  {_shown(layout.test)}  its tests",
    ]
    if not layout.beside_built_ins:
        games = ",".join([*settings.GAMES, layout.module])
        lines += [
            "To offer it, add its module to GAMES, with its folder on the Python path:",
            f"  GAMES={games} PYTHONPATH={layout.rules.parent}",
            f"Its tests: python -m pytest {_shown(layout.test)}",
        ]
    elif "GAMES" in os.environ:
        lines.append(f"GAMES is set in the environment: add {layout.module} to it.")
    else:
        lines += [
            "The server offers it from its next start (GAMES lists every module in games/rules/).",
            f"Its tests: python -m pytest {_shown(layout.test)}",
        ]
    return "\n".join(lines)
