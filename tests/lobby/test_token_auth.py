"""TokenAuthMiddleware: `?token=` sets the socket's user, with one indexed query."""

from __future__ import annotations

from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser
from django.urls import path

from lobby import services
from lobby.auth import TokenAuthMiddleware, user_for_token
from lobby.routing import websocket_urlpatterns


class _Echo:
    """An ASGI app that reports the user the middleware gave it."""

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        await receive()
        user = scope.get("user")
        await send({"type": "websocket.accept"})
        name = "anonymous" if user is None or not user.is_authenticated else user.username
        await send({"type": "websocket.send", "text": name})


echo = TokenAuthMiddleware(URLRouter([path("who/", _Echo()), *websocket_urlpatterns]))


async def _who(query: str, scope_user: object = None) -> str:
    communicator = WebsocketCommunicator(echo, f"/who/{query}")
    if scope_user is not None:
        communicator.scope["user"] = scope_user
    await communicator.connect()
    text = await communicator.receive_from()
    await communicator.disconnect()
    return text


@pytest.mark.django_db
def test_the_lookup_is_one_query(alice, django_assert_num_queries):
    token = services.api_token_create(user=alice)
    with django_assert_num_queries(1):
        assert user_for_token(token) == alice


@pytest.mark.django_db(transaction=True)
async def test_a_token_sets_the_user(alice):
    token = await database_sync_to_async(services.api_token_create)(user=alice)
    assert await _who(f"?token={token}") == "alice"


@pytest.mark.django_db(transaction=True)
async def test_a_token_wins_over_the_session_user(alice, bob):
    token = await database_sync_to_async(services.api_token_create)(user=alice)
    assert await _who(f"?token={token}", scope_user=bob) == "alice"


@pytest.mark.django_db(transaction=True)
async def test_a_wrong_token_is_anonymous_not_the_session_user(bob):
    assert await _who("?token=wrong", scope_user=bob) == "anonymous"


@pytest.mark.django_db(transaction=True)
async def test_without_a_token_the_session_user_stays(bob):
    assert await _who("", scope_user=bob) == "bob"


@pytest.mark.django_db(transaction=True)
async def test_it_wraps_the_lobby_router(alice):
    lobby = await database_sync_to_async(services.lobby_create)(host=alice, game="arena")
    token = await database_sync_to_async(services.api_token_create)(user=alice)
    communicator = WebsocketCommunicator(echo, f"/ws/lobby/{lobby.code}/?token={token}")
    communicator.scope["user"] = AnonymousUser()
    assert (await communicator.connect())[0]
    assert (await communicator.receive_json_from())["type"] == "lobby"
    await communicator.disconnect()
