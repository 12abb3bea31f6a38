"""The idle sweep: what nobody is using any more closes by itself."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from games.models import Match
from games.services import match_abort_unopened
from lobby.models import Lobby
from lobby.services.changes import close, lock
from lobby.services.lookup import current_match
from lobby.services.matches import reopen

IDLE_SWEEP_EVERY_SECONDS = 60


@dataclass(frozen=True)
class IdleSweep:
    """What one idle sweep did."""

    matches_aborted: int = 0
    lobbies_reopened: int = 0
    lobbies_closed: int = 0


def lobby_close_idle(*, idle_seconds: int | None = None) -> IdleSweep:
    """The idle sweep. It aborts matches nobody opened within MATCH_OPEN_SECONDS, opens
    again (or closes, when empty) lobbies in a game whose match is over or gone, and
    closes open lobbies without members or without any change for too long.

    Lobbies in a running match are left to the engine, which reports the match's end.
    """
    if idle_seconds is None:
        idle_seconds = django_settings.LOBBY_IDLE_SECONDS
    aborted = match_abort_unopened()
    reopened = closed = 0
    # A match that ended without its lobby hearing of it (a process that died between
    # the two), or was deleted, leaves the lobby in a game that is over.
    stranded = Lobby.objects.filter(state=Lobby.State.IN_GAME).exclude(
        matches__state=Match.State.RUNNING
    )
    for lobby_id in stranded.values_list("pk", flat=True):
        state = _reopen_if_match_over(lobby_id=lobby_id)
        reopened += state == Lobby.State.OPEN
        closed += state == Lobby.State.CLOSED
    cutoff = timezone.now() - timedelta(seconds=idle_seconds)
    candidates = Lobby.objects.filter(state=Lobby.State.OPEN).filter(
        Q(last_activity_at__lt=cutoff) | Q(memberships__isnull=True)
    )
    for lobby_id in candidates.values_list("pk", flat=True).distinct():
        closed += _close_if_idle(lobby_id=lobby_id, cutoff=cutoff)
    return IdleSweep(aborted, reopened, closed)


def lobby_close_idle_if_due() -> IdleSweep:
    """The idle sweep, at most once a minute across every server process.

    The lobby list page and API call it, so idle lobbies close by themselves while
    anyone looks for a game, with no scheduler to set up.
    """
    if not cache.add("lobby-idle-sweep", 1, timeout=IDLE_SWEEP_EVERY_SECONDS):
        return IdleSweep()
    return lobby_close_idle()


@transaction.atomic
def _reopen_if_match_over(*, lobby_id: int) -> Lobby.State | None:
    # Checked again under the lock: the lobby may have reopened and started since.
    lobby = lock(lobby_id)
    if lobby.state != Lobby.State.IN_GAME or current_match(lobby):
        return None
    return reopen(lobby, reason="match_gone")


@transaction.atomic
def _close_if_idle(*, lobby_id: int, cutoff: Any) -> int:
    # Checked again under the lock: someone may have joined since the query.
    lobby = lock(lobby_id)
    idle = lobby.last_activity_at < cutoff or not lobby.memberships.exists()
    if lobby.state != Lobby.State.OPEN or not idle:
        return 0
    close(lobby, reason="idle")
    return 1
