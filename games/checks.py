"""Checks of the GAMES setting for `manage.py check`: every entry a game, every game its
renderer. docs/writing-a-game.md says what a game needs."""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core import checks

from games.renderers import renderer_path
from games.rules import read_games


@checks.register()
def games_setting(app_configs: list[AppConfig] | None, **kwargs: Any) -> list[checks.CheckMessage]:
    games, problems = read_games(settings.GAMES)
    errors: list[checks.CheckMessage] = [
        checks.Error(f"GAMES: {problem}.", id="games.E001") for problem in problems
    ]
    for game in games:
        if finders.find(renderer_path(game.slug)) is None:
            errors.append(
                checks.Error(
                    f"GAMES: {game.slug} has no renderer, so the play page cannot show it.",
                    hint=f"Put it in static/{renderer_path(game.slug)} beside its rules "
                    "module (or in the static files of an installed app).",
                    id="games.E002",
                )
            )
    return errors
