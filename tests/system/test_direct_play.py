"""A player's socket on uvicorn and on daphne with the project's protocols
(game_server/uvicorn_protocol.py, game_server/daphne_protocol.py), whose inputs go straight
into the room: acknowledged in order, held to the input rate, and closed for a flood, as
through ASGI (tests/consumers/test_flooding.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
import websockets

from games import protocol
from games.loadtest import socket_ticket, start_match
from games.loadtest_bot import own_seat
from tests.servers import LiveDatabase, ServerProcess

pytestmark = pytest.mark.system

RATE = 5


@pytest.fixture(scope="module", params=["uvicorn", "daphne"])
def direct_server(
    request: pytest.FixtureRequest,
    live_database: LiveDatabase,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[ServerProcess]:
    log = tmp_path_factory.mktemp(request.param) / "server.log"
    server = ServerProcess(
        live_database, server=request.param, log=Path(log), INPUT_RATE_PER_SECOND=str(RATE)
    )
    yield server
    server.stop()


async def _arena_player(server: ServerProcess) -> tuple[websockets.ClientConnection, int]:
    """The host of a new arena match, its socket open and its snapshot read."""
    match_id, tokens = await asyncio.to_thread(
        start_match, server.url, "arena", 2, {"duration": 60}
    )
    ticket = await asyncio.to_thread(socket_ticket, server.url, tokens[0])
    socket = await websockets.connect(
        f"{server.ws_url}/ws/play/{match_id}/?ticket={ticket}", origin=server.url
    )
    snapshot = orjson.loads(await socket.recv())
    assert snapshot["type"] == "snapshot"
    return socket, own_seat(snapshot)


def _input(seq: int) -> str:
    direction = [1, 0] if seq % 2 else [0, 1]
    return orjson.dumps({"type": "input", "seq": seq, "data": {"dir": direction}}).decode()


@pytest.mark.timeout(60)
async def test_inputs_at_the_rate_are_each_acknowledged(direct_server: ServerProcess) -> None:
    socket, seat = await _arena_player(direct_server)
    for seq in range(1, 11):
        await socket.send(_input(seq))
        await asyncio.sleep(1.2 / RATE)
    acks, errors = [], []
    async with asyncio.timeout(5):
        while not acks or acks[-1] < 10:
            frame = orjson.loads(await socket.recv())
            if frame["type"] == "error":
                errors.append(frame)
            elif "acks" in frame:
                acks.append(frame["acks"][seat])
    assert errors == []
    assert acks == sorted(acks)
    await socket.close()


@pytest.mark.timeout(60)
async def test_a_burst_is_held_to_the_rate_and_a_flood_closed(
    direct_server: ServerProcess,
) -> None:
    socket, _ = await _arena_player(direct_server)
    for seq in range(1, 401):
        await socket.send(_input(seq))
    codes = []
    async with asyncio.timeout(10):
        while socket.close_code is None:
            try:
                frame = orjson.loads(await socket.recv())
            except websockets.ConnectionClosed:
                break
            codes.append(frame.get("code"))
    assert socket.close_code == protocol.CLOSE_FLOODING
    # Told once that inputs were dropped, then that the socket is closed.
    assert [code for code in codes if code] == ["rate_limited", "flooding"]
