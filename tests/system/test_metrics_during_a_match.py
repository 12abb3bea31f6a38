"""/metrics scraped from real daphne processes while an arena match runs: the figures
move, and processes sharing PROMETHEUS_MULTIPROC_DIR report together."""

from __future__ import annotations

import asyncio
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import orjson
import pytest
import websockets
from prometheus_client.parser import text_string_to_metric_families

from games.loadtest import socket_ticket, start_match
from tests.servers import LiveDatabase, RedisServer, ServerProcess

pytestmark = pytest.mark.system


def scrape(server: ServerProcess) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of the server's /metrics, by name and labels."""
    with urllib.request.urlopen(f"{server.url}/metrics", timeout=10) as response:
        text = response.read().decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(figures: dict, name: str, **labels: str) -> float:
    return figures.get((name, tuple(sorted(labels.items()))), 0.0)


def play_socket(server: ServerProcess, match_id: str, token: str):
    origin = f"http://{urlsplit(server.url).netloc}"
    ticket = socket_ticket(server.url, token)
    return websockets.connect(f"{server.ws_url}/ws/play/{match_id}/?ticket={ticket}", origin=origin)


async def next_frame(socket: websockets.ClientConnection, kind: str) -> dict:
    while (frame := orjson.loads(await socket.recv()))["type"] != kind:
        pass
    return frame


async def steer_until_acked(socket: websockets.ClientConnection, seq: int) -> None:
    """Sends one input and waits for the diff that acknowledges it."""
    frame = {"type": "input", "seq": seq, "data": {"dir": [1, 0]}}
    await socket.send(orjson.dumps(frame).decode())
    while max((await next_frame(socket, "diff"))["acks"]) < seq:
        pass


async def until(condition, server: ServerProcess) -> dict:
    """Scrapes until `condition(figures)` holds (a frame sent is counted right after)."""
    async with asyncio.timeout(10):
        while True:
            figures = await asyncio.to_thread(scrape, server)
            if condition(figures):
                return figures
            await asyncio.sleep(0.05)


@pytest.mark.timeout(60)
async def test_the_figures_move_while_a_match_runs(
    live_database: LiveDatabase, tmp_path: Path
) -> None:
    server = ServerProcess(live_database, log=tmp_path / "daphne.log")
    try:
        match_id, tokens = start_match(server.url, "arena", 2, {"duration": 60})
        async with (
            play_socket(server, match_id, tokens[0]) as host,
            play_socket(server, match_id, tokens[1]) as guest,
        ):
            await next_frame(host, "snapshot")
            await next_frame(guest, "snapshot")
            await steer_until_acked(host, 1)
            first = scrape(server)
            assert value(first, "game_sockets_open", kind="player") == 2
            assert value(first, "game_rooms_running", game="arena") == 1
            assert value(first, "game_rooms_opened_total", game="arena") == 1
            assert value(first, "game_inputs_accepted_total") >= 1
            assert value(first, "game_frames_sent_total", game="arena") > 0
            assert value(first, "game_frame_bytes_sent_total", game="arena") > value(
                first, "game_frames_sent_total", game="arena"
            )
            assert value(first, "game_tick_lateness_seconds_count", game="arena") > 0
            assert value(first, "game_guests_created_total") == 2
            assert value(first, "game_lobbies", state="in_game") >= 1
            # A frame that is not JSON is refused, and counted by its code.
            await host.send("{not json")
            assert (await next_frame(host, "error"))["code"] == "bad_json"
            later = await until(
                lambda figures: (
                    value(figures, "game_ticks_total", game="arena")
                    > value(first, "game_ticks_total", game="arena")
                ),
                server,
            )
            assert value(later, "game_inputs_refused_total", code="bad_json") == 1
        closed = await until(
            lambda figures: value(figures, "game_sockets_open", kind="player") == 0, server
        )
        assert value(closed, "game_rooms_running", game="arena") == 1
    finally:
        server.stop()


@pytest.mark.timeout(90)
async def test_processes_sharing_a_multiprocess_folder_report_together(
    live_database: LiveDatabase, own_redis: RedisServer, tmp_path: Path
) -> None:
    folder = tmp_path / "prometheus"
    folder.mkdir()
    servers = [
        ServerProcess(
            live_database,
            log=tmp_path / f"daphne-{n}.log",
            REDIS_URL=own_redis.url,
            PROMETHEUS_MULTIPROC_DIR=str(folder),
        )
        for n in range(2)
    ]
    try:
        match_id, tokens = start_match(servers[0].url, "arena", 2, {"duration": 60})
        async with (
            play_socket(servers[0], match_id, tokens[0]) as host,
            play_socket(servers[1], match_id, tokens[1]) as guest,
        ):
            await next_frame(host, "snapshot")
            await next_frame(guest, "snapshot")
            await steer_until_acked(host, 1)
            # Either process answers for both: one socket on each.
            for server in servers:
                figures = scrape(server)
                assert value(figures, "game_sockets_open", kind="player") == 2
                assert value(figures, "game_rooms_running", game="arena") == 1
            ticks = value(figures, "game_ticks_total", game="arena")
            # The second process is killed: its socket is no longer counted, and what
            # its counters counted stays in the sums.
            servers[1].kill()
            figures = await until(
                lambda figures: value(figures, "game_sockets_open", kind="player") == 1,
                servers[0],
            )
            assert value(figures, "game_ticks_total", game="arena") >= ticks
    finally:
        for server in servers:
            server.stop()
