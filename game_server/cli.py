"""The `game-server` command (also `python -m game_server`): the installed server.

game-server serve [daphne options]   daphne on 127.0.0.1:8000 unless the options say
                                     otherwise (`--bind`, `--port`, `--proxy-headers`, ...),
                                     with the play socket's direct way in and out
                                     (game_server/daphne_protocol.py)
game-server health [URL]             exit 0 if URL (default http://127.0.0.1:8000/health/)
                                     answers 200, else 1: the container's health check
game-server COMMAND [...]            any manage.py command: migrate, check,
                                     collectstatic, createsuperuser, close_idle_lobbies, ...
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request

from django.conf import settings
from django.core.management import execute_from_command_line

from game_server.daphne_protocol import PlayCommandLine

APPLICATION = "game_server.asgi:application"
HEALTH_URL = "http://127.0.0.1:8000/health/"


def serve(arguments: list[str]) -> None:
    PlayCommandLine().run([*arguments, APPLICATION])


def health(arguments: list[str]) -> int:
    url = arguments[0] if arguments else HEALTH_URL
    # The server refuses a Host it does not serve, so the probe names one it does.
    host = next((name.lstrip(".") for name in settings.ALLOWED_HOSTS if name != "*"), "")
    request = urllib.request.Request(url, headers={"Host": host} if host else {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            body = response.read().decode()
    except (urllib.error.URLError, OSError) as error:
        print(f"unhealthy: {url}: {error}", file=sys.stderr)
        return 1
    print(body)
    return 0


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "game_server.settings")
    command = arguments[0] if arguments else "help"
    if command == "serve":
        serve(arguments[1:])
        return 0
    if command == "health":
        return health(arguments[1:])
    execute_from_command_line(["game-server", *arguments])
    return 0
