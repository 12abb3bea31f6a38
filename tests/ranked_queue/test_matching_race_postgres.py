"""Matchers at once on PostgreSQL, as several server processes would run them: a dozen
queued players, six matches, nobody in two; a matcher waits for the one matching before it
and then matches what that one left."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import psycopg
import pytest
from django.db import connection

from games.models import Match, MatchPlayer
from ranked.models import QueueEntry
from ranked.services import matching_lock_key, queue_match

MATCHERS = 4


def _started(now: datetime) -> int:
    """How many matches one matcher starts, on its thread's own connection (closed after),
    as a server process would."""
    try:
        return len(queue_match(game="connect_four", now=now))
    finally:
        connection.close()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_matchers_put_nobody_in_two_matches(queued, since) -> None:
    users = queued([1000 + 10 * number for number in range(12)])
    barrier = threading.Barrier(MATCHERS)

    def match() -> int:
        barrier.wait()
        return _started(since)

    with ThreadPoolExecutor(max_workers=MATCHERS) as pool:
        started = [future.result() for future in [pool.submit(match) for _ in range(MATCHERS)]]

    assert sum(started) == Match.objects.count() == 6
    seats = Counter(MatchPlayer.objects.values_list("user_id", flat=True))
    assert seats == Counter({user.pk: 1 for user in users})
    assert not QueueEntry.objects.filter(match__isnull=True).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_matcher_waits_for_the_one_matching_before_it(queued, since) -> None:
    queued([1000, 1010])
    key = matching_lock_key("connect_four")
    database = connection.settings_dict
    given = {"host": "HOST", "port": "PORT", "user": "USER", "password": "PASSWORD"}
    params = {name: database[setting] for name, setting in given.items() if database[setting]}
    # Another process's matcher, as far as the lock goes: it holds the game's lock.
    with psycopg.connect(dbname=database["NAME"], autocommit=True, **params) as other:
        other.execute("BEGIN")
        other.execute("SELECT pg_advisory_xact_lock(%s)", [key])
        with ThreadPoolExecutor(max_workers=1) as pool:
            waiting = pool.submit(_started, since)
            # Still waiting while the other holds the lock: it has started nothing.
            with pytest.raises(TimeoutError):
                waiting.result(timeout=0.5)
            assert Match.objects.count() == 0
            other.execute("COMMIT")
            assert waiting.result(timeout=10) == 1
