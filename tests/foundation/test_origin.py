"""WebSockets from a foreign, missing or null Origin are refused before any consumer runs."""

from __future__ import annotations

import pytest
from channels.testing import WebsocketCommunicator

from game_server.asgi import application


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
