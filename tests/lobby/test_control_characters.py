"""NUL and other control characters in lobby names, chat and codes are clear refusals.

PostgreSQL cannot store NUL in a text column (a 500 before this was checked); these tests
run in both CI passes, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from typing import Any

import pytest
from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator

from games.rules import CATALOGUE
from lobby import services
from lobby.auth import TicketAuthMiddleware, socket_ticket_create
from lobby.models import Lobby, LobbyBan
from lobby.routing import websocket_urlpatterns

application = AuthMiddlewareStack(TicketAuthMiddleware(URLRouter(websocket_urlpatterns)))


@pytest.fixture(autouse=True)
def _local_layer(settings: Any) -> None:
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "game_server.local_layer.LocalChannelLayer"}}


def _arena_form(name: str) -> dict[str, Any]:
    """The lobby form as the page posts it, with this name."""
    game = CATALOGUE["arena"]
    defaults = {f"setting_{setting.name}": setting.default for setting in game.settings}
    return {"name": name, "max_players": 4, "public": "on", **defaults}


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["a\x00b", "bell\x07", "line\nbreak", "c1\x85c1"])
def test_the_api_refuses_a_lobby_name_with_control_characters(alice, api_for, name):
    response = api_for(alice).post("/api/lobbies/", {"game": "arena", "name": name})

    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "BAD_NAME",
        "message": "A lobby name has at most 60 characters and no control characters.",
        "field": "name",
    }
    assert not Lobby.objects.exists()


@pytest.mark.django_db
def test_renaming_to_a_nul_changes_nothing(arena_lobby, alice, api_for):
    response = api_for(alice).post(
        f"/api/lobbies/{arena_lobby.code}/settings/", {"name": "x\x00", "public": False}
    )

    assert response.json()["error"]["code"] == "BAD_NAME"
    arena_lobby.refresh_from_db()
    assert (arena_lobby.name, arena_lobby.is_public) == ("Alice's arena", True)


@pytest.mark.django_db
def test_the_create_page_says_what_is_wrong_with_the_name(client, alice):
    client.force_login(alice)

    nul = client.post("/lobbies/new/?game=arena", _arena_form("a\x00"))
    bell = client.post("/lobbies/new/?game=arena", _arena_form("a\x07"))

    assert nul.status_code == 400
    assert "Null characters are not allowed." in nul.content.decode()
    assert bell.status_code == 400
    assert "no control characters" in bell.content.decode()
    assert not Lobby.objects.exists()


@pytest.mark.django_db
def test_the_settings_form_refuses_a_nul_name(client, arena_lobby, alice):
    client.force_login(alice)

    response = client.post(f"/lobby/{arena_lobby.code}/settings/", _arena_form("\x00"), follow=True)

    assert "Settings not saved. name: Null characters are not allowed." in (
        response.content.decode()
    )
    arena_lobby.refresh_from_db()
    assert arena_lobby.name == "Alice's arena"


@pytest.mark.django_db
def test_api_chat_with_a_nul_is_refused(arena_lobby, alice, api_for):
    response = api_for(alice).post(f"/api/lobbies/{arena_lobby.code}/chat/", {"text": "hi\x00"})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "CHAT_BAD_TEXT"


@pytest.mark.django_db(transaction=True)
async def test_socket_chat_with_a_nul_is_refused(alice):
    lobby = await database_sync_to_async(services.lobby_create)(host=alice, game="arena")
    ticket = await database_sync_to_async(socket_ticket_create)(user=alice)
    communicator = WebsocketCommunicator(application, f"/ws/lobby/{lobby.code}/?ticket={ticket}")
    await communicator.connect()
    await communicator.receive_json_from()

    await communicator.send_json_to({"type": "chat", "text": "\x00"})

    error = await communicator.receive_json_from(timeout=5)
    assert (error["code"], error["message"]) == (
        "CHAT_BAD_TEXT",
        "A chat message cannot contain control characters.",
    )
    await communicator.disconnect()


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["%00", "AAA%00AA", "A" * 300])
def test_a_code_with_a_nul_or_of_no_code_shape_is_not_found(client, alice, api_for, code):
    client.force_login(alice)

    invite = client.get(f"/l/{code}/")
    detail = api_for(alice).get(f"/api/lobbies/{code}/")
    join = api_for(alice).post(f"/api/lobbies/{code}/join/")
    page = client.get(f"/lobby/{code}/")

    assert invite.status_code == 404
    assert "There is no open lobby with that code." in invite.content.decode()
    assert detail.json()["error"]["code"] == "LOBBY_NOT_FOUND"
    assert join.json()["error"]["code"] == "LOBBY_NOT_FOUND"
    assert page.status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    "game_settings", [{"move_seconds\x00": 1}, {"on_timeout": "skip\x00"}], ids=["name", "value"]
)
def test_a_nul_in_game_settings_is_bad_settings(alice, api_for, game_settings):
    body = {"game": "connect_four", "settings": game_settings}

    response = api_for(alice).post("/api/lobbies/", body)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "BAD_SETTINGS"


@pytest.mark.django_db
def test_the_list_filtered_by_a_game_with_a_nul_is_empty(client, arena_lobby):
    response = client.get("/api/lobbies/?game=arena%00")

    assert response.json() == {"lobbies": []}


@pytest.mark.django_db
def test_a_kick_naming_no_number_is_refused_on_the_page(client, arena_lobby, alice):
    client.force_login(alice)

    response = client.post(f"/lobby/{arena_lobby.code}/kick/", {"user_id": "1\x00"}, follow=True)

    assert "&#x27;user_id&#x27; has the wrong type." in response.content.decode()
    assert not LobbyBan.objects.exists()


@pytest.mark.django_db
def test_the_join_form_with_a_nul_asks_for_a_code(client, alice):
    client.force_login(alice)

    response = client.post("/lobbies/join/", {"code": "AB\x00"}, follow=True)

    assert "Enter a lobby code." in response.content.decode()


@pytest.mark.django_db(transaction=True)
async def test_a_lobby_socket_url_with_a_nul_is_not_found(alice):
    ticket = await database_sync_to_async(socket_ticket_create)(user=alice)
    communicator = WebsocketCommunicator(application, f"/ws/lobby/AB%00CD/?ticket={ticket}")
    await communicator.connect()

    assert (await communicator.receive_json_from(timeout=5))["code"] == "LOBBY_NOT_FOUND"
    await communicator.disconnect()
