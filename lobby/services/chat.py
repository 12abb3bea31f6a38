"""Lobby chat: lines sent to the members' sockets, never stored."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from games.chat import ChatRefused, chat_count, chat_text
from lobby.models import Lobby, User
from lobby.services.announce import announce_to_members
from lobby.services.errors import LobbyError
from lobby.services.lookup import membership_of

# The chat rules' refusals (games/chat.py) as the lobby's codes.
REFUSALS = {
    "empty": "CHAT_EMPTY",
    "too_long": "CHAT_TOO_LONG",
    "bad_text": "CHAT_BAD_TEXT",
    "rate_limited": "RATE_LIMITED",
}


@transaction.atomic
def lobby_chat(*, lobby: Lobby, user: User, text: str) -> dict[str, Any]:
    """Sends a chat line to the lobby's members. Nothing is stored."""
    try:
        text = chat_text(text)
        lobby = Lobby.objects.get(pk=lobby.pk)
        membership_of(lobby=lobby, user=user)
        chat_count(user_id=user.pk)
    except ChatRefused as refused:
        raise LobbyError(REFUSALS[refused.code], retry_after=refused.retry_after) from None
    message = {
        "type": "chat",
        "user_id": user.pk,
        "name": str(user),
        "text": text,
        "at": timezone.now().isoformat(),
    }
    announce_to_members(lobby.pk, message)
    return message
