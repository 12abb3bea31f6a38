from __future__ import annotations

from django.apps import AppConfig


class GameServerConfig(AppConfig):
    name = "game_server"
    verbose_name = "Game server"

    def ready(self) -> None:
        # Registers the production checks that `manage.py check --deploy` runs.
        from game_server import checks  # noqa: F401
