"""A socket ticket opens one socket, however many server processes it is shown to at
once: the processes share the ticket through the Redis cache."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from urllib.parse import urlsplit

import orjson
import pytest
import websockets

from games.loadtest import api_call, socket_ticket
from tests.servers import LiveDatabase, ServerProcess

pytestmark = pytest.mark.system


@pytest.fixture
def two_servers(
    live_database: LiveDatabase, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[list[ServerProcess]]:
    logs = tmp_path_factory.mktemp("logs")
    started = [
        ServerProcess(live_database, log=logs / f"daphne-{n}.log", REDIS_URL=redis_url)
        for n in range(2)
    ]
    yield started
    for server in started:
        server.stop()


async def _first_frame(server: ServerProcess, path: str) -> dict:
    origin = f"http://{urlsplit(server.url).netloc}"
    async with websockets.connect(f"{server.ws_url}{path}", origin=origin) as socket:
        return orjson.loads(await asyncio.wait_for(socket.recv(), 10))


@pytest.mark.timeout(60)
async def test_one_ticket_shown_to_two_processes_at_once_opens_one_socket(two_servers) -> None:
    base = two_servers[0].url
    token = api_call(base, "/api/guest/", body={})["token"]
    code = api_call(base, "/api/lobbies/", token, {"game": "arena"})["lobby"]["code"]
    ticket = socket_ticket(base, token)
    path = f"/ws/lobby/{code}/?ticket={ticket}"
    frames = await asyncio.gather(*(_first_frame(server, path) for server in two_servers * 3))
    kinds = sorted(frame.get("code", frame["type"]) for frame in frames)
    assert kinds == ["AUTH_REQUIRED"] * 5 + ["lobby"]


@pytest.mark.timeout(60)
async def test_a_token_on_a_socket_url_is_refused(daphne_server) -> None:
    token = api_call(daphne_server.url, "/api/guest/", body={})["token"]
    lobby = api_call(daphne_server.url, "/api/lobbies/", token, {"game": "arena"})["lobby"]
    frame = await _first_frame(daphne_server, f"/ws/lobby/{lobby['code']}/?token={token}")
    assert frame["code"] == "AUTH_REQUIRED"
