"""Private lobbies never show where a stranger can see them: the list socket, API and page."""

from __future__ import annotations

import json
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator

from lobby import services
from lobby.models import Lobby, User
from lobby.routing import websocket_urlpatterns

# Anyone may open the list socket: no session, no token.
application = URLRouter(websocket_urlpatterns)


@pytest.fixture(autouse=True)
def _local_layer(settings: Any) -> None:
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "game_server.local_layer.LocalChannelLayer"}}


async def _frames_until_listed(watcher: WebsocketCommunicator, code: str) -> list[str]:
    """Every frame the watcher got, up to the row of the public lobby with this code.

    Frames reach one socket in the order they were sent, so everything sent before that
    row has arrived by then.
    """
    frames = []
    for _ in range(50):
        frame = await watcher.receive_from(timeout=5)
        frames.append(frame)
        if json.loads(frame)["lobby"].get("code") == code:
            return frames
    raise AssertionError("the public lobby's row never came")


def _private_lobby_lives_and_closes(alice: User, bob: User) -> Lobby:
    lobby = services.lobby_create(host=alice, game="arena", name="Secret arena", is_public=False)
    services.lobby_join(code=lobby.code, user=bob)
    services.lobby_update_settings(lobby=lobby, user=alice, name="Secret arena 2")
    services.lobby_set_ready(lobby=lobby, user=bob, ready=True)
    services.lobby_start(lobby=lobby, user=alice)
    services.lobby_match_ended(lobby_id=lobby.pk)
    services.lobby_leave(lobby=lobby, user=bob)
    services.lobby_close(lobby=lobby, user=alice)
    return lobby


@pytest.mark.django_db(transaction=True)
async def test_the_list_socket_never_shows_a_private_lobby(alice, bob, carol):
    watcher = WebsocketCommunicator(application, "/ws/lobbies/")
    assert (await watcher.connect())[0]
    private = await database_sync_to_async(_private_lobby_lives_and_closes)(alice, bob)
    marker = await database_sync_to_async(services.lobby_create)(host=carol, game="arena")

    frames = await _frames_until_listed(watcher, marker.code)

    for frame in frames:
        assert private.code not in frame
        assert "Secret arena" not in frame
    assert len(frames) == 1
    await watcher.disconnect()


def _goes_private(lobby: Lobby, alice: User, bob: User) -> None:
    services.lobby_update_settings(lobby=lobby, user=alice, is_public=False)
    services.lobby_join(code=lobby.code, user=bob)
    services.lobby_update_settings(lobby=lobby, user=alice, name="Now hidden")


@pytest.mark.django_db(transaction=True)
async def test_a_lobby_turning_private_leaves_the_list_by_its_row_id_alone(alice, bob, carol):
    lobby = await database_sync_to_async(services.lobby_create)(host=alice, game="arena")
    row_id = services.list_row_id(lobby)
    watcher = WebsocketCommunicator(application, "/ws/lobbies/")
    assert (await watcher.connect())[0]
    await database_sync_to_async(_goes_private)(lobby, alice, bob)
    marker = await database_sync_to_async(services.lobby_create)(host=carol, game="arena")

    frames = await _frames_until_listed(watcher, marker.code)

    assert json.loads(frames[0]) == {
        "type": "lobby_list",
        "lobby": {"id": row_id, "visible": False},
    }
    # The join and the rename while private are not told to the list.
    assert len(frames) == 2
    assert lobby.code not in "".join(frames)
    await watcher.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_a_public_lobby_that_starts_leaves_the_list_without_its_code(alice, bob):
    lobby = await database_sync_to_async(services.lobby_create)(host=alice, game="arena")
    await database_sync_to_async(services.lobby_join)(code=lobby.code, user=bob)
    watcher = WebsocketCommunicator(application, "/ws/lobbies/")
    assert (await watcher.connect())[0]
    await database_sync_to_async(services.lobby_set_ready)(lobby=lobby, user=bob, ready=True)
    await watcher.receive_json_from(timeout=5)
    await database_sync_to_async(services.lobby_start)(lobby=lobby, user=alice)

    removal = await watcher.receive_json_from(timeout=5)

    assert removal["lobby"] == {"id": services.list_row_id(lobby), "visible": False}
    await watcher.disconnect()


@pytest.mark.django_db
def test_the_list_api_and_page_show_public_lobbies_only(client, alice, bob):
    hidden = services.lobby_create(host=alice, game="arena", name="Hidden", is_public=False)
    shown = services.lobby_create(host=bob, game="arena", name="Shown")

    listed = client.get("/api/lobbies/").json()["lobbies"]
    page = client.get("/lobbies/").content.decode()

    assert [row["code"] for row in listed] == [shown.code]
    assert listed[0]["id"] == services.list_row_id(shown)
    assert shown.code in page
    assert hidden.code not in page
    assert "Hidden" not in page
