"""Production checks for `manage.py check --deploy`: the shape of a deployment that
Django's own checks cannot see. docs/deploy.md lists them."""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core import checks


@checks.register(deploy=True)
def production_services(
    app_configs: list[AppConfig] | None, **kwargs: Any
) -> list[checks.CheckMessage]:
    if settings.DEBUG:
        return []
    warnings: list[checks.CheckMessage] = []
    if not settings.REDIS_URL:
        warnings.append(
            checks.Warning(
                "DEBUG=False without REDIS_URL: the channel layer and the rooms live in this "
                "one process, so run exactly one server process.",
                hint="Set REDIS_URL=redis://host:6379/0 to run several processes.",
                id="game_server.W001",
            )
        )
    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        warnings.append(
            checks.Warning(
                "DEBUG=False on SQLite: one machine's file, with one writer at a time.",
                hint="Set DATABASE_URL=postgres://user:password@host:5432/name.",
                id="game_server.W002",
            )
        )
    if not settings.EMAIL_HOST:
        warnings.append(
            checks.Warning(
                "DEBUG=False without EMAIL_HOST: emails go to the log, and with them the "
                "password reset links that anyone reading the log could use.",
                hint="Set EMAIL_HOST and the other EMAIL_ variables (docs/deploy.md, Email).",
                id="game_server.W003",
            )
        )
    return warnings
