"""Bots are never rated: a match against bots alone rates nobody, and the people of a
match with bots are rated among themselves."""

from __future__ import annotations

import pytest

from games.rules.base import Result
from games.services import match_create, match_finish
from ratings.models import Rating, RatingChange
from ratings.services import leaderboard

pytestmark = pytest.mark.django_db


def test_a_win_against_the_bot_is_not_rated(alice) -> None:
    match = match_create(game="connect_four", settings={}, players=[alice], bots=["hard"])
    result = Result(placements={str(alice.pk): 1, "bot1": 2}, scores={}, reason="four_in_a_row")
    assert match_finish(match_id=str(match.pk), result=result)
    assert not Rating.objects.exists()
    assert not RatingChange.objects.exists()


def test_people_of_a_match_with_bots_are_rated_among_themselves(alice, bob) -> None:
    match = match_create(game="arena", settings={}, players=[alice, bob], bots=["normal"])
    placements = {"bot2": 1, str(bob.pk): 2, str(alice.pk): 3}
    match_finish(match_id=str(match.pk), result=Result(placements, {}, "time_up"))
    changes = {change.user: change for change in RatingChange.objects.select_related("user")}
    assert set(changes) == {alice, bob}
    assert changes[bob].mu_after > changes[alice].mu_after


def test_bots_never_appear_on_a_leaderboard(settings, alice, bob) -> None:
    settings.RATING_PROVISIONAL_GAMES = 1
    match = match_create(game="arena", settings={}, players=[alice, bob], bots=["normal"])
    placements = {"bot2": 1, str(bob.pk): 2, str(alice.pk): 3}
    match_finish(match_id=str(match.pk), result=Result(placements, {}, "time_up"))
    board = leaderboard(game="arena", user=None)
    assert [entry.name for entry in board.players] == [str(bob), str(alice)]
