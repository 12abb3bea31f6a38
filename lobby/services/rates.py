"""Budgets of lobby requests, counted in the cache that every server process shares."""

from __future__ import annotations

from django.conf import settings as django_settings

from game_server.limits import rate_allowed
from lobby.models import User
from lobby.services.errors import LobbyError


def within_rate(key: str, *, limit: int, window: int, message: str = "") -> None:
    """Counts one request under `key` (shared by every server process), or RATE_LIMITED."""
    rate = rate_allowed(key, limit=limit, window=window)
    if not rate.allowed:
        raise LobbyError("RATE_LIMITED", message, retry_after=rate.retry_after)


def lobby_action_count(*, user: User) -> None:
    """Counts one lobby action of the user (socket, API or page), or RATE_LIMITED.

    Every action is a locked transaction and a broadcast to the lobby, so a client
    repeating them as fast as it can would load the database and every member.
    """
    within_rate(
        f"lobby-action:{user.pk}",
        limit=django_settings.LOBBY_ACTIONS_PER_WINDOW,
        window=django_settings.LOBBY_ACTION_WINDOW_SECONDS,
        message="Too many lobby actions at once. Wait a few seconds.",
    )
