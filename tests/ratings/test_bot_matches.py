"""Bots are never rated, and neither are their matches: a match with a bot in it rates
nobody, whoever else played; bots never reach a leaderboard."""

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


def test_a_match_of_two_people_and_a_bot_rates_nobody(alice, bob) -> None:
    match = match_create(game="arena", settings={}, players=[alice, bob], bots=["normal"])
    placements = {"bot2": 1, str(bob.pk): 2, str(alice.pk): 3}
    assert match_finish(match_id=str(match.pk), result=Result(placements, {}, "time_up"))
    assert not Rating.objects.exists()
    assert not RatingChange.objects.exists()


def test_bots_never_appear_on_a_leaderboard(settings, alice, bob, carol) -> None:
    settings.RATING_PROVISIONAL_GAMES = 1
    people = match_create(game="arena", settings={}, players=[alice, bob], bots=[])
    placements = {str(bob.pk): 1, str(alice.pk): 2}
    match_finish(match_id=str(people.pk), result=Result(placements, {}, "time_up"))
    with_bot = match_create(game="arena", settings={}, players=[carol], bots=["normal"])
    match_finish(
        match_id=str(with_bot.pk),
        result=Result({"bot1": 2, str(carol.pk): 1}, {}, "time_up"),
    )
    board = leaderboard(game="arena", user=None)
    assert [entry.name for entry in board.players] == [str(bob), str(alice)]
