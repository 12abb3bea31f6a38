"""Oversized frames on the lobby sockets, against real daphne and uvicorn processes.

Each server runs with the frame limit docs/deploy.md gives it. A frame over the lobby
sockets' own limit (LOBBY_SOCKET_MAX_FRAME_BYTES) is refused by the application with
FRAME_TOO_LARGE and 4009; one over the server's limit never reaches the application.
Uvicorn then closes the socket with 1009; daphne (Autobahn, which fails connections by
dropping them) drops the TCP connection, so the client sees 1006 and no close frame.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
import websockets

from games.loadtest import api_call, socket_ticket
from tests.servers import LiveDatabase, ServerProcess

pytestmark = pytest.mark.system

# As docs/deploy.md gives them.
SERVER_FRAME_LIMITS = {
    "daphne": ("--websocket-max-message-size", "65536", "--websocket-max-frame-size", "65536"),
    "uvicorn": ("--ws-max-size", "65536"),
}


@pytest.fixture(scope="module", params=sorted(SERVER_FRAME_LIMITS))
def server(
    request: pytest.FixtureRequest,
    live_database: LiveDatabase,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[ServerProcess]:
    kind = request.param
    log = tmp_path_factory.mktemp("logs") / f"{kind}.log"
    process = ServerProcess(
        live_database, server=kind, log=log, arguments=SERVER_FRAME_LIMITS[kind]
    )
    yield process
    process.stop()


def _connect(server: ServerProcess, path: str) -> websockets.connect:
    origin = f"http://{urlsplit(server.url).netloc}"
    return websockets.connect(f"{server.ws_url}{path}", origin=origin)


def _lobby_path(server: ServerProcess) -> str:
    token = api_call(server.url, "/api/guest/", body={})["token"]
    lobby = api_call(server.url, "/api/lobbies/", token, {"game": "arena", "public": False})
    return f"/ws/lobby/{lobby['lobby']['code']}/?ticket={socket_ticket(server.url, token)}"


@pytest.mark.timeout(60)
@pytest.mark.parametrize("socket", ["lobby", "list"])
async def test_a_frame_over_the_lobby_limit_is_refused_with_4009(server, socket) -> None:
    path = _lobby_path(server) if socket == "lobby" else "/ws/lobbies/"
    async with _connect(server, path) as client:
        if socket == "lobby":
            assert json.loads(await client.recv())["type"] == "lobby"
        await client.send(json.dumps({"type": "chat", "text": "x" * 5000}))

        error = json.loads(await client.recv())
        await client.wait_closed()

    assert error["code"] == "FRAME_TOO_LARGE"
    assert error["message"] == "Frames on this socket are limited to 4096 bytes."
    assert client.close_code == 4009


# The close code the server sends, or None when it drops the connection without one.
SERVER_CLOSE_CODE = {"daphne": None, "uvicorn": 1009}


@pytest.mark.timeout(60)
async def test_a_frame_over_the_server_limit_never_reaches_the_application(server) -> None:
    async with _connect(server, _lobby_path(server)) as client:
        assert json.loads(await client.recv())["type"] == "lobby"
        await client.send("x" * 70_000)

        with pytest.raises(websockets.ConnectionClosed) as closed:
            await client.recv()

    received = closed.value.rcvd
    assert (received.code if received else None) == SERVER_CLOSE_CODE[server.server]
