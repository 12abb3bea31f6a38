"""The play page gives the lobby's host what removing a spectator takes: the lobby's kick
URL and the session's CSRF token, which the kick accepts. Nobody else gets them."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from games.services import match_create
from lobby import services
from lobby.models import Lobby, LobbyBan

pytestmark = pytest.mark.django_db


@pytest.fixture
def lobby(alice: object, bob: object) -> Lobby:
    """Alice hosts a lobby that allows spectators, in a game with Bob."""
    lobby = services.lobby_create(host=alice, game="connect_four", allow_spectators=True)
    services.lobby_join(code=lobby.code, user=bob)
    services.lobby_set_ready(lobby=lobby, user=bob, ready=True)
    services.lobby_start(lobby=lobby, user=alice)
    return lobby


def _page(client: Client, lobby: Lobby) -> str:
    match = services.current_match(lobby)
    response = client.get(f"/play/{match.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def _data(page: str, name: str) -> str | None:
    found = re.search(rf'data-{name}="([^"]*)"', page)
    return found[1] if found else None


def test_the_hosts_page_has_the_lobbys_kick_and_a_csrf_token(
    client: Client, alice: object, lobby: Lobby
) -> None:
    client.force_login(alice)
    page = _page(client, lobby)
    assert _data(page, "kick-url") == f"/api/lobbies/{lobby.code}/kick/"
    assert _data(page, "csrf-token")


@pytest.mark.parametrize("viewer", ["bob", "carol"], ids=["player", "spectator"])
def test_a_page_of_someone_not_the_host_cannot_remove_anyone(
    client: Client, lobby: Lobby, viewer: str, request: pytest.FixtureRequest
) -> None:
    client.force_login(request.getfixturevalue(viewer))
    page = _page(client, lobby)
    assert _data(page, "kick-url") is None
    assert _data(page, "csrf-token") is None


def test_a_match_without_a_lobby_has_no_one_to_remove_spectators(
    client: Client, alice: object, bob: object
) -> None:
    match = match_create(game="arena", settings={}, players=[alice, bob])
    client.force_login(alice)
    page = client.get(f"/play/{match.pk}/").content.decode()
    assert 'id="play-spectators"' in page
    assert _data(page, "kick-url") is None


def test_the_kick_takes_the_pages_token_and_removes_a_spectator(
    alice: object, carol: object, lobby: Lobby
) -> None:
    host = Client(enforce_csrf_checks=True)
    host.force_login(alice)
    page = _page(host, lobby)
    response = host.post(
        _data(page, "kick-url"),
        {"user_id": carol.pk},
        content_type="application/json",
        headers={"X-CSRFToken": _data(page, "csrf-token")},
    )
    assert response.status_code == 200, response.content
    assert LobbyBan.objects.filter(lobby=lobby, user=carol).exists()


def test_the_kick_without_the_token_is_refused(alice: object, carol: object, lobby: Lobby) -> None:
    host = Client(enforce_csrf_checks=True)
    host.force_login(alice)
    page = _page(host, lobby)
    response = host.post(
        _data(page, "kick-url"), {"user_id": carol.pk}, content_type="application/json"
    )
    assert (response.status_code, response.json()["error"]["code"]) == (403, "CSRF_FAILED")
    assert not LobbyBan.objects.filter(lobby=lobby, user=carol).exists()
