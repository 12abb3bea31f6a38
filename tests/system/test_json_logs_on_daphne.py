"""LOG_FORMAT=json on real daphne (and uvicorn) processes: the log file is one JSON object
per line, a room's life is told line by line with its match_id, and each refused socket
with its reason and user.

With REDIS_URL set (CI's second run) the rooms run through the Redis registry; the hand-over
between two processes runs on a Redis of its own.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import orjson
import pytest
import websockets

from games.loadtest import api_call, socket_ticket, start_match
from games.loadtest_bot import own_seat
from tests.servers import LiveDatabase, RedisServer, ServerProcess

pytestmark = pytest.mark.system

KEYS = {"time", "level", "logger", "message", "process", "host"}


def json_logging_daphne(database: LiveDatabase, log: Path, **environment: str) -> ServerProcess:
    # Unbuffered: a line is in the file once the server has acted on it. `-v 0` turns off
    # daphne's access log, which it writes itself in plain text (docs/deploy.md, Logs).
    return ServerProcess(
        database,
        log=log,
        arguments=("-v", "0"),
        LOG_FORMAT="json",
        PYTHONUNBUFFERED="1",
        **environment,
    )


@pytest.mark.timeout(60)
async def test_uvicorn_writes_only_json_lines_too(live_database, tmp_path: Path) -> None:
    # As docs/deploy.md runs it: uvloop, game_server/uvicorn_protocol.py, --no-access-log.
    server = ServerProcess(
        live_database,
        server="uvicorn",
        log=tmp_path / "uvicorn.log",
        LOG_FORMAT="json",
        PYTHONUNBUFFERED="1",
    )
    match_id = str(uuid.uuid4())
    try:
        async with play_socket(server, match_id, None) as socket:
            assert (await closed_with(socket))[0] == "not_authenticated"
    finally:
        server.stop()
    assert any(line["logger"] == "uvicorn.error" for line in log_lines(server))
    [refused] = events(server, "socket_refused", match_id=match_id)
    assert refused["reason"] == "not_authenticated"


@pytest.fixture(scope="module")
def json_server(
    live_database: LiveDatabase, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    server = json_logging_daphne(live_database, tmp_path_factory.mktemp("json") / "daphne.log")
    yield server
    server.stop()


def log_lines(server: ServerProcess) -> list[dict]:
    """Every line of the server's log so far, each of which must be a JSON object."""
    lines = [json.loads(line) for line in server.log.read_text().splitlines()]
    for line in lines:
        assert line.keys() >= KEYS, line
        assert line["process"] == server.process.pid
    return lines


def events(server: ServerProcess, event: str, **keys: object) -> list[dict]:
    return [
        line
        for line in log_lines(server)
        if line.get("event") == event and all(line.get(k) == v for k, v in keys.items())
    ]


def play_socket(server: ServerProcess, match_id: str, token: str | None):
    origin = f"http://{urlsplit(server.url).netloc}"
    query = f"?ticket={socket_ticket(server.url, token)}" if token else ""
    return websockets.connect(f"{server.ws_url}/ws/play/{match_id}/{query}", origin=origin)


async def next_frame(socket: websockets.ClientConnection, kind: str) -> dict:
    while (frame := orjson.loads(await socket.recv()))["type"] != kind:
        pass
    return frame


async def closed_with(socket: websockets.ClientConnection) -> tuple[str, int]:
    """The error frame's code and the close code of a socket the server ends."""
    error = await next_frame(socket, "error")
    await socket.wait_closed()
    return error["code"], socket.close_code


@pytest.mark.timeout(60)
async def test_a_rooms_life_is_one_json_line_per_event_with_its_match_id(json_server) -> None:
    match_id, tokens = start_match(json_server.url, "connect_four", 2, {})
    lobby = api_call(json_server.url, "/api/me/", tokens[0])["lobby"]
    async with (
        play_socket(json_server, match_id, tokens[0]) as host,
        play_socket(json_server, match_id, tokens[1]) as guest,
    ):
        seats = {}
        for socket in (host, guest):
            seats[socket] = own_seat(await next_frame(socket, "snapshot"))
        moves = [(host, 0), (guest, 1), (host, 0), (guest, 1), (host, 0), (guest, 1), (host, 0)]
        for seq, (socket, column) in enumerate(moves, 1):
            await socket.send(json.dumps({"type": "input", "seq": seq, "data": {"column": column}}))
            # Turn by turn: the next move waits until this one is played.
            while (
                seq < len(moves) and (await next_frame(socket, "diff"))["acks"][seats[socket]] < seq
            ):
                pass
        assert (await next_frame(host, "end"))["result"]["reason"] == "four_in_a_row"
        # The socket closes once the result is recorded.
        await host.wait_closed()

    [opened] = events(json_server, "room_opened", match_id=match_id)
    assert (opened["level"], opened["tick"], opened["resumed_from"]) == ("INFO", 0, None)
    assert opened["game"] == "connect_four"
    assert opened["owner"].startswith(f"{opened['host']}-{json_server.process.pid}")
    [ended] = events(json_server, "room_ended", match_id=match_id)
    assert (ended["level"], ended["reason"], ended["aborted"]) == ("INFO", "four_in_a_row", False)
    assert ended["message"] == f"room {match_id} ended at tick {ended['tick']}: four_in_a_row"
    [recorded] = events(json_server, "match_recorded", match_id=match_id)
    assert (recorded["lobby"], recorded["state"], recorded["reason"]) == (
        lobby,
        "finished",
        "four_in_a_row",
    )
    lines = log_lines(json_server)
    assert lines.index(opened) < lines.index(ended) < lines.index(recorded)


