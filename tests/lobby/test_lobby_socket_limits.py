"""Lobby sockets: how many per address and per user, and how large a frame they read."""

from __future__ import annotations

import json
from typing import Any

import pytest
from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator

from lobby import services
from lobby.auth import TicketAuthMiddleware, socket_ticket_create
from lobby.consumers import CLOSE_FRAME_TOO_LARGE, CLOSE_TOO_MANY
from lobby.models import Lobby, User
from lobby.routing import websocket_urlpatterns

router = AuthMiddlewareStack(TicketAuthMiddleware(URLRouter(websocket_urlpatterns)))

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _limits(settings: Any) -> None:
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "game_server.local_layer.LocalChannelLayer"}}
    settings.MAX_LOBBY_LIST_SOCKETS_PER_ADDRESS = 2
    settings.MAX_LOBBY_SOCKETS_PER_USER = 2
    settings.LOBBY_SOCKET_MAX_FRAME_BYTES = 1024


def _from(address: str) -> Any:
    """The router, as a server passes it a socket from this client address."""

    async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await router({**scope, "client": (address, 50000)}, receive, send)

    return application


async def _list_socket(address: str) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(_from(address), "/ws/lobbies/")
    assert (await communicator.connect())[0]
    return communicator


async def _lobby_socket(user: User, lobby: Lobby, address: str = "192.0.2.1") -> Any:
    ticket = await database_sync_to_async(socket_ticket_create)(user=user)
    path = f"/ws/lobby/{lobby.code}/?ticket={ticket}"
    communicator = WebsocketCommunicator(_from(address), path)
    assert (await communicator.connect())[0]
    return communicator


async def _refused(communicator: WebsocketCommunicator) -> tuple[str, int]:
    """The error code the socket was told, and the close code it got."""
    error = await communicator.receive_json_from(timeout=5)
    closed = await communicator.receive_output(timeout=5)
    assert closed["type"] == "websocket.close"
    return error["code"], closed["code"]


@pytest.fixture
async def lobby(alice: User) -> Lobby:
    return await database_sync_to_async(services.lobby_create)(host=alice, game="arena")


async def test_list_sockets_are_limited_per_address():
    first = await _list_socket("198.51.100.1")
    second = await _list_socket("198.51.100.1")
    third = await _list_socket("198.51.100.1")
    elsewhere = await _list_socket("198.51.100.2")

    assert await _refused(third) == ("TOO_MANY_SOCKETS", CLOSE_TOO_MANY)
    assert await elsewhere.receive_nothing(timeout=0.1)
    for communicator in (first, second, elsewhere):
        await communicator.disconnect()


async def test_a_closed_list_socket_gives_its_slot_back():
    first = await _list_socket("198.51.100.3")
    second = await _list_socket("198.51.100.3")
    await first.disconnect()

    again = await _list_socket("198.51.100.3")

    assert await again.receive_nothing(timeout=0.1)
    await second.disconnect()
    await again.disconnect()


async def test_a_refused_list_socket_hears_no_lobby(carol):
    kept = [await _list_socket("198.51.100.4") for _ in range(2)]
    refused = await _list_socket("198.51.100.4")
    await _refused(refused)
    await database_sync_to_async(services.lobby_create)(host=carol, game="arena")

    assert (await kept[0].receive_json_from(timeout=5))["type"] == "lobby_list"
    assert await refused.receive_nothing(timeout=0.2)
    for communicator in kept:
        await communicator.disconnect()


async def test_lobby_sockets_are_limited_per_user_from_any_address(lobby, alice):
    sockets = [await _lobby_socket(alice, lobby, f"192.0.2.{n}") for n in range(3)]
    for communicator in sockets[:2]:
        assert (await communicator.receive_json_from(timeout=5))["type"] == "lobby"

    assert await _refused(sockets[2]) == ("TOO_MANY_SOCKETS", CLOSE_TOO_MANY)
    await sockets[0].disconnect()
    fourth = await _lobby_socket(alice, lobby)
    assert (await fourth.receive_json_from(timeout=5))["type"] == "lobby"
    await sockets[1].disconnect()
    await fourth.disconnect()


async def test_a_socket_the_server_closes_gives_its_slot_back(lobby, alice, bob):
    await database_sync_to_async(services.lobby_join)(code=lobby.code, user=bob)
    first = await _lobby_socket(bob, lobby)
    second = await _lobby_socket(bob, lobby)
    for communicator in (first, second):
        await communicator.receive_json_from(timeout=5)
    await database_sync_to_async(services.lobby_leave)(lobby=lobby, user=bob)
    for communicator in (first, second):
        assert (await communicator.receive_json_from(timeout=5))["type"] == "member_left"
        assert (await communicator.receive_output(timeout=5))["type"] == "websocket.close"
    await database_sync_to_async(services.lobby_join)(code=lobby.code, user=bob)

    again = await _lobby_socket(bob, lobby)

    assert (await again.receive_json_from(timeout=5))["type"] == "lobby"
    await again.disconnect()


@pytest.mark.parametrize("path", ["lobby", "list"])
async def test_an_oversized_frame_is_refused_before_it_is_parsed(lobby, alice, path):
    if path == "lobby":
        communicator = await _lobby_socket(alice, lobby)
        await communicator.receive_json_from(timeout=5)
    else:
        communicator = await _list_socket("198.51.100.5")
    # Not even JSON: had it been parsed, the answer would be BAD_REQUEST or READ_ONLY.
    await communicator.send_to(text_data="{" * 1025)

    assert await _refused(communicator) == ("FRAME_TOO_LARGE", CLOSE_FRAME_TOO_LARGE)


async def test_the_limit_counts_bytes_not_characters(lobby, alice):
    communicator = await _lobby_socket(alice, lobby)
    await communicator.receive_json_from(timeout=5)
    # 300 characters (the chat limit), 1,200 bytes in UTF-8.
    await communicator.send_to(
        text_data=json.dumps({"type": "chat", "text": "😀" * 300}, ensure_ascii=False)
    )

    assert await _refused(communicator) == ("FRAME_TOO_LARGE", CLOSE_FRAME_TOO_LARGE)


async def test_a_frame_within_the_limit_is_read(lobby, alice):
    communicator = await _lobby_socket(alice, lobby)
    await communicator.receive_json_from(timeout=5)
    text = "x" * 290
    frame = json.dumps({"type": "chat", "text": text, "pad": "p" * (1024 - 330)})
    assert len(frame.encode()) <= 1024

    await communicator.send_to(text_data=frame)

    assert (await communicator.receive_json_from(timeout=5))["text"] == text
    await communicator.disconnect()


@pytest.mark.parametrize(("kind", "data"), [("text", "not json {"), ("bytes", b"\x00\x01")])
async def test_a_frame_that_is_not_json_is_answered_not_fatal(lobby, alice, kind, data):
    communicator = await _lobby_socket(alice, lobby)
    await communicator.receive_json_from(timeout=5)

    await communicator.send_to(**{f"{kind}_data": data})
    error = await communicator.receive_json_from(timeout=5)
    await communicator.send_json_to({"type": "chat", "text": "still here"})

    assert error["code"] == "BAD_REQUEST"
    assert (await communicator.receive_json_from(timeout=5))["text"] == "still here"
    await communicator.disconnect()
