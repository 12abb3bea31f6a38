"""WebSockets from a foreign, missing or null Origin are refused before any consumer runs."""

from __future__ import annotations

import pytest
from channels.testing import WebsocketCommunicator

from game_server.asgi import application

# Channels closes stale database connections before each message it dispatches, in the
# thread other tests' database work ran in: database access must be allowed here.
pytestmark = pytest.mark.django_db(transaction=True)


async def _connect(headers: list[tuple[bytes, bytes]]) -> tuple[bool, object]:
    communicator = WebsocketCommunicator(application, "/ws/lobbies/", headers=headers)
    connected, code = await communicator.connect()
    await communicator.disconnect()
    return connected, code


@pytest.mark.parametrize(
    "headers",
    [
        [(b"origin", b"https://evil.example.com")],
        [],
        [(b"origin", b"null")],
    ],
    ids=["foreign", "missing", "null"],
)
async def test_it_refuses_a_socket_from(headers: list[tuple[bytes, bytes]]) -> None:
    connected, _ = await _connect(headers)
    assert connected is False


async def test_it_accepts_a_socket_from_its_own_host() -> None:
    connected, _ = await _connect([(b"origin", b"http://127.0.0.1:8000")])
    assert connected is True
