"""Lobby chat: lines sent to the members' sockets, never stored."""

from __future__ import annotations

from typing import Any

from django.conf import settings as django_settings
from django.db import transaction
from django.utils import timezone

from lobby.models import Lobby, User
from lobby.services.announce import announce_to_members
from lobby.services.cleaning import has_control_characters
from lobby.services.errors import CHAT_MAX_LENGTH, LobbyError
from lobby.services.lookup import membership_of
from lobby.services.rates import within_rate


@transaction.atomic
def lobby_chat(*, lobby: Lobby, user: User, text: str) -> dict[str, Any]:
    """Sends a chat line to the lobby's members. Nothing is stored."""
    text = (text if isinstance(text, str) else "").strip()
    if not text:
        raise LobbyError("CHAT_EMPTY")
    if len(text) > CHAT_MAX_LENGTH:
        raise LobbyError("CHAT_TOO_LONG")
    if has_control_characters(text):
        raise LobbyError("CHAT_BAD_TEXT")
    lobby = Lobby.objects.get(pk=lobby.pk)
    membership_of(lobby=lobby, user=user)
    within_rate(
        f"lobby-chat:{user.pk}",
        limit=django_settings.LOBBY_CHAT_MESSAGES_PER_WINDOW,
        window=django_settings.LOBBY_CHAT_WINDOW_SECONDS,
    )
    message = {
        "type": "chat",
        "user_id": user.pk,
        "name": str(user),
        "text": text,
        "at": timezone.now().isoformat(),
    }
    announce_to_members(lobby.pk, message)
    return message
