"""The ranked queue: players wait per game and are matched with players of a close rating.

A player's window is how far from their rating (the shown number, ratings/) another
player may be: `RANKED_WINDOW_START` either side, widening by `RANKED_WINDOW_PER_SECOND`
for each second waited, up to `RANKED_WINDOW_MAX`. Players form a group when each pair of
them lies within the narrower of their two windows. A group of the game's most players
starts a match at once; a group of at least its fewest starts once its longest waiting
player waited `RANKED_FULL_WAIT_SECONDS`.

Any server process may match (`queue_match`): a queue socket's first turn, just after its
join, runs it, and otherwise the first read of a place (sockets' turns, API calls) in
`RANKED_MATCHING_SECONDS` does, counted in the cache that the processes share, so that n
waiting players' reads do not run it n times over. On PostgreSQL one matcher at a time
matches a game (a transaction-level advisory lock, `matching_lock`), so each sees the
whole queue as the last one left it: two that split the queue between them could each
leave a player whose partner the other took. It locks the game's waiting entries with
SKIP LOCKED (a place being joined waits for the next run), and it claims each group with
one conditional update, so a player lost to another matcher (on SQLite, which has no
locks to share) undoes that group alone. A match is started as a lobby's (a
private lobby made for it), so the rematch, match history and ratings work as for any
lobby's match.
"""

from __future__ import annotations

import functools
import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from game_server import metrics
from game_server.limits import rate_allowed
from games.models import Match
from games.rules import CATALOGUE
from games.services import match_players_busy
from lobby.models import Membership, User
from lobby.services import (
    LobbyError,
    game_named,
    group_send_quietly,
    lobby_create,
    lobby_join,
    lobby_start,
    lock_user,
    play_url,
    within_rate,
)
from ranked.models import QueueEntry
from ratings.services import rating_shown

logger = logging.getLogger(__name__)


def user_group(user_id: object) -> str:
    """Every queue socket of one user, on any process: where a match found reaches them."""
    return f"ranked.user.{user_id}"


def queue_window(waited_seconds: float) -> int:
    """How far (in rating points, either side) a player who waited this long may be matched."""
    widened = settings.RANKED_WINDOW_START + settings.RANKED_WINDOW_PER_SECOND * waited_seconds
    return int(min(settings.RANKED_WINDOW_MAX, widened))


@dataclass(frozen=True)
class Waiting:
    """One waiting player as the matching sees them."""

    key: int
    rating: int
    joined_at: datetime


def pick_groups(
    waiting: list[Waiting], *, now: datetime, min_players: int, max_players: int
) -> list[list[Waiting]]:
    """The groups that may start a match now, longest waiting first; each player in one.

    Each player in turn, from the longest waiting, gathers the closest players whose
    ratings fit every window of the group so far, up to `max_players`.
    """
    windows = {w.key: queue_window((now - w.joined_at).total_seconds()) for w in waiting}

    def fits(one: Waiting, other: Waiting) -> bool:
        return abs(one.rating - other.rating) <= min(windows[one.key], windows[other.key])

    left = sorted(waiting, key=lambda w: (w.joined_at, w.key))
    groups = []
    for anchor in list(left):
        if anchor not in left:
            continue
        group = [anchor]
        for other in sorted(left, key=lambda w: (abs(w.rating - anchor.rating), w.joined_at)):
            if len(group) == max_players:
                break
            if other is not anchor and all(fits(other, member) for member in group):
                group.append(other)
        waited = (now - anchor.joined_at).total_seconds()
        full = len(group) == max_players
        if full or (len(group) >= min_players and waited >= settings.RANKED_FULL_WAIT_SECONDS):
            groups.append(group)
            left = [w for w in left if w not in group]
    return groups


@transaction.atomic
def queue_join(*, user: User, game: str, holder: str = "") -> QueueEntry:
    """Puts the user in the game's queue.

    `holder` is the queue socket's channel: a socket takes over the user's place (a
    reload, another tab), while an API client (no holder) already queued is refused.
    """
    definition = game_named(game)
    within_rate(
        f"ranked-join:{user.pk}",
        limit=settings.RANKED_JOINS_PER_WINDOW,
        window=settings.RANKED_JOIN_WINDOW_SECONDS,
        message="Too many joins of the ranked queue. Wait, then try again.",
    )
    # The place first, then the user, as the matching locks them: a join and a match
    # of the same user wait for each other instead of deadlocking.
    QueueEntry.objects.select_for_update().filter(user=user).first()
    lock_user(user)
    if match_players_busy(users=[user]):
        raise LobbyError("IN_ANOTHER_MATCH")
    now = timezone.now()
    entry = QueueEntry.objects.filter(user=user).first()
    if entry is not None and entry.match_id is None and not holder and present(entry, now):
        raise LobbyError("ALREADY_QUEUED")
    if entry is not None and entry.match_id is None and entry.game == definition.slug:
        entry.holder, entry.seen_at = holder, now
        entry.save(update_fields=["holder", "seen_at"])
        return entry
    QueueEntry.objects.filter(user=user).delete()
    rating = rating_shown(user=user, game=definition.slug)
    entry = QueueEntry.objects.create(
        user=user, game=definition.slug, rating=rating, joined_at=now, seen_at=now, holder=holder
    )
    logger.info("user %s queued for ranked %s at %s", user.pk, definition.slug, rating)
    return entry


def present(entry: QueueEntry, now: datetime) -> bool:
    return (now - entry.seen_at).total_seconds() < settings.RANKED_PRESENCE_SECONDS


