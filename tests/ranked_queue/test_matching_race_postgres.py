"""Two matchers at once on PostgreSQL, as two server processes would run them: a dozen
queued players, six matches, nobody in two."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from games.models import Match, MatchPlayer
from ranked.models import QueueEntry
from ranked.services import queue_match

MATCHERS = 4


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_matchers_put_nobody_in_two_matches(queued, since) -> None:
    users = queued([1000 + 10 * number for number in range(12)])
    barrier = threading.Barrier(MATCHERS)

    def match() -> int:
        try:
            barrier.wait()
            return len(queue_match(game="connect_four", now=since))
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=MATCHERS) as pool:
        started = [future.result() for future in [pool.submit(match) for _ in range(MATCHERS)]]

    assert sum(started) == Match.objects.count() == 6
    seats = Counter(MatchPlayer.objects.values_list("user_id", flat=True))
    assert seats == Counter({user.pk: 1 for user in users})
    assert not QueueEntry.objects.filter(match__isnull=True).exists()