@pytest.mark.timeout(60)
async def test_a_refused_play_socket_is_one_line_with_its_reason_and_user(json_server) -> None:
    match_id, _ = start_match(json_server.url, "connect_four", 2, {})
    stranger = api_call(json_server.url, "/api/guest/", body={})
    async with play_socket(json_server, match_id, stranger["token"]) as socket:
        assert await closed_with(socket) == ("not_a_player", 4403)

    [refused] = events(json_server, "socket_refused", match_id=match_id)
    assert refused["level"] == "INFO"
    assert refused["socket"] == "play"
    assert refused["user_id"] == stranger["user"]["id"]
    assert (refused["reason"], refused["close_code"]) == ("not_a_player", 4403)


@pytest.mark.timeout(60)
async def test_a_play_socket_without_a_user_is_logged_with_no_user_id(json_server) -> None:
    match_id = str(uuid.uuid4())
    async with play_socket(json_server, match_id, None) as socket:
        assert (await closed_with(socket))[0] == "not_authenticated"

    [refused] = events(json_server, "socket_refused", match_id=match_id)
    assert (refused["reason"], refused["user_id"]) == ("not_authenticated", None)


@pytest.mark.timeout(60)
async def test_a_refused_lobby_socket_is_one_line_with_its_lobby_and_user(json_server) -> None:
    guest = api_call(json_server.url, "/api/guest/", body={})
    origin = f"http://{urlsplit(json_server.url).netloc}"
    ticket = socket_ticket(json_server.url, guest["token"])
    url = f"{json_server.ws_url}/ws/lobby/NOSUCH/?ticket={ticket}"
    async with websockets.connect(url, origin=origin) as socket:
        code, close_code = await closed_with(socket)

    [refused] = events(json_server, "socket_refused", lobby="NOSUCH")
    assert refused["socket"] == "lobby"
    assert refused["user_id"] == guest["user"]["id"]
    assert (refused["reason"], refused["close_code"]) == (code, close_code)
    assert refused["level"] == "INFO"


@pytest.mark.postgres
@pytest.mark.timeout(90)
async def test_a_room_handed_over_on_sigterm_is_taken_over_by_the_other_process_in_the_logs(
    live_database: LiveDatabase, own_redis: RedisServer, tmp_path: Path
) -> None:
    servers = [
        json_logging_daphne(live_database, tmp_path / f"daphne-{n}.log", REDIS_URL=own_redis.url)
        for n in range(2)
    ]
    match_id, tokens = start_match(servers[0].url, "connect_four", 2, {})
    try:
        # The host's socket opens the room on the first process, which owns it then.
        async with (
            play_socket(servers[0], match_id, tokens[0]) as host,
            play_socket(servers[1], match_id, tokens[1]) as guest,
        ):
            await next_frame(host, "snapshot")
            await next_frame(guest, "snapshot")
            servers[0].stop()
            # The other process takes the room: the guest gets a snapshot from it.
            await asyncio.wait_for(next_frame(guest, "snapshot"), 10)
    finally:
        for server in servers:
            server.stop()
    [handed_over] = events(servers[0], "room_handed_over", match_id=match_id)
    [sigterm] = events(servers[0], "sigterm")
    assert (sigterm["owner"], sigterm["rooms"]) == (handed_over["owner"], 1)
    [taken_over] = events(servers[1], "room_taken_over", match_id=match_id)
    assert taken_over["previous_owner"] == handed_over["owner"]
    assert taken_over["owner"] != handed_over["owner"]
    assert taken_over["tick"] >= handed_over["tick"]
    assert taken_over["level"] == handed_over["level"] == "INFO"
