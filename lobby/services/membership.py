"""Who sits in a lobby: joining, quick play, leaving, getting ready, and the host's kick
and hand-over."""

from __future__ import annotations

import functools

from django.db import transaction
from django.db.models import Count, F

from games.removal import match_remove_user
from games.services import match_players_busy
from lobby.models import Lobby, LobbyBan, Membership, User
from lobby.services.announce import announce
from lobby.services.changes import (
    lock,
    lock_user,
    remove_member,
    require_host,
    require_open,
    seat_user,
    seats_taken,
    touch,
)
from lobby.services.cleaning import game_named
from lobby.services.errors import LobbyError
from lobby.services.lifecycle import lobby_create
from lobby.services.lookup import current_match, lobby_find, membership_of


@transaction.atomic
def lobby_join(*, code: str, user: User) -> Membership:
    """Seats the user in the lobby with this code, leaving any other lobby first.

    Joining a lobby one already sits in returns the existing seat (a second tab).
    """
    target = lobby_find(code=code)
    lock_user(user)
    current = Membership.objects.filter(user=user).first()
    # Locks in id order, so that two users swapping lobbies cannot deadlock.
    ids = sorted({target.pk} | ({current.lobby_id} if current else set()))
    locked = {lobby_id: lock(lobby_id) for lobby_id in ids}
    lobby = locked[target.pk]
    if current and current.lobby_id == lobby.pk:
        return current
    if lobby.state == Lobby.State.CLOSED:
        raise LobbyError("LOBBY_NOT_FOUND")
    if lobby.state != Lobby.State.OPEN:
        raise LobbyError("WRONG_STATE", "This lobby is in a game; join when it is back.")
    if LobbyBan.objects.filter(lobby=lobby, user=user).exists():
        raise LobbyError("KICKED")
    if seats_taken(lobby) >= lobby.max_players:
        raise LobbyError("LOBBY_FULL")
    if current:
        remove_member(locked[current.lobby_id], current, event="member_left")
    membership = seat_user(lobby, user)
    touch(lobby)
    announce(lobby, "member_joined", user_id=user.pk)
    return membership


@transaction.atomic
def lobby_quick_play(*, user: User, game: str) -> Membership:
    """A seat in the fullest open public lobby of this game, or a new lobby.

    Refused (IN_ANOTHER_MATCH) while the user plays a running match: its lobby could not
    start with them.
    """
    game_named(game)
    if match_players_busy(users=[user]):
        raise LobbyError("IN_ANOTHER_MATCH")
    current = Membership.objects.filter(
        user=user, lobby__game=game, lobby__state=Lobby.State.OPEN
    ).first()
    if current is not None:
        return current
    candidates = (
        Lobby.objects.filter(state=Lobby.State.OPEN, is_public=True, game=game)
        .exclude(bans__user=user)
        .annotate(
            members=Count("memberships", distinct=True),
            players=F("members") + Count("bots", distinct=True),
        )
        .filter(players__lt=F("max_players"), members__gt=0)
        .order_by("-players", "created_at")
        .values_list("code", flat=True)
    )
    for code in candidates[:10]:
        try:
            # A savepoint each: a lobby that filled meanwhile leaves nothing behind.
            with transaction.atomic():
                return lobby_join(code=code, user=user)
        except LobbyError as error:
            if error.code not in ("LOBBY_FULL", "WRONG_STATE", "LOBBY_NOT_FOUND"):
                raise
    lobby = lobby_create(host=user, game=game)
    return Membership.objects.get(lobby=lobby, user=user)


@transaction.atomic
def lobby_leave(*, lobby: Lobby, user: User) -> None:
    lobby = lock(lobby.pk)
    membership = membership_of(lobby=lobby, user=user)
    remove_member(lobby, membership, event="member_left")


@transaction.atomic
def lobby_set_ready(*, lobby: Lobby, user: User, ready: bool) -> Membership:
    lobby = lock(lobby.pk)
    membership = membership_of(lobby=lobby, user=user)
    require_open(lobby)
    membership.is_ready = bool(ready)
    membership.save(update_fields=["is_ready"])
    touch(lobby)
    announce(lobby, "ready", user_id=user.pk)
    return membership


@transaction.atomic
def lobby_kick(*, lobby: Lobby, user: User, target: User) -> None:
    """The host removes a member, who may not join this lobby again.

    While the lobby is in a game the kick holds in its match too: the target loses their
    seat or their place as a spectator at once, so the host may also name a user who only
    watches (docs/api.md).
    """
    lobby = lock(lobby.pk)
    require_host(lobby, user)
    if target.pk == user.pk:
        raise LobbyError("CANNOT_KICK_SELF")
    membership = Membership.objects.filter(lobby=lobby, user=target).first()
    match = current_match(lobby) if lobby.state == Lobby.State.IN_GAME else None
    if membership is None and match is None:
        raise LobbyError("NOT_MEMBER", "That player is not in this lobby.")
    LobbyBan.objects.get_or_create(lobby=lobby, user=target)
    if membership is not None:
        remove_member(lobby, membership, event="kicked")
    if match is not None:
        # After commit, so that a socket connecting again meets the ban.
        transaction.on_commit(
            functools.partial(match_remove_user, match_id=str(match.pk), user_id=target.pk)
        )


@transaction.atomic
def lobby_transfer_host(*, lobby: Lobby, user: User, target: User) -> Lobby:
    lobby = lock(lobby.pk)
    require_host(lobby, user)
    if not Membership.objects.filter(lobby=lobby, user=target).exists():
        raise LobbyError("NOT_MEMBER", "That player is not in this lobby.")
    lobby.host = target
    touch(lobby, "host")
    announce(lobby, "host", user_id=target.pk)
    return lobby
