"""The idle sweep: aborts matches nobody opened, opens again lobbies whose match is over,
closes open lobbies that are empty or idle. Run it from cron every minute or so."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from lobby.services import lobby_close_idle


class Command(BaseCommand):
    help = (
        "Abort matches nobody opened within MATCH_OPEN_SECONDS, open again lobbies whose "
        "match is over, and close open lobbies that are empty or had no change for "
        "LOBBY_IDLE_SECONDS."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--idle-seconds",
            type=int,
            default=settings.LOBBY_IDLE_SECONDS,
            help="Close lobbies idle for longer than this (default: LOBBY_IDLE_SECONDS).",
        )

    def handle(self, *args: Any, idle_seconds: int, **options: Any) -> None:
        sweep = lobby_close_idle(idle_seconds=idle_seconds)
        self.stdout.write(
            f"Aborted {_count(sweep.matches_aborted, 'match', 'matches')} nobody opened, "
            f"reopened {_count(sweep.lobbies_reopened, 'lobby', 'lobbies')}, "
            f"closed {_count(sweep.lobbies_closed, 'lobby', 'lobbies')}."
        )


def _count(number: int, one: str, many: str) -> str:
    return f"{number} {one if number == 1 else many}"
