"""Telling a lobby's members and the lobby list page of a change, after it commits."""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from lobby.models import Lobby
from lobby.services.snapshots import list_row_id, listed, lobby_snapshot, lobby_summary

logger = logging.getLogger(__name__)

LOBBY_LIST_GROUP = "lobby-list"


def lobby_group(lobby_id: int) -> str:
    return f"lobby-{lobby_id}"


def group_send_quietly(group: str, message: dict[str, Any]) -> None:
    """Sends to a channel-layer group; a failure is logged, never raised."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, message)
    except Exception:
        # The change is committed; a lost notification must not turn it into an error.
        logger.exception("could not send %s to %s", message.get("type"), group)


def _list_change(lobby: Lobby, *, was_listed: bool) -> dict[str, Any] | None:
    """What the list socket hears of a change, which anyone may listen to.

    A listed lobby sends its row. One that leaves the list (it started, closed or went
    private) sends only its row's id, so a watcher drops the row without learning the
    code of a lobby that is private now. A lobby that was never listed sends nothing.
    """
    if listed(lobby):
        return lobby_summary(lobby)
    if was_listed or lobby.is_public:
        return {"id": list_row_id(lobby), "visible": False}
    return None


def announce(lobby: Lobby, event: str, *, was_listed: bool = False, **extra: Any) -> None:
    """After commit: the event with the lobby as it is now, to members and the list page.

    `was_listed`: the lobby was in the public list before this change.
    """
    payload = {"type": event, "lobby": lobby_snapshot(lobby), **extra}
    row = _list_change(lobby, was_listed=was_listed)
    lobby_id = lobby.id

    def send() -> None:
        group_send_quietly(lobby_group(lobby_id), {"type": "lobby.event", "event": payload})
        if row is not None:
            group_send_quietly(LOBBY_LIST_GROUP, {"type": "lobby.list.changed", "lobby": row})

    transaction.on_commit(send)


def announce_to_members(lobby_id: int, event: dict[str, Any]) -> None:
    """After commit: an event for the lobby's members alone, such as a chat line."""
    group = lobby_group(lobby_id)
    transaction.on_commit(
        lambda: group_send_quietly(group, {"type": "lobby.event", "event": event})
    )
