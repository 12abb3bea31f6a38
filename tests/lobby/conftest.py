"""Personas and helpers for the lobby tests."""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator

from lobby import services
from lobby.auth import TicketAuthMiddleware, socket_ticket_create
from lobby.models import Lobby, User
from lobby.routing import websocket_urlpatterns
from lobby.services import announce

# What game_server/asgi.py wraps the lobby sockets in, minus the origin check.
LOBBY_SOCKETS = AuthMiddlewareStack(TicketAuthMiddleware(URLRouter(websocket_urlpatterns)))


@pytest.fixture(autouse=True)
def _private_cache(settings: Any) -> None:
    # Chat budgets live in the cache, which may be a Redis shared by parallel workers
    # whose user ids overlap: give every test a cache of its own.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": uuid.uuid4().hex,
        }
    }


@pytest.fixture
def make_user(django_user_model: type) -> Callable[[str], User]:
    def make(name: str) -> User:
        return django_user_model.objects.create_user(username=name, display_name=name.title())

    return make


@pytest.fixture
def arena_lobby(alice: User) -> Lobby:
    """An open public arena lobby (2 to 8 players) hosted by Alice."""
    return services.lobby_create(host=alice, game="arena", name="Alice's arena")


class Sent:
    """Group messages the services sent after commit."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, dict[str, Any]]] = []

    def events(self, lobby: Lobby) -> list[dict[str, Any]]:
        group = services.lobby_group(lobby.pk)
        return [message["event"] for name, message in self.messages if name == group]

    def types(self, lobby: Lobby) -> list[str]:
        return [event["type"] for event in self.events(lobby)]

    def list_changes(self) -> list[dict[str, Any]]:
        return [m["lobby"] for name, m in self.messages if name == services.LOBBY_LIST_GROUP]


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> Sent:
    """Records group messages instead of sending them.

    Wrap the action in `django_capture_on_commit_callbacks(execute=True)`: the test's
    own transaction never commits.
    """
    recorder = Sent()
    monkeypatch.setattr(
        announce,
        "group_send_quietly",
        lambda group, message: recorder.messages.append((group, message)),
    )
    return recorder


class ApiClient:
    """A Django test client speaking JSON with a bearer token, like a bot would."""

    def __init__(self, client: Any, token: str = "") -> None:
        self.client = client
        self.token = token

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def get(self, url: str) -> Any:
        return self.client.get(url, headers=self._headers())

    def post(self, url: str, body: Any = None) -> Any:
        data = "" if body is None else json.dumps(body)
        return self.client.post(url, data, content_type="application/json", headers=self._headers())


@pytest.fixture
def api_for(client: Any) -> Callable[[User], ApiClient]:
    """An API client holding a fresh token of the given user."""
    from django.test import Client

    def make(user: User) -> ApiClient:
        return ApiClient(Client(), services.api_token_create(user=user))

    return make


@pytest.fixture
def member_socket() -> Callable[[User, str], Awaitable[WebsocketCommunicator]]:
    """Opens a member's socket on the lobby of a code, past its first frame (the snapshot)."""

    async def connect(user: User, code: str) -> WebsocketCommunicator:
        ticket = await database_sync_to_async(socket_ticket_create)(user=user)
        communicator = WebsocketCommunicator(LOBBY_SOCKETS, f"/ws/lobby/{code}/?ticket={ticket}")
        assert (await communicator.connect())[0]
        assert (await communicator.receive_json_from())["type"] == "lobby"
        return communicator

    return connect
