from django.apps import AppConfig

# Imported for its checks of the GAMES setting (manage.py check).
from games import checks  # noqa: F401
from games.rules import CATALOGUE


class GamesConfig(AppConfig):
    name = "games"
    verbose_name = "Games and matches"

    def ready(self) -> None:
        # Reads the catalogue now: a bad GAMES entry stops the server at start-up, with a
        # message that names it, rather than failing the first page that lists games.
        len(CATALOGUE)
