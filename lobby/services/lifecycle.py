"""A lobby's life as its host sees it: creating it, changing its settings, closing it."""

from __future__ import annotations

import logging
import secrets
from typing import Any

from django.db import transaction

from lobby.models import CODE_ALPHABET, CODE_LENGTH, Lobby, User
from lobby.services.announce import announce
from lobby.services.changes import (
    close,
    leave_current,
    lock,
    lock_user,
    require_host,
    require_open,
    seat_user,
    seats_taken,
    touch,
)
from lobby.services.cleaning import clean_max_players, clean_name, clean_settings, game_named
from lobby.services.errors import LobbyError
from lobby.services.lookup import game_of
from lobby.services.snapshots import listed

logger = logging.getLogger(__name__)


def _new_code() -> str:
    for _ in range(20):
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if not Lobby.objects.filter(code=code).exclude(state=Lobby.State.CLOSED).exists():
            return code
    raise RuntimeError("could not find a free lobby code")


@transaction.atomic
def lobby_create(
    *,
    host: User,
    game: str,
    name: str | None = None,
    settings: dict[str, Any] | None = None,
    max_players: int | None = None,
    is_public: bool = True,
    allow_spectators: bool = False,
    spectators_may_chat: bool = False,
) -> Lobby:
    """An open lobby with the host seated; the host leaves any lobby they were in."""
    definition = game_named(game)
    cleaned_settings = clean_settings(definition, settings)
    cleaned_max = clean_max_players(definition, max_players)
    cleaned_name = clean_name(name, host, definition)
    lock_user(host)
    leave_current(host)
    lobby = Lobby.objects.create(
        code=_new_code(),
        name=cleaned_name,
        host=host,
        game=game,
        settings=cleaned_settings,
        max_players=cleaned_max,
        is_public=is_public,
        allow_spectators=allow_spectators,
        spectators_may_chat=spectators_may_chat,
    )
    seat_user(lobby, host)
    announce(lobby, "created")
    logger.info("lobby %s created by user %s for %s", lobby.code, host.pk, game)
    return lobby


@transaction.atomic
def lobby_update_settings(
    *,
    lobby: Lobby,
    user: User,
    settings: dict[str, Any] | None = None,
    name: str | None = None,
    max_players: int | None = None,
    is_public: bool | None = None,
    allow_spectators: bool | None = None,
    spectators_may_chat: bool | None = None,
) -> Lobby:
    """The host changes the lobby while it is open; everyone's ready flag is cleared."""
    lobby = lock(lobby.pk)
    require_host(lobby, user)
    require_open(lobby)
    was_listed = listed(lobby)
    definition = game_of(lobby)
    if settings is not None:
        lobby.settings = clean_settings(definition, {**lobby.settings, **settings})
    if max_players is not None:
        lobby.max_players = clean_max_players(definition, max_players)
        if lobby.max_players < seats_taken(lobby):
            raise LobbyError("BAD_MAX_PLAYERS", "More players already sit in the lobby.")
    if name is not None:
        lobby.name = clean_name(name, user, definition)
    if is_public is not None:
        lobby.is_public = bool(is_public)
    if allow_spectators is not None:
        lobby.allow_spectators = bool(allow_spectators)
    if spectators_may_chat is not None:
        lobby.spectators_may_chat = bool(spectators_may_chat)
    lobby.memberships.update(is_ready=False)
    touch(
        lobby,
        "settings",
        "max_players",
        "name",
        "is_public",
        "allow_spectators",
        "spectators_may_chat",
    )
    announce(lobby, "settings", was_listed=was_listed)
    return lobby


@transaction.atomic
def lobby_close(*, lobby: Lobby, user: User | None = None) -> None:
    """The host (or, with `user=None`, staff and the idle sweep) closes the lobby."""
    lobby = lock(lobby.pk)
    if user is not None:
        require_host(lobby, user)
    if lobby.state == Lobby.State.CLOSED:
        return
    close(lobby, reason="closed_by_host" if user is not None else "closed")
