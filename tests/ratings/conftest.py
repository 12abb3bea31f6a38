"""Matches that end as the engine ends them, and rating rows made to order."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.utils import timezone

from games.models import Match, MatchPlayer
from games.rules.base import Result
from games.services import match_create
from games.signals import match_ended
from lobby.models import User
from ratings.models import Rating
from ratings.services import displayed

Ended = Callable[..., Match]


def record_end(
    players: list[User],
    placements: dict[User, int],
    *,
    game: str = "connect_four",
    state: str = Match.State.FINISHED,
) -> Match:
    """A match of the players, in seat order, whose end is recorded (state and each
    player's placement) but not yet announced."""
    match = match_create(game=game, settings={}, players=players)
    match.state, match.reason, match.ended_at = state, "test", timezone.now()
    match.save(update_fields=["state", "reason", "ended_at"])
    for user, place in placements.items():
        MatchPlayer.objects.filter(match=match, user=user).update(placement=place)
    return match


def announce(match: Match) -> None:
    """What the engine does once the end is committed."""
    players = match.players.select_related("user")
    result = Result(
        placements={str(p.user_id): p.placement for p in players if p.placement is not None},
        scores={},
        reason=match.reason,
    )
    match_ended.send(sender=Match, match=match, result=result)


@pytest.fixture
def ended() -> Ended:
    """Records a match's end and announces it."""

    def end(players: list[User], placements: dict[User, int], **options: str) -> Match:
        match = record_end(players, placements, **options)
        announce(match)
        return match

    return end


def rated(
    user: User, *, mu: float, sigma: float = 2.0, games: int = 10, game: str = "arena"
) -> Rating:
    return Rating.objects.create(
        user=user, game=game, mu=mu, sigma=sigma, displayed=displayed(mu, sigma), games_rated=games
    )
