"""The profile page shows the player's rating in each game and what each rated match
did to it."""

from __future__ import annotations

import pytest
from django.test import Client

from ratings.models import Rating, RatingChange

pytestmark = pytest.mark.django_db


def _profile(client: Client, user) -> str:
    client.force_login(user)
    return client.get("/accounts/profile/").content.decode()


def test_each_match_shows_the_change_it_made(client: Client, ended, alice, bob) -> None:
    match = ended([alice, bob], {alice: 1, bob: 2})
    won = RatingChange.objects.get(match=match, user=alice)
    lost = RatingChange.objects.get(match=match, user=bob)
    assert won.change > 0 > lost.change
    assert f'<td class="number rating-change">+{won.change}</td>' in _profile(client, alice)
    assert f'<td class="number rating-change">\N{MINUS SIGN}{-lost.change}</td>' in _profile(
        client, bob
    )


def test_the_rating_of_each_game_shows_with_a_link_to_its_leaderboard(
    client: Client, ended, alice, bob
) -> None:
    ended([alice, bob], {alice: 1, bob: 2}, game="arena")
    ended([alice, bob], {alice: 2, bob: 1})
    page = _profile(client, alice)
    for game in ("arena", "connect_four"):
        rating = Rating.objects.get(user=alice, game=game)
        assert f'<td class="number">{rating.displayed}</td>' in page
        assert f'href="/leaderboards/{game}/"' in page


def test_a_provisional_rating_says_how_many_matches_are_to_go(
    settings, client: Client, ended, alice, bob
) -> None:
    settings.RATING_PROVISIONAL_GAMES = 3
    ended([alice, bob], {alice: 1, bob: 2})
    assert "Provisional: 2 more rated matches to be listed" in _profile(client, alice)


def test_the_newest_rated_match_comes_first(client: Client, ended, alice, bob, carol) -> None:
    ended([alice, bob], {alice: 1, bob: 2})
    ended([alice, carol], {alice: 2, carol: 1}, game="arena")
    page = _profile(client, alice)
    rated_matches = page[page.index("<h3>Rated matches</h3>") :]
    assert rated_matches.index("Arena") < rated_matches.index("Connect Four")


def test_a_player_without_a_rating_is_told_how_to_get_one(client: Client, alice) -> None:
    assert "No rating yet." in _profile(client, alice)
