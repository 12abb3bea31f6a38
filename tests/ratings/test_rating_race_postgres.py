"""Matches ending at once on PostgreSQL: every rating update counts exactly once.

The test holds a lock on Alice's rating while two deliveries start, and lets go only once
both wait for a lock: they then run into each other for certain, not by luck.
"""

from __future__ import annotations

import time
from concurrent.futures import Future, ThreadPoolExecutor

import pytest
from django.db import connection, transaction

from games.models import Match
from ratings.models import Rating, RatingChange
from ratings.services import MODEL, displayed
from tests.ratings.conftest import announce, record_end

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _deliver(match: Match) -> None:
    try:
        announce(match)
    finally:
        connection.close()


def _wait_for_lock_waiters(count: int) -> None:
    """Until `count` sessions of this database wait for a lock."""
    deadline = time.monotonic() + 30
    with connection.cursor() as cursor:
        while True:
            # Within a transaction PostgreSQL shows the same activity snapshot each time.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0] >= count:
                return
            assert time.monotonic() < deadline, "the deliveries never waited for the lock"
            time.sleep(0.01)


def _deliver_while_alice_is_locked(alice, matches: list[Match]) -> None:
    with ThreadPoolExecutor(max_workers=len(matches)) as pool:
        with transaction.atomic():
            Rating.objects.select_for_update().get(user=alice, game="connect_four")
            deliveries: list[Future[None]] = [pool.submit(_deliver, match) for match in matches]
            _wait_for_lock_waiters(len(matches))
        for delivery in deliveries:
            delivery.result()


def _newcomer(user) -> None:
    Rating.objects.create(
        user=user,
        game="connect_four",
        mu=MODEL.mu,
        sigma=MODEL.sigma,
        displayed=displayed(MODEL.mu, MODEL.sigma),
    )


def test_two_matches_of_one_player_ending_at_once_both_count(alice, bob, carol) -> None:
    _newcomer(alice)
    first = record_end([alice, bob], {alice: 1, bob: 2})
    second = record_end([alice, carol], {alice: 1, carol: 2})
    _deliver_while_alice_is_locked(alice, [first, second])

    rating = Rating.objects.get(user=alice, game="connect_four")
    assert rating.games_rated == 2
    earlier, later = RatingChange.objects.filter(user=alice).order_by("created_at", "pk")
    # The later update started from what the earlier one left, not from the old rating.
    assert later.mu_before == earlier.mu_after
    assert (rating.mu, rating.sigma) == (later.mu_after, later.sigma_after)


def test_one_match_delivered_twice_at_once_counts_once(alice, bob) -> None:
    _newcomer(alice)
    match = record_end([alice, bob], {alice: 1, bob: 2})
    _deliver_while_alice_is_locked(alice, [match, match])

    assert Rating.objects.get(user=alice, game="connect_four").games_rated == 1
    assert Rating.objects.get(user=bob, game="connect_four").games_rated == 1
    assert RatingChange.objects.filter(match=match).count() == 2