def queue_leave(*, user: User, holder: str | None = None) -> str | None:
    """Takes the user out of the queue (only if `holder` still holds the place, when
    given); the game they left, or None if they were not queued."""
    entries = QueueEntry.objects.filter(user=user)
    if holder is not None:
        entries = entries.filter(holder=holder)
    game = entries.values_list("game", flat=True).first()
    deleted, _ = entries.delete()
    return game if deleted else None


def queue_status(
    *,
    user: User,
    holder: str | None = None,
    now: datetime | None = None,
    just_joined: bool = False,
) -> dict[str, Any] | None:
    """The user's place in the queue, after marking them present and matching their game
    (if no read did in the last `RANKED_MATCHING_SECONDS`, or the user `just_joined`, and
    so may complete a group); None if they are not queued (or another socket holds the
    place now)."""
    now = now or timezone.now()
    entries = QueueEntry.objects.filter(user=user)
    if holder is not None:
        entries = entries.filter(holder=holder)
    entry = entries.first()
    if entry is None:
        return None
    if entry.match_id is None:
        entries.update(seen_at=now)
        if just_joined or _matching_due(entry.game):
            queue_match(game=entry.game, now=now)
        entry = entries.select_related("match").first()
        if entry is None:
            return None
    return status_of(entry, now)


def _matching_due(game: str) -> bool:
    """Whether a read of a place in the game's queue runs its matching: the first read
    in each window of `RANKED_MATCHING_SECONDS`, counted as the rate limits count, in the
    cache every process shares."""
    window = settings.RANKED_MATCHING_SECONDS
    return rate_allowed(f"ranked-matching:{game}", limit=1, window=window).allowed


def status_of(entry: QueueEntry, now: datetime) -> dict[str, Any]:
    waited = max(0.0, (now - entry.joined_at).total_seconds())
    match_id = str(entry.match_id) if entry.match_id else None
    return {
        "game": entry.game,
        "state": "matched" if match_id else "waiting",
        "rating": entry.rating,
        "waited_seconds": int(waited),
        "window": queue_window(waited),
        "waiting": QueueEntry.objects.filter(game=entry.game, match__isnull=True).count(),
        "match_id": match_id,
        "play_url": play_url(entry.match_id) if match_id else None,
        "socket_url": f"/ws/queue/{entry.game}/",
    }


def queue_match(*, game: str, now: datetime | None = None) -> list[Match]:
    """Starts the matches the game's queue allows now; players absent for longer than
    `RANKED_PRESENCE_SECONDS` leave it first. Safe to run in any number of processes."""
    now = now or timezone.now()
    definition = CATALOGUE[game]
    metrics.RANKED_MATCHINGS.labels(definition.slug).inc()
    started = []
    with transaction.atomic():
        matching_lock(game)
        entries = list(
            QueueEntry.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(game=game, match__isnull=True)
            .select_related("user")
            .order_by("joined_at", "pk")
        )
        gone = [entry.pk for entry in entries if not present(entry, now)]
        QueueEntry.objects.filter(pk__in=gone, match__isnull=True).delete()
        entries = [entry for entry in entries if entry.pk not in gone]
        busy = {user.pk for user in match_players_busy(users=[e.user for e in entries])}
        by_key = {entry.pk: entry for entry in entries if entry.user_id not in busy}
        waiting = [Waiting(e.pk, e.rating, e.joined_at) for e in by_key.values()]
        groups = pick_groups(
            waiting,
            now=now,
            min_players=definition.min_players,
            max_players=definition.max_players,
        )
        for group in groups:
            match = _start(game, [by_key[w.key] for w in group])
            if match is not None:
                started.append(match)
    return started


def matching_lock(game: str) -> None:
    """On PostgreSQL, waits until no other transaction matches the game's queue, and holds
    that lock to the end of this one. Nothing else takes it, so a matcher waits only for
    another matcher, holding nothing meanwhile."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [matching_lock_key(game)])


def matching_lock_key(game: str) -> int:
    """The game's advisory lock: a signed 64-bit number, stable across processes."""
    digest = hashlib.blake2b(f"ranked-matching:{game}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _start(game: str, entries: list[QueueEntry]) -> Match | None:
    """A lobby's match for the group, or None (and nothing written) if another matcher
    claimed one of them first."""
    try:
        with transaction.atomic():
            host, *others = [entry.user for entry in entries]
            lobby = lobby_create(
                host=host, game=game, name=f"Ranked {CATALOGUE[game].name}", is_public=False
            )
            for user in others:
                lobby_join(code=lobby.code, user=user)
            Membership.objects.filter(lobby=lobby).update(is_ready=True)
            match = lobby_start(lobby=lobby, user=host)
            claimed = QueueEntry.objects.filter(
                pk__in=[entry.pk for entry in entries], match__isnull=True
            ).update(match=match)
            if claimed != len(entries):
                raise _Claimed
    except (_Claimed, LobbyError) as error:
        logger.info("ranked %s: a group was not started: %r", game, error)
        return None
    user_ids = [entry.user_id for entry in entries]
    logger.info("ranked %s: match %s for users %s", game, match.pk, user_ids)
    for user_id in user_ids:
        tell = functools.partial(group_send_quietly, user_group(user_id), {"type": "queue.matched"})
        transaction.on_commit(tell)
    return match


class _Claimed(Exception):
    """Another matcher took one of the group's players."""
