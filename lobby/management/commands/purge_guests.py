"""Deletes idle guests that never played; run it from cron once a day."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from lobby.accounts import guest_purge


class Command(BaseCommand):
    help = (
        "Delete guests that never kept their account, have no match, sit in no lobby and "
        "were not seen (logged in or used a token) for GUEST_IDLE_DAYS."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--idle-days",
            type=int,
            default=settings.GUEST_IDLE_DAYS,
            help="Delete guests not seen for longer than this (default: GUEST_IDLE_DAYS).",
        )

    def handle(self, *args: Any, idle_days: int, **options: Any) -> None:
        deleted = guest_purge(idle_days=idle_days)
        noun = "guest" if deleted == 1 else "guests"
        self.stdout.write(f"Deleted {deleted} {noun}.")
