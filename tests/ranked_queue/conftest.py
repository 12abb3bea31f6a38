"""Queued players made to order: users with a shown rating, in a game's queue since a
pinned moment."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest
from django.utils import timezone

from lobby.models import User
from ranked.models import QueueEntry
from ranked.services import queue_join
from ratings.models import Rating

Queued = Callable[..., list[User]]


@pytest.fixture
def since() -> datetime:
    """When the players joined: the clock every test pins its `now` to."""
    return timezone.now().replace(microsecond=0)


@pytest.fixture
def queued(since, fresh_cache) -> Queued:
    """Users of these shown ratings, queued for `game` at `since`, present then."""

    def make(ratings: list[int], *, game: str = "connect_four", prefix: str = "p") -> list[User]:
        users = []
        for number, shown in enumerate(ratings):
            user = User.objects.create_user(
                username=f"{prefix}{number}", display_name=f"{prefix.upper()}{number}"
            )
            Rating.objects.create(user=user, game=game, mu=25, sigma=8, displayed=shown)
            queue_join(user=user, game=game)
            users.append(user)
        QueueEntry.objects.filter(user__in=users).update(joined_at=since, seen_at=since)
        return users

    return make
