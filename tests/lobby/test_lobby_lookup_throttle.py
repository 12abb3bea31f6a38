"""Trying lobby codes is throttled per client address; members of a lobby are not counted."""

from __future__ import annotations

from typing import Any

import pytest
from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator

from lobby import services
from lobby.auth import TicketAuthMiddleware, socket_ticket_create
from lobby.consumers import CLOSE_TOO_MANY
from lobby.models import Lobby
from lobby.routing import websocket_urlpatterns

application = AuthMiddlewareStack(TicketAuthMiddleware(URLRouter(websocket_urlpatterns)))
WAIT = "Too many lobby codes tried from your address. Wait a minute and try again."


@pytest.fixture(autouse=True)
def _three_lookups(settings: Any) -> None:
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "game_server.local_layer.LocalChannelLayer"}}
    settings.LOBBY_LOOKUPS_PER_ADDRESS_PER_MINUTE = 3


@pytest.fixture
def private_lobby(alice) -> Lobby:
    return services.lobby_create(host=alice, game="arena", is_public=False)


def _spend_budget(client: Any, **headers: str) -> None:
    for code in ("XXXXXX", "YYYYYY", "MMMMMM"):
        assert client.get(f"/l/{code}/", headers=headers).status_code == 404


@pytest.mark.django_db
def test_the_invite_page_says_to_wait_even_for_a_real_code(client, private_lobby):
    _spend_budget(client)

    response = client.get(f"/l/{private_lobby.code}/")

    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    page = response.content.decode()
    assert "Wait a minute" in page
    assert WAIT in page
    assert private_lobby.name not in page


@pytest.mark.django_db
def test_a_forged_forwarded_for_does_not_reset_the_budget(client, private_lobby, settings):
    settings.BEHIND_PROXY = False
    for number in range(3):
        forged = {"X-Forwarded-For": f"10.0.0.{number}"}
        assert client.get("/l/XXXXXX/", headers=forged).status_code == 404

    response = client.get(f"/l/{private_lobby.code}/", headers={"X-Forwarded-For": "10.9.9.9"})

    assert response.status_code == 429


@pytest.mark.django_db
def test_behind_a_proxy_each_client_address_has_its_own_budget(client, private_lobby, settings):
    settings.BEHIND_PROXY = True
    _spend_budget(client, **{"X-Forwarded-For": "203.0.113.5"})

    other = client.get(f"/l/{private_lobby.code}/", headers={"X-Forwarded-For": "203.0.113.6"})
    same = client.get(f"/l/{private_lobby.code}/", headers={"X-Forwarded-For": "203.0.113.5"})

    assert (other.status_code, same.status_code) == (200, 429)


@pytest.mark.django_db
def test_the_api_shares_the_budget_and_says_rate_limited(client, private_lobby, bob, api_for):
    _spend_budget(client)

    response = api_for(bob).get(f"/api/lobbies/{private_lobby.code}/")

    assert response.status_code == 429
    error = response.json()["error"]
    assert {"code": error["code"], "message": error["message"]} == {
        "code": "RATE_LIMITED",
        "message": WAIT,
    }
    assert 1 <= error["retry_after"] == int(response["Retry-After"]) <= 60


@pytest.mark.django_db
def test_joining_by_code_is_counted_on_the_api_and_the_page(client, private_lobby, bob, api_for):
    _spend_budget(client)
    client.force_login(bob)

    api = api_for(bob).post(f"/api/lobbies/{private_lobby.code}/join/")
    form = client.post("/lobbies/join/", {"code": private_lobby.code})
    invite = client.post(f"/l/{private_lobby.code}/join/")

    assert (api.status_code, form.status_code, invite.status_code) == (429, 429, 429)
    assert WAIT in form.content.decode()
    assert not private_lobby.memberships.filter(user=bob).exists()


@pytest.mark.django_db
def test_a_members_own_lobby_is_not_counted(client, private_lobby, alice, api_for):
    client.force_login(alice)
    api = api_for(alice)

    for _ in range(5):
        assert client.get(f"/lobby/{private_lobby.code}/state/").status_code == 200
        assert api.get(f"/api/lobbies/{private_lobby.code}/").status_code == 200
    stranger = client.get("/l/XXXXXX/")

    assert stranger.status_code == 404


@pytest.mark.django_db(transaction=True)
async def test_a_socket_trying_codes_is_closed_with_too_many(bob):
    answers = []
    for code in ("XXXXXX", "YYYYYY", "MMMMMM", "NNNNNN"):
        ticket = await database_sync_to_async(socket_ticket_create)(user=bob)
        communicator = WebsocketCommunicator(application, f"/ws/lobby/{code}/?ticket={ticket}")
        await communicator.connect()
        answers.append((await communicator.receive_json_from(timeout=5))["code"])
        closed = await communicator.receive_output(timeout=5)

    assert answers == ["LOBBY_NOT_FOUND"] * 3 + ["RATE_LIMITED"]
    assert closed["code"] == CLOSE_TOO_MANY
