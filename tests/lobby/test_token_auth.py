"""Socket identity and token lifetime: a one-use `?ticket=` sets a socket's user, a
`?token=` in a socket URL is refused, and API tokens expire unless used."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser
from django.core.cache.backends import locmem
from django.urls import path
from django.utils import timezone

from lobby import services
from lobby.auth import (
    SOCKET_TICKET_SECONDS,
    TicketAuthMiddleware,
    socket_ticket_create,
    user_for_ticket,
    user_for_token,
)
from lobby.models import ApiToken
from lobby.routing import websocket_urlpatterns


class _Echo:
    """An ASGI app that reports the user the middleware gave it."""

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        await receive()
        user = scope.get("user")
        await send({"type": "websocket.accept"})
        name = "anonymous" if user is None or not user.is_authenticated else user.username
        await send({"type": "websocket.send", "text": name})


echo = TicketAuthMiddleware(URLRouter([path("who/", _Echo()), *websocket_urlpatterns]))
ticket_for = database_sync_to_async(socket_ticket_create)


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


@pytest.mark.django_db
def test_a_token_unused_for_its_lifetime_has_expired(alice, settings):
    token = services.api_token_create(user=alice)
    unused = timezone.now() - timedelta(days=settings.TOKEN_TTL_DAYS, minutes=1)
    ApiToken.objects.update(last_used_at=unused)
    assert user_for_token(token) is None


@pytest.mark.django_db
def test_using_a_token_renews_it_with_one_write_a_day(alice, settings, django_assert_num_queries):
    token = services.api_token_create(user=alice)
    almost_expired = timezone.now() - timedelta(days=settings.TOKEN_TTL_DAYS - 1)
    ApiToken.objects.update(last_used_at=almost_expired)
    with django_assert_num_queries(2):
        assert user_for_token(token) == alice
    assert ApiToken.objects.get().last_used_at > timezone.now() - timedelta(minutes=1)
    # Used again the same day: read only.
    with django_assert_num_queries(1):
        assert user_for_token(token) == alice


@pytest.mark.django_db(transaction=True)
async def test_a_ticket_sets_the_user(alice):
    ticket = await ticket_for(user=alice)
    assert await _who(f"?ticket={ticket}") == "alice"


@pytest.mark.django_db(transaction=True)
async def test_a_ticket_opens_one_socket_only(alice):
    ticket = await ticket_for(user=alice)
    assert await _who(f"?ticket={ticket}") == "alice"
    assert await _who(f"?ticket={ticket}") == "anonymous"


@pytest.mark.django_db
def test_a_ticket_expires_after_a_minute(alice, monkeypatch):
    ticket = socket_ticket_create(user=alice)
    later = locmem.time.time() + SOCKET_TICKET_SECONDS + 1

    class _Later:
        @staticmethod
        def time() -> float:
            return later

    # The cache's clock, a minute on.
    monkeypatch.setattr(locmem, "time", _Later)
    assert user_for_ticket(ticket) is None


@pytest.mark.django_db(transaction=True)
async def test_a_ticket_wins_over_the_session_user(alice, bob):
    ticket = await ticket_for(user=alice)
    assert await _who(f"?ticket={ticket}", scope_user=bob) == "alice"


@pytest.mark.django_db(transaction=True)
async def test_a_wrong_ticket_is_anonymous_not_the_session_user(bob):
    assert await _who("?ticket=wrong", scope_user=bob) == "anonymous"


@pytest.mark.django_db(transaction=True)
async def test_a_token_in_a_socket_url_is_refused(alice, bob):
    token = await database_sync_to_async(services.api_token_create)(user=alice)
    assert await _who(f"?token={token}", scope_user=bob) == "anonymous"


@pytest.mark.django_db(transaction=True)
async def test_without_a_ticket_the_session_user_stays(bob):
    assert await _who("", scope_user=bob) == "bob"


@pytest.mark.django_db(transaction=True)
async def test_it_wraps_the_lobby_router(alice):
    lobby = await database_sync_to_async(services.lobby_create)(host=alice, game="arena")
    ticket = await ticket_for(user=alice)
    communicator = WebsocketCommunicator(echo, f"/ws/lobby/{lobby.code}/?ticket={ticket}")
    communicator.scope["user"] = AnonymousUser()
    assert (await communicator.connect())[0]
    assert (await communicator.receive_json_from())["type"] == "lobby"
    await communicator.disconnect()
