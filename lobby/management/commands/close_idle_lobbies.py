"""Closes open lobbies that are empty or idle; run it from cron every minute or so."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from lobby.services import lobby_close_idle


class Command(BaseCommand):
    help = "Close open lobbies that are empty or had no change for LOBBY_IDLE_SECONDS."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--idle-seconds",
            type=int,
            default=settings.LOBBY_IDLE_SECONDS,
            help="Close lobbies idle for longer than this (default: LOBBY_IDLE_SECONDS).",
        )

    def handle(self, *args: Any, idle_seconds: int, **options: Any) -> None:
        closed = lobby_close_idle(idle_seconds=idle_seconds)
        noun = "lobby" if closed == 1 else "lobbies"
        self.stdout.write(f"Closed {closed} {noun}.")
