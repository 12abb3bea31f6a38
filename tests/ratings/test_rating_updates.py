"""A finished match with at least two people rates each of them once (openskill's
Plackett-Luce model over their placements, ties included); other matches rate nobody."""

from __future__ import annotations

import pytest

from games.models import Match
from games.rules.base import Result
from games.services import match_create, match_finish
from ratings.models import Rating, RatingChange
from ratings.services import MODEL, displayed
from tests.ratings.conftest import announce, record_end

pytestmark = pytest.mark.django_db


def _rating(user, game: str = "connect_four") -> Rating:
    return Rating.objects.get(user=user, game=game)


def test_the_winner_goes_up_and_the_loser_down(ended, alice, bob) -> None:
    ended([alice, bob], {alice: 1, bob: 2})
    winner, loser = _rating(alice), _rating(bob)
    assert winner.mu > MODEL.mu > loser.mu
    assert winner.displayed > displayed(MODEL.mu, MODEL.sigma) > loser.displayed
    assert (winner.games_rated, loser.games_rated) == (1, 1)


def test_the_seat_order_does_not_decide_who_won(ended, alice, bob) -> None:
    ended([alice, bob], {alice: 2, bob: 1})
    assert _rating(bob).mu > _rating(alice).mu


def test_a_draw_moves_equal_players_equally_and_keeps_them_level(ended, alice, bob) -> None:
    ended([alice, bob], {alice: 1, bob: 1})
    first, second = _rating(alice), _rating(bob)
    assert first.mu == pytest.approx(MODEL.mu) == pytest.approx(second.mu)
    assert first.sigma == second.sigma < MODEL.sigma


def test_a_four_player_arena_match_orders_everyone_and_ties_share_a_result(
    ended, alice, bob, carol, dave
) -> None:
    ended([alice, bob, carol, dave], {carol: 1, alice: 2, dave: 2, bob: 4}, game="arena")
    mu = {user: _rating(user, "arena").mu for user in (alice, bob, carol, dave)}
    assert mu[carol] > mu[alice] > mu[bob]
    assert mu[alice] == pytest.approx(mu[dave])


def test_the_change_of_each_player_is_kept_with_the_match(ended, alice, bob) -> None:
    match = ended([alice, bob], {alice: 1, bob: 2})
    change = RatingChange.objects.get(match=match, user=alice)
    rating = _rating(alice)
    assert (change.mu_before, change.sigma_before) == (MODEL.mu, MODEL.sigma)
    assert (change.mu_after, change.sigma_after) == (rating.mu, rating.sigma)
    assert change.displayed_after == rating.displayed
    assert change.change == rating.displayed - displayed(MODEL.mu, MODEL.sigma) > 0


def test_an_aborted_match_rates_nobody(ended, alice, bob) -> None:
    ended([alice, bob], {alice: 1, bob: 2}, state=Match.State.ABORTED)
    assert not Rating.objects.exists()
    assert not RatingChange.objects.exists()


def test_a_match_with_one_person_rates_nobody(ended, alice) -> None:
    ended([alice], {alice: 1}, game="arena")
    assert not Rating.objects.exists()


def test_only_placed_players_count_toward_the_two(ended, alice, bob) -> None:
    ended([alice, bob], {alice: 1})
    assert not Rating.objects.exists()


def test_a_match_announced_twice_is_rated_once(alice, bob) -> None:
    match = record_end([alice, bob], {alice: 1, bob: 2})
    announce(match)
    after_first = _rating(alice)
    announce(match)
    assert _rating(alice).mu == after_first.mu
    assert _rating(alice).games_rated == 1
    assert RatingChange.objects.filter(match=match).count() == 2


def test_each_match_builds_on_the_rating_the_last_one_left(ended, alice, bob) -> None:
    first = ended([alice, bob], {alice: 1, bob: 2})
    second = ended([alice, bob], {alice: 1, bob: 2})
    before = RatingChange.objects.get(match=first, user=alice)
    after = RatingChange.objects.get(match=second, user=alice)
    assert after.mu_before == before.mu_after
    assert after.displayed_after > after.displayed_before == before.displayed_after
    assert _rating(alice).games_rated == 2


def test_a_new_rating_is_provisional_for_its_first_games(settings, ended, alice, bob) -> None:
    settings.RATING_PROVISIONAL_GAMES = 3
    for played in range(1, 4):
        ended([alice, bob], {alice: 1, bob: 2})
        assert _rating(alice).provisional is (played < 3)
    assert _rating(alice).games_to_go == 0


def test_a_match_the_engine_finishes_is_rated(alice, bob) -> None:
    match = match_create(game="connect_four", settings={}, players=[alice, bob])
    result = Result(
        placements={str(alice.pk): 2, str(bob.pk): 1}, scores={}, reason="four_in_a_row"
    )
    assert match_finish(match_id=match.pk, result=result)
    assert _rating(bob).mu > _rating(alice).mu
    assert RatingChange.objects.filter(match=match).count() == 2


def test_a_match_the_engine_aborts_is_not_rated(alice, bob) -> None:
    match = match_create(game="connect_four", settings={}, players=[alice, bob])
    result = Result(placements={}, scores={}, reason="ended_by_staff")
    assert match_finish(match_id=match.pk, result=result, aborted=True)
    assert not Rating.objects.exists()
