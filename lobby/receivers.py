"""What the lobby does when the games app reports something (connected in lobby/apps.py)."""

from __future__ import annotations

from typing import Any

from games.models import Match
from games.rules.base import Result
from lobby.services import lobby_match_ended


def open_lobby_after_match(sender: Any, *, match: Match, result: Result, **kwargs: Any) -> None:
    """`games.signals.match_ended`: the match's lobby opens again for a rematch."""
    if match.lobby_id is not None:
        lobby_match_ended(lobby_id=match.lobby_id, reason=result.reason)
