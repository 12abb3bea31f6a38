"""The steps lobby changes are made of. Each works on a lobby row that the caller's
transaction has locked (`lock`), and tells members once it commits."""

from __future__ import annotations

from typing import Any

from django.db.models import Max
from django.utils import timezone

from lobby.models import Lobby, Membership, User
from lobby.services.announce import announce
from lobby.services.errors import LobbyError
from lobby.services.lookup import membership_of


def lock(lobby_id: int) -> Lobby:
    """The lobby row, locked until the transaction ends."""
    return Lobby.objects.select_for_update().get(pk=lobby_id)


def lock_user(user: User) -> None:
    # Serializes one user's joins and creates (two tabs, two clicks) on PostgreSQL.
    User.objects.select_for_update().filter(pk=user.pk).first()


def touch(lobby: Lobby, *fields: str) -> None:
    lobby.last_activity_at = timezone.now()
    lobby.save(update_fields=["last_activity_at", *fields])


def require_host(lobby: Lobby, user: User) -> None:
    membership_of(lobby=lobby, user=user)
    if lobby.host_id != user.pk:
        raise LobbyError("NOT_HOST")


def require_open(lobby: Lobby) -> None:
    if lobby.state != Lobby.State.OPEN:
        raise LobbyError("WRONG_STATE")


def seats_taken(lobby: Lobby) -> int:
    """The lobby's players: its members and its bots."""
    return lobby.memberships.count() + lobby.bots.count()


def seat_user(lobby: Lobby, user: User) -> Membership:
    """Adds the user to a locked lobby after they left any other one."""
    last_seat = lobby.memberships.aggregate(last=Max("seat"))["last"]
    return Membership.objects.create(
        lobby=lobby, user=user, seat=0 if last_seat is None else last_seat + 1
    )


def remove_member(lobby: Lobby, membership: Membership, *, event: str, **extra: Any) -> None:
    """Takes a member out of a locked lobby: hands over host, or closes it when empty."""
    user_id = membership.user_id
    membership.delete()
    remaining = lobby.memberships.order_by("seat").first()
    if remaining is None:
        close(lobby, reason="empty")
        return
    fields = []
    if lobby.host_id == user_id:
        lobby.host_id = remaining.user_id
        fields.append("host")
    touch(lobby, *fields)
    announce(lobby, event, user_id=user_id, **extra)


def leave_current(user: User) -> None:
    """Leaves the lobby the user sits in, if any."""
    current = Membership.objects.filter(user=user).first()
    if current is not None:
        remove_member(lock(current.lobby_id), current, event="member_left")


def close(lobby: Lobby, *, reason: str) -> None:
    lobby.memberships.all().delete()
    lobby.bots.all().delete()
    lobby.state = Lobby.State.CLOSED
    lobby.closed_at = timezone.now()
    touch(lobby, "state", "closed_at")
    announce(lobby, "closed", reason=reason)
