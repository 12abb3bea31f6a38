"""`GET /api/leaderboards/<game>/`: the leaderboard as JSON, with `you` for a caller who
says who they are."""

from __future__ import annotations

import pytest
from django.test import Client

from lobby.services import api_token_create
from tests.ratings.conftest import rated

pytestmark = pytest.mark.django_db


def test_it_returns_the_listed_players_and_no_standing_for_an_anonymous_caller(
    settings, client: Client, alice, bob
) -> None:
    settings.RATING_PROVISIONAL_GAMES = 5
    alice_rating = rated(alice, mu=30)
    rated(bob, mu=35, games=1)
    response = client.get("/api/leaderboards/arena/")
    assert response.status_code == 200
    assert response.json() == {
        "game": "arena",
        "game_name": "Arena",
        "provisional_games": 5,
        "players": [
            {
                "place": 1,
                "user_id": alice.pk,
                "name": "Alice",
                "guest": False,
                "rating": alice_rating.displayed,
                "games": 10,
            }
        ],
        "you": None,
    }


def test_a_signed_in_caller_gets_their_standing(settings, client: Client, alice) -> None:
    settings.RATING_PROVISIONAL_GAMES = 5
    rating = rated(alice, mu=30, games=3)
    you = signed_in(client, alice).get("/api/leaderboards/arena/").json()["you"]
    assert you == {
        "place": None,
        "rating": rating.displayed,
        "games": 3,
        "provisional": True,
        "games_to_go": 2,
    }


def test_a_token_says_who_the_caller_is(client: Client, alice) -> None:
    rated(alice, mu=30)
    token = api_token_create(user=alice)
    response = client.get("/api/leaderboards/arena/", headers={"Authorization": f"Bearer {token}"})
    assert response.json()["you"]["place"] == 1


def test_a_bad_token_is_refused(client: Client) -> None:
    response = client.get(
        "/api/leaderboards/arena/", headers={"Authorization": "Bearer not-a-token"}
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "BAD_TOKEN"


def test_an_unknown_game_is_not_found(client: Client) -> None:
    response = client.get("/api/leaderboards/chess/")
    assert response.status_code == 404
    assert response.json() == {
        "error": {"code": "GAME_NOT_FOUND", "message": "No game is called 'chess'."}
    }


def signed_in(client: Client, user) -> Client:
    client.force_login(user)
    return client
