"""The live lobby socket, through the real router, on the in-memory and the Redis layer."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator

from lobby import services
from lobby.auth import TicketAuthMiddleware, socket_ticket_create
from lobby.consumers import CLOSE_LEFT, CLOSE_REFUSED
from lobby.models import Lobby, User
from lobby.routing import websocket_urlpatterns

pytestmark = pytest.mark.django_db(transaction=True)

# What game_server/asgi.py wraps the router in, minus the origin check.
application = AuthMiddlewareStack(TicketAuthMiddleware(URLRouter(websocket_urlpatterns)))


@pytest.fixture(params=["memory", "redis"])
async def layer(request: pytest.FixtureRequest, settings: Any) -> AsyncIterator[str]:
    if request.param == "redis":
        redis_url = request.getfixturevalue("redis_url")
        settings.CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
                "CONFIG": {
                    "hosts": [{"address": redis_url, "socket_timeout": 30}],
                    # Parallel workers share Redis and their lobby ids overlap.
                    "prefix": f"test-{uuid.uuid4().hex}",
                },
            }
        }
    else:
        local = "game_server.local_layer.LocalChannelLayer"
        settings.CHANNEL_LAYERS = {"default": {"BACKEND": local}}
    yield request.param
    if request.param == "redis":
        await get_channel_layer().flush()


create_lobby = database_sync_to_async(services.lobby_create)
join = database_sync_to_async(services.lobby_join)
ticket_for = database_sync_to_async(socket_ticket_create)


async def _socket(user: User, code: str) -> WebsocketCommunicator:
    ticket = await ticket_for(user=user)
    return WebsocketCommunicator(application, f"/ws/lobby/{code}/?ticket={ticket}")


async def _connected(user: User, code: str) -> WebsocketCommunicator:
    communicator = await _socket(user, code)
    connected, _ = await communicator.connect()
    assert connected
    first = await communicator.receive_json_from()
    assert first["type"] == "lobby"
    return communicator


async def _next(communicator: WebsocketCommunicator, kind: str) -> dict[str, Any]:
    """The next event of this type, skipping others the services may send first."""
    for _ in range(10):
        event = await communicator.receive_json_from(timeout=5)
        if event["type"] == kind:
            return event
    raise AssertionError(f"no {kind} event")


@pytest.fixture
async def lobby(alice: User, bob: User) -> Lobby:
    lobby = await create_lobby(host=alice, game="arena")
    await join(code=lobby.code, user=bob)
    return lobby


async def test_a_member_gets_the_lobby_on_connect(layer, lobby, alice):
    communicator = await _socket(alice, lobby.code)
    await communicator.connect()
    event = await communicator.receive_json_from()
    assert event["lobby"]["code"] == lobby.code
    assert [m["name"] for m in event["lobby"]["members"]] == ["Alice", "Bob"]
    await communicator.disconnect()


async def test_a_non_member_is_told_and_refused(layer, lobby, carol):
    communicator = await _socket(carol, lobby.code)
    await communicator.connect()
    assert (await communicator.receive_json_from())["code"] == "NOT_MEMBER"
    assert (await communicator.receive_output())["code"] == CLOSE_REFUSED


async def test_an_anonymous_socket_is_refused(layer, lobby):
    communicator = WebsocketCommunicator(application, f"/ws/lobby/{lobby.code}/")
    await communicator.connect()
    assert (await communicator.receive_json_from())["code"] == "AUTH_REQUIRED"
    assert (await communicator.receive_output())["code"] == CLOSE_REFUSED


async def test_a_wrong_ticket_is_anonymous(layer, lobby):
    communicator = WebsocketCommunicator(application, f"/ws/lobby/{lobby.code}/?ticket=nope")
    await communicator.connect()
    assert (await communicator.receive_json_from())["code"] == "AUTH_REQUIRED"
    await communicator.disconnect()


async def test_an_unknown_code_is_lobby_not_found(layer, alice):
    communicator = await _socket(alice, "ZZZZZZ")
    await communicator.connect()
    assert (await communicator.receive_json_from())["code"] == "LOBBY_NOT_FOUND"
    await communicator.disconnect()


async def test_members_see_a_join(layer, lobby, alice, carol):
    communicator = await _connected(alice, lobby.code)
    await join(code=lobby.code, user=carol)
    event = await _next(communicator, "member_joined")
    assert event["user_id"] == carol.pk
    assert len(event["lobby"]["members"]) == 3
    await communicator.disconnect()


async def test_chat_reaches_every_member(layer, lobby, alice, bob):
    alice_socket = await _connected(alice, lobby.code)
    bob_socket = await _connected(bob, lobby.code)
    await alice_socket.send_json_to({"type": "chat", "text": "<script>hi</script>"})
    for communicator in (alice_socket, bob_socket):
        event = await _next(communicator, "chat")
        assert (event["name"], event["text"]) == ("Alice", "<script>hi</script>")
        await communicator.disconnect()


async def test_a_refused_chat_is_told_to_the_sender_only(layer, lobby, alice, bob):
    alice_socket = await _connected(alice, lobby.code)
    bob_socket = await _connected(bob, lobby.code)
    await alice_socket.send_json_to({"type": "chat", "text": "x" * 301})
    error = await alice_socket.receive_json_from()
    assert (error["type"], error["code"], error["action"]) == ("error", "CHAT_TOO_LONG", "chat")
    assert await bob_socket.receive_nothing(timeout=0.2)
    await alice_socket.disconnect()
    await bob_socket.disconnect()


async def test_chat_is_rate_limited_per_user(layer, lobby, alice, settings):
    settings.LOBBY_CHAT_MESSAGES_PER_WINDOW = 1
    communicator = await _connected(alice, lobby.code)
    await communicator.send_json_to({"type": "chat", "text": "one"})
    await _next(communicator, "chat")
    await communicator.send_json_to({"type": "chat", "text": "two"})
    assert (await communicator.receive_json_from())["code"] == "RATE_LIMITED"
    await communicator.disconnect()


async def test_ready_over_the_socket(layer, lobby, alice, bob):
    alice_socket = await _connected(alice, lobby.code)
    bob_socket = await _connected(bob, lobby.code)
    await bob_socket.send_json_to({"type": "ready", "ready": True})
    event = await _next(alice_socket, "ready")
    assert event["lobby"]["members"][1]["ready"] is True
    await alice_socket.disconnect()
    await bob_socket.disconnect()


async def test_a_member_cannot_start(layer, lobby, bob):
    communicator = await _connected(bob, lobby.code)
    await communicator.send_json_to({"type": "start"})
    assert (await communicator.receive_json_from())["code"] == "NOT_HOST"
    await communicator.disconnect()


async def test_an_unknown_action_is_bad_request(layer, lobby, bob):
    communicator = await _connected(bob, lobby.code)
    await communicator.send_json_to({"type": "dance"})
    assert (await communicator.receive_json_from())["code"] == "BAD_REQUEST"
    await communicator.disconnect()


async def test_the_kicked_member_is_told_and_disconnected(layer, lobby, alice, bob):
    alice_socket = await _connected(alice, lobby.code)
    bob_socket = await _connected(bob, lobby.code)
    await alice_socket.send_json_to({"type": "kick", "user_id": bob.pk})
    assert (await _next(bob_socket, "kicked"))["user_id"] == bob.pk
    assert (await bob_socket.receive_output())["code"] == CLOSE_LEFT
    assert (await _next(alice_socket, "kicked"))["user_id"] == bob.pk
    await alice_socket.disconnect()


async def test_host_handover_is_seen_by_members(layer, lobby, alice, bob):
    bob_socket = await _connected(bob, lobby.code)
    alice_socket = await _connected(alice, lobby.code)
    await alice_socket.send_json_to({"type": "host", "user_id": bob.pk})
    assert (await _next(bob_socket, "host"))["lobby"]["host_id"] == bob.pk
    await alice_socket.disconnect()
    await bob_socket.disconnect()


async def test_start_sends_every_member_to_the_game(layer, lobby, alice, bob):
    alice_socket = await _connected(alice, lobby.code)
    bob_socket = await _connected(bob, lobby.code)
    await bob_socket.send_json_to({"type": "ready", "ready": True})
    await _next(alice_socket, "ready")
    await alice_socket.send_json_to({"type": "start"})
    for communicator in (alice_socket, bob_socket):
        event = await _next(communicator, "started")
        assert event["play_url"] == f"/play/{event['match_id']}/"
        assert event["lobby"]["state"] == "in_game"
    await database_sync_to_async(services.lobby_match_ended)(lobby_id=lobby.pk)
    for communicator in (alice_socket, bob_socket):
        event = await _next(communicator, "match_ended")
        assert event["lobby"]["state"] == "open"
        await communicator.disconnect()


async def test_joining_another_lobby_ends_the_first_lobbys_socket(layer, lobby, bob, carol):
    bob_socket = await _connected(bob, lobby.code)
    other = await create_lobby(host=carol, game="arena")
    await join(code=other.code, user=bob)
    assert (await _next(bob_socket, "member_left"))["user_id"] == bob.pk
    assert (await bob_socket.receive_output())["code"] == CLOSE_LEFT


async def test_the_list_page_sees_new_lobbies(layer, carol):
    communicator = WebsocketCommunicator(application, "/ws/lobbies/")
    assert (await communicator.connect())[0]
    lobby = await create_lobby(host=carol, game="connect_four")
    event = await communicator.receive_json_from(timeout=5)
    assert event["type"] == "lobby_list"
    assert (event["lobby"]["code"], event["lobby"]["visible"]) == (lobby.code, True)
    await communicator.disconnect()


async def test_the_host_adds_and_removes_a_bot_over_the_socket(layer, lobby, alice, bob):
    host, member = await _connected(alice, lobby.code), await _connected(bob, lobby.code)
    await host.send_json_to({"type": "add_bot", "level": "normal"})
    added = await _next(member, "bot_added")
    assert [bot["name"] for bot in added["lobby"]["bots"]] == ["Bot 3 (normal)"]
    await member.send_json_to({"type": "remove_bot", "bot_id": added["bot_id"]})
    refused = await _next(member, "error")
    assert (refused["code"], refused["action"]) == ("NOT_HOST", "remove_bot")
    await host.send_json_to({"type": "remove_bot", "bot_id": added["bot_id"]})
    removed = await _next(member, "bot_removed")
    assert removed["lobby"]["bots"] == []
    await host.disconnect()
    await member.disconnect()
