"""Player sockets through the real ASGI application, on both channel layers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import orjson
import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from game_server.asgi import application
from games.engine.registry import registry

ORIGIN = (b"origin", b"http://127.0.0.1:8000")


@pytest.fixture(params=["memory", "redis", "pipelined"])
def channel_layer(request, settings) -> str:
    if request.param != "memory":
        redis_url = request.getfixturevalue("redis_url")
        backend = {
            "redis": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "pipelined": "game_server.redis_layer.RedisPubSubLayer",
        }[request.param]
        settings.CHANNEL_LAYERS = {
            "default": {
                "BACKEND": backend,
                "CONFIG": {"hosts": [{"address": redis_url, "socket_timeout": 30}]},
            }
        }
    else:
        local = "game_server.local_layer.LocalChannelLayer"
        settings.CHANNEL_LAYERS = {"default": {"BACKEND": local}}
    return request.param


@pytest.fixture
async def rooms(channel_layer: str) -> AsyncIterator[None]:
    yield
    await registry().close()


def session_cookie(user: object) -> bytes:
    """A `Cookie` header value holding a logged-in session of the user."""
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


@pytest.fixture(name="session_cookie")
def session_cookie_fixture() -> Callable[[object], bytes]:
    return session_cookie


Connect = Callable[..., Awaitable[WebsocketCommunicator]]


@pytest.fixture
def connect(rooms: None) -> Connect:
    """Opens a socket to a room as a user (or anonymous), through the real router."""

    async def _connect(room_id: object, user: object | None = None) -> WebsocketCommunicator:
        return await open_socket(f"/ws/play/{room_id}/", user)

    return _connect


async def open_socket(path: str, user: object | None = None) -> WebsocketCommunicator:
    """A socket at `path` through the real router, as the user's session (or anonymous),
    accepted."""
    headers = [ORIGIN]
    if user is not None:
        headers.append((b"cookie", await sync_to_async(session_cookie)(user)))
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def _receive(socket: WebsocketCommunicator, kind: str) -> dict:
    """The next frame of a type, passing over presence frames and the like."""
    while True:
        frame = orjson.loads(await socket.receive_from(timeout=5))
        if frame["type"] == kind:
            return frame


@pytest.fixture
def receive() -> Callable[[WebsocketCommunicator, str], Awaitable[dict]]:
    return _receive


async def _closed_with(socket: WebsocketCommunicator) -> int:
    """The close code the socket ends with, passing over the frames before it."""
    while True:
        message = await socket.receive_output(timeout=5)
        if message["type"] == "websocket.close":
            return message["code"]


@pytest.fixture
def closed_with() -> Callable[[WebsocketCommunicator], Awaitable[int]]:
    return _closed_with
