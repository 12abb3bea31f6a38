"""The leaderboard pages: the best 100 rated players of a game, provisional players left
out, and the viewer's own place wherever it is."""

from __future__ import annotations

import pytest
from django.test import Client

from lobby.models import User
from ratings.services import LEADERBOARD_SIZE, leaderboard
from tests.ratings.conftest import rated

pytestmark = pytest.mark.django_db


def _crowd(count: int) -> list[User]:
    """Rated arena players, the first the best: mu 40 down by steps of 0.1."""
    users = User.objects.bulk_create(
        User(username=f"player{index}", display_name=f"Player {index}") for index in range(count)
    )
    for index, user in enumerate(users):
        rated(user, mu=40 - index / 10)
    return users


def test_players_are_listed_best_first_with_their_places(client: Client, alice, bob, carol):
    rated(alice, mu=30)
    rated(bob, mu=35)
    rated(carol, mu=20)
    board = client.get("/leaderboards/arena/").context["board"]
    names = [(entry.place, entry.name) for entry in board.players]
    assert names == [(1, "Bob"), (2, "Alice"), (3, "Carol")]


def test_equal_ratings_share_a_place(alice, bob, carol, dave) -> None:
    for user, mu in ((alice, 30), (bob, 28), (carol, 28), (dave, 20)):
        rated(user, mu=mu)
    board = leaderboard(game="arena", user=None)
    assert [entry.place for entry in board.players] == [1, 2, 2, 4]


def test_provisional_players_are_not_listed(settings, alice, bob) -> None:
    settings.RATING_PROVISIONAL_GAMES = 5
    rated(alice, mu=30, games=5)
    rated(bob, mu=45, games=4)
    board = leaderboard(game="arena", user=None)
    assert [entry.name for entry in board.players] == ["Alice"]


def test_a_provisional_player_is_told_their_rating_and_how_many_games_to_go(
    settings, client: Client, alice
) -> None:
    settings.RATING_PROVISIONAL_GAMES = 5
    rating = rated(alice, mu=30, games=2)
    client.force_login(alice)
    response = client.get("/leaderboards/arena/")
    you = response.context["board"].you
    assert (you.provisional, you.place, you.games_to_go) == (True, None, 3)
    text = response.content.decode()
    assert f"Your rating is {rating.displayed} after 2 rated matches" in text
    assert "play 3 more rated matches to appear here" in text


def test_only_the_best_hundred_are_listed(client: Client) -> None:
    _crowd(LEADERBOARD_SIZE + 5)
    board = client.get("/leaderboards/arena/").context["board"]
    assert len(board.players) == LEADERBOARD_SIZE
    assert board.players[-1].name == f"Player {LEADERBOARD_SIZE - 1}"


def test_a_player_beyond_the_hundred_sees_their_own_place(client: Client, alice) -> None:
    _crowd(LEADERBOARD_SIZE + 5)
    rating = rated(alice, mu=10)
    client.force_login(alice)
    response = client.get("/leaderboards/arena/")
    you = response.context["board"].you
    assert (you.place, you.rating) == (LEADERBOARD_SIZE + 6, rating.displayed)
    assert response.context["listed"] is False
    text = response.content.decode()
    assert f"You are in place {LEADERBOARD_SIZE + 6} with a rating of {rating.displayed}" in text
    assert '<tr class="you" aria-current="true">' in text


def test_a_listed_player_sees_their_own_row_marked(client: Client, alice, bob) -> None:
    rated(alice, mu=30)
    rated(bob, mu=35)
    client.force_login(alice)
    response = client.get("/leaderboards/arena/")
    assert response.context["listed"] is True
    assert response.content.decode().count('class="you"') == 1
    assert "Alice (you)" in response.content.decode()


def test_each_game_has_its_own_leaderboard(alice, bob) -> None:
    rated(alice, mu=30, game="arena")
    rated(bob, mu=30, game="connect_four")
    names = [entry.name for entry in leaderboard(game="connect_four", user=None).players]
    assert names == ["Bob"]


def test_an_unknown_game_has_no_leaderboard_page(client: Client) -> None:
    assert client.get("/leaderboards/chess/").status_code == 404


def test_the_list_of_leaderboards_shows_each_games_leaders(client: Client, alice) -> None:
    rated(alice, mu=30, game="connect_four")
    text = client.get("/leaderboards/").content.decode()
    assert "Alice: " in text
    for game in ("arena", "connect_four"):
        assert f'href="/leaderboards/{game}/"' in text


def test_every_page_links_to_the_leaderboards(client: Client) -> None:
    assert 'href="/leaderboards/"' in client.get("/").content.decode()


def test_the_leaderboard_costs_the_same_queries_for_one_player_or_a_hundred(
    client: Client, django_assert_max_num_queries, alice
) -> None:
    _crowd(LEADERBOARD_SIZE + 5)
    rated(alice, mu=10)
    client.force_login(alice)
    # The session and its user, then the top, the viewer's rating and their place.
    with django_assert_max_num_queries(5):
        client.get("/leaderboards/arena/")
