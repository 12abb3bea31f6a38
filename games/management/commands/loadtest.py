"""`manage.py loadtest`: bot players against a running server; see games/loadtest.py."""

from __future__ import annotations

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
        parser.add_argument(
            "--workers", type=int, default=1, help="processes the rooms are dealt to"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        drive = {
            name: options[name]
            for name in ("url", "game", "rooms", "players", "seconds", "warmup", "bots")
        }
        if options["workers"] > 1:
            result = loadtest.run_workers(options["workers"], **drive)
        else:
            result = loadtest.event_loop_runner()(loadtest.run(**drive))
        if result["client_bound"]:
            self.stderr.write(
                f"client-bound: a load generator process used {result['client_cpu_busiest']} "
                f"of its core (over {loadtest.CLIENT_BOUND}); these figures measure the "
                "client too. Try --workers."
            )
        self.stdout.write(json.dumps(result))
