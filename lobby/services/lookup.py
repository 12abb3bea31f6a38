"""Finding a lobby by its code, a user's seat, a lobby's game and running match."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings as django_settings

from games.models import Match
from games.rules import CATALOGUE
from games.rules.base import GameDef
from lobby.models import CODE_ALPHABET, CODE_LENGTH, Lobby, Membership, User
from lobby.services.errors import LobbyError
from lobby.services.rates import within_rate

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser


def game_of(lobby: Lobby) -> GameDef:
    return CATALOGUE[lobby.game]


def _code_shaped(code: str) -> bool:
    return len(code) == CODE_LENGTH and all(character in CODE_ALPHABET for character in code)


def lobby_find(*, code: str) -> Lobby:
    """The live (open or in game) lobby with this code, any case, or LOBBY_NOT_FOUND."""
    code = code.strip().upper()
    # A string that cannot be a code (a NUL in a URL, say) never reaches the database.
    if not _code_shaped(code):
        raise LobbyError("LOBBY_NOT_FOUND")
    lobby = (
        Lobby.objects.filter(code=code)
        .exclude(state=Lobby.State.CLOSED)
        .select_related("host")
        .first()
    )
    if lobby is None:
        raise LobbyError("LOBBY_NOT_FOUND")
    return lobby


def lobby_lookup(*, code: str, user: User | AnonymousUser, address: str) -> Lobby:
    """`lobby_find` for a client: throttled per address for all but the lobby's members.

    A private lobby's code is the only key to it, and whether a code exists shows in
    every answer, so someone trying codes one after another is held to
    LOBBY_LOOKUPS_PER_ADDRESS_PER_MINUTE. Over it the answer is RATE_LIMITED whether
    the code exists or not. Members looking at their own lobby are not counted.
    """
    try:
        lobby: Lobby | None = lobby_find(code=code)
    except LobbyError:
        lobby = None
    if lobby is not None and user.is_authenticated and lobby.memberships.filter(user=user).exists():
        return lobby
    within_rate(
        f"lobby-lookup:{address}",
        limit=django_settings.LOBBY_LOOKUPS_PER_ADDRESS_PER_MINUTE,
        window=60,
        message="Too many lobby codes tried from your address. Wait a minute and try again.",
    )
    if lobby is None:
        raise LobbyError("LOBBY_NOT_FOUND")
    return lobby


def membership_current(*, user: User) -> Membership | None:
    """The lobby seat a user holds now, if any."""
    return Membership.objects.filter(user=user).select_related("lobby").first()


def membership_of(*, lobby: Lobby, user: User) -> Membership:
    """The user's seat in this lobby, or NOT_MEMBER."""
    membership = Membership.objects.filter(lobby=lobby, user=user).first()
    if membership is None:
        raise LobbyError("NOT_MEMBER")
    return membership


def current_match(lobby: Lobby) -> Match | None:

    return lobby.matches.filter(state=Match.State.RUNNING).first()
