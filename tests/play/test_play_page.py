from __future__ import annotations

import uuid

import pytest
from django.test import Client

from games.models import Match
from games.services import match_create
from lobby.models import LobbyBan
from lobby.services import lobby_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def match(alice: object, bob: object) -> object:
    return match_create(game="arena", settings={}, players=[alice, bob])


def test_it_renders_for_a_seated_player(client: Client, alice: object, match: object) -> None:
    client.force_login(alice)
    response = client.get(f"/play/{match.pk}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert f'data-match-id="{match.pk}"' in page
    assert 'data-game="arena"' in page
    assert f'data-player-id="{alice.pk}"' in page
    assert f'data-ws-url="ws://testserver/ws/play/{match.pk}/"' in page
    assert "js/play.js" in page


def test_it_loads_the_browser_module_of_the_matchs_game(
    client: Client, alice: object, bob: object
) -> None:
    match = match_create(game="connect_four", settings={}, players=[alice, bob])
    client.force_login(alice)
    page = client.get(f"/play/{match.pk}/").content.decode()
    assert 'data-renderer-url="/static/js/games/connect_four.js"' in page
    assert '<link rel="modulepreload" href="/static/js/games/connect_four.js">' in page


def test_a_game_no_longer_on_offer_is_named_but_not_loaded(
    client: Client, settings: object, alice: object, match: object
) -> None:
    settings.GAMES = ["games.rules.connect_four"]
    client.force_login(alice)
    page = client.get(f"/play/{match.pk}/").content.decode()
    assert 'data-game="arena"' in page
    assert "data-renderer-url" not in page
    assert "js/games/" not in page


def test_it_renders_for_the_second_seat_too(client: Client, bob: object, match: object) -> None:
    client.force_login(bob)
    assert client.get(f"/play/{match.pk}/").status_code == 200


def test_it_is_404_for_an_unknown_match(client: Client, alice: object) -> None:
    client.force_login(alice)
    assert client.get(f"/play/{uuid.uuid4()}/").status_code == 404


def test_it_tells_an_unseated_user_they_have_no_seat(
    client: Client, django_user_model: type, match: object
) -> None:
    carol = django_user_model.objects.create_user(username="carol", password="x" * 20)
    client.force_login(carol)
    response = client.get(f"/play/{match.pk}/")
    page = response.content.decode()
    assert response.status_code == 403
    assert "You do not have a seat in this game" in page
    assert "js/play.js" not in page


def _lobby_match(alice: object, bob: object, *, allow_spectators: bool) -> Match:
    lobby = lobby_create(host=alice, game="arena", allow_spectators=allow_spectators)
    return match_create(game="arena", settings={}, players=[alice, bob], lobby=lobby)


def test_it_lets_a_spectator_watch_when_the_lobby_allows_it(
    client: Client, alice: object, bob: object, carol: object
) -> None:
    match = _lobby_match(alice, bob, allow_spectators=True)
    client.force_login(carol)
    response = client.get(f"/play/{match.pk}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert '<p class="play-watching">Watching</p>' in page
    assert f'data-ws-url="ws://testserver/ws/play/{match.pk}/"' in page
    assert "js/play.js" in page


def test_a_seated_player_is_not_shown_as_watching(
    client: Client, alice: object, bob: object
) -> None:
    match = _lobby_match(alice, bob, allow_spectators=True)
    client.force_login(bob)
    assert "play-watching" not in client.get(f"/play/{match.pk}/").content.decode()


@pytest.mark.parametrize(
    ("allow_spectators", "kicked"), [(False, False), (True, True)], ids=["not_allowed", "kicked"]
)
def test_it_refuses_a_user_the_lobby_does_not_let_watch(
    client: Client, alice: object, bob: object, carol: object, allow_spectators: bool, kicked: bool
) -> None:
    match = _lobby_match(alice, bob, allow_spectators=allow_spectators)
    if kicked:
        LobbyBan.objects.create(lobby=match.lobby, user=carol)
    client.force_login(carol)
    response = client.get(f"/play/{match.pk}/")
    assert response.status_code == 403
    assert "js/play.js" not in response.content.decode()


def test_it_requires_log_in(client: Client, match: object) -> None:
    response = client.get(f"/play/{match.pk}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
