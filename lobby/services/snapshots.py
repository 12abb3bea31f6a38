"""What clients see of lobbies: a lobby's snapshot for its members and API clients, and
the rows of the public lobby list."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count
from django.utils.crypto import salted_hmac

from games.models import bot_name
from games.rules import CATALOGUE
from lobby.models import Lobby, Membership
from lobby.services.lookup import current_match, game_of


def play_url(match_id: object) -> str:
    return f"/play/{match_id}/"


def bots_offered_at(lobby: Lobby, memberships: list[Membership]) -> datetime | None:
    """When the one member of an open lobby of a game with a bot may fill its empty
    seats with bots (QUICK_PLAY_BOT_SECONDS after they sat down); None otherwise."""
    if lobby.state != Lobby.State.OPEN or len(memberships) != 1 or lobby.bots.exists():
        return None
    if game_of(lobby).bot is None:
        return None
    return memberships[0].joined_at + timedelta(seconds=settings.QUICK_PLAY_BOT_SECONDS)


def lobby_snapshot(lobby: Lobby) -> dict[str, Any]:
    """What members and API clients see of a lobby."""
    memberships = list(lobby.memberships.select_related("user").order_by("seat"))
    members = [
        {
            "user_id": membership.user_id,
            "name": str(membership.user),
            "seat": membership.seat,
            "ready": membership.is_ready,
            "host": membership.user_id == lobby.host_id,
            "bot": False,
        }
        for membership in memberships
    ]
    # Named as the match will name them: seated after the members.
    bots = [
        {
            "id": bot.pk,
            "name": bot_name(len(members) + number, bot.level),
            "level": bot.level,
            "bot": True,
        }
        for number, bot in enumerate(lobby.bots.all())
    ]
    game = game_of(lobby)
    offered_at = bots_offered_at(lobby, memberships)
    match = current_match(lobby) if lobby.state == Lobby.State.IN_GAME else None
    return {
        "code": lobby.code,
        "name": lobby.name,
        "game": lobby.game,
        "game_name": game.name,
        "min_players": game.min_players,
        "max_players": lobby.max_players,
        "public": lobby.is_public,
        "allow_spectators": lobby.allow_spectators,
        "spectators_may_chat": lobby.spectators_may_chat,
        "state": lobby.state,
        "host_id": lobby.host_id,
        "settings": lobby.settings,
        "members": members,
        "bots": bots,
        "bot_levels": list(game.bot_levels) if game.bot is not None else [],
        "bots_offered_at": offered_at.isoformat() if offered_at else None,
        "match_id": str(match.id) if match else None,
        "play_url": play_url(match.id) if match else None,
        "socket_url": f"/ws/lobby/{lobby.code}/",
        "invite_url": f"/l/{lobby.code}/",
    }


def listed(lobby: Lobby) -> bool:
    """Whether the lobby belongs in the public list: public and open."""
    return lobby.is_public and lobby.state == Lobby.State.OPEN


def list_row_id(lobby: Lobby) -> str:
    """The list row's key: stable, and telling nothing of the lobby's code."""
    return salted_hmac("lobby.list-row", str(lobby.pk)).hexdigest()[:16]


def lobby_summary(lobby: Lobby, *, players: int | None = None) -> dict[str, Any]:
    """A row of the public lobby list. `visible` is false once it should leave the list."""
    if players is None:
        players = lobby.memberships.count() + lobby.bots.count()
    return {
        "id": list_row_id(lobby),
        "code": lobby.code,
        "name": lobby.name,
        "game": lobby.game,
        "game_name": game_of(lobby).name,
        "players": players,
        "max_players": lobby.max_players,
        "host": str(lobby.host) if lobby.host else "",
        "state": lobby.state,
        "visible": listed(lobby),
    }


def lobby_list_public(*, game: str | None = None) -> list[dict[str, Any]]:
    if game and game not in CATALOGUE:
        # No lobby has it, and a NUL in it would be a 500 on PostgreSQL.
        return []
    lobbies = (
        Lobby.objects.filter(state=Lobby.State.OPEN, is_public=True)
        .select_related("host")
        .annotate(players=Count("memberships", distinct=True) + Count("bots", distinct=True))
        .order_by("-created_at")
    )
    if game:
        lobbies = lobbies.filter(game=game)
    return [lobby_summary(lobby, players=lobby.players) for lobby in lobbies[:200]]
