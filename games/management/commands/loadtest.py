"""`manage.py loadtest`: bot players against a running server; see games/loadtest.py."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from games import loadtest
from games.rules import CATALOGUE


class Command(BaseCommand):
    help = "Drive bot players through the HTTP and WebSocket protocol; print one JSON line."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--url", default="http://127.0.0.1:8000", help="one server, or several comma-separated"
        )
        parser.add_argument("--game", default="arena", choices=sorted(CATALOGUE))
        parser.add_argument("--rooms", type=int, default=10)
        parser.add_argument("--players", type=int, default=4)
        parser.add_argument(
            "--bots", type=int, default=0, help="the game's own bots per room, beside the players"
        )
        parser.add_argument("--seconds", type=float, default=20.0)
        parser.add_argument("--warmup", type=float, default=3.0)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            import uvloop
        except ImportError:
            runner = asyncio.run
        else:
            runner = uvloop.run
        result = runner(
            loadtest.run(
                url=options["url"],
                game=options["game"],
                rooms=options["rooms"],
                players=options["players"],
                seconds=options["seconds"],
                warmup=options["warmup"],
                bots=options["bots"],
            )
        )
        self.stdout.write(json.dumps(result))
