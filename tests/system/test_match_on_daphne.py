"""A whole match against a real daphne process: API, sockets, results, the lobby after.

With DATABASE_URL and REDIS_URL set (CI's second run) the server uses PostgreSQL and the
Redis channel layer.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import orjson
import pytest
import websockets

from games.loadtest import api_call, socket_ticket, start_match
from games.loadtest_bot import own_seat
from tests.replay_check import replayed_in_the_live_database

pytestmark = pytest.mark.system

RESULT_QUERY = (
    "from games.models import Match; m = Match.objects.get(pk='{}'); "
    "print(m.state, sorted((p.seat, p.placement, p.score) for p in m.players.all()))"
)


async def _next(socket: websockets.ClientConnection, kind: str) -> dict:
    while True:
        frame = orjson.loads(await socket.recv())
        if frame["type"] == kind:
            return frame


async def _play(socket: websockets.ClientConnection, seat: int, seq: int, column: int) -> None:
    """Sends one move and waits for the frame that acknowledges it."""
    await socket.send(json.dumps({"type": "input", "seq": seq, "data": {"column": column}}))
    while (await _next(socket, "diff"))["acks"][seat] < seq:
        pass


def _socket(server, match_id: str, token: str):
    origin = f"http://{urlsplit(server.url).netloc}"
    ticket = socket_ticket(server.url, token)
    return websockets.connect(f"{server.ws_url}/ws/play/{match_id}/?ticket={ticket}", origin=origin)


@pytest.mark.timeout(60)
async def test_connect_four_is_played_to_the_end_and_recorded_once(
    daphne_server, live_database
) -> None:
    match_id, (host_token, guest_token) = start_match(daphne_server.url, "connect_four", 2, {})
    async with (
        _socket(daphne_server, match_id, host_token) as host,
        _socket(daphne_server, match_id, guest_token) as guest,
    ):
        seats = {}
        for socket in (host, guest):
            seats[socket] = own_seat(await _next(socket, "snapshot"))
        for seq, (socket, column) in enumerate([(host, 0), (guest, 1), (host, 0), (guest, 1)], 1):
            await _play(socket, seats[socket], seq, column)
        # The guest drops out and comes back: same seat, same board.
        await guest.close()
        async with _socket(daphne_server, match_id, guest_token) as again:
            snapshot = await _next(again, "snapshot")
            assert own_seat(snapshot) == seats[guest]
            assert len(snapshot["state"]["cells"]) == 4
            seats[again] = seats[guest]
            for seq, (socket, column) in enumerate([(host, 0), (again, 1), (host, 0)], 5):
                await _play(socket, seats[socket], seq, column)
            end = await _next(again, "end")
            assert end["result"]["reason"] == "four_in_a_row"
            await again.wait_closed()
            assert again.close_code == 4410

    recorded = live_database.manage("shell", "--no-imports", "-c", RESULT_QUERY.format(match_id))
    assert recorded.strip() == "finished [(0, 1, 1), (1, 2, 0)]"
    assert replayed_in_the_live_database(live_database, match_id) == "equal"
    code = api_call(daphne_server.url, "/api/me/", host_token)["lobby"]
    lobby = api_call(daphne_server.url, f"/api/lobbies/{code}/", host_token)["lobby"]
    assert (lobby["state"], len(lobby["members"])) == ("open", 2)
