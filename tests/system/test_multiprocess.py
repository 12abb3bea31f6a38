"""Two real daphne processes sharing rooms through Redis and PostgreSQL.

The host's socket reaches one process and the guest's the other. The first socket's
process owns the room; the tests kill or stop it mid-match and check that the other
process takes the room over from its last save, and how long the players wait.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import signal
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import orjson
import pytest
import redis
import websockets

from games.loadtest import socket_ticket, start_match
from games.loadtest_bot import own_seat
from tests.polling import until
from tests.servers import LiveDatabase, ServerProcess, diff_base

# Two processes share rooms through Redis and results through PostgreSQL.
pytestmark = [pytest.mark.system, pytest.mark.postgres]

RESULT_QUERY = (
    "from games.models import Match; m = Match.objects.get(pk='{}'); "
    "print(m.state, sorted((p.seat, p.placement, p.score) for p in m.players.all()))"
)
FINISHED = "finished [(0, 1, 1), (1, 2, 0)]"
# Host plays column 0 and guest column 1: the host's fourth move wins.
MOVES = [0, 1, 0, 1, 0, 1, 0]


@pytest.fixture
def servers(
    request: pytest.FixtureRequest,
    live_database: LiveDatabase,
    redis_url: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[list[ServerProcess]]:
    """Two server processes on one Redis: daphne unless a test names others."""
    kinds = getattr(request, "param", ("daphne", "daphne"))
    logs = tmp_path_factory.mktemp("logs")
    started = [
        ServerProcess(live_database, server=kind, log=logs / f"{kind}-{n}.log", REDIS_URL=redis_url)
        for n, kind in enumerate(kinds)
    ]
    yield started
    for server in started:
        server.stop()


class Player:
    """One bot's socket, its seat and the sequence number of its inputs."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.socket: websockets.ClientConnection | None = None
        self.me = ""
        # The seat number: this player's ack is acks[seat].
        self.seat = 0
        self.seq = 0

    async def connect(self, server: ServerProcess, match_id: str) -> dict:
        origin = f"http://{urlsplit(server.url).netloc}"
        ticket = socket_ticket(server.url, self.token)
        url = f"{server.ws_url}/ws/play/{match_id}/?ticket={ticket}"
        self.socket = await websockets.connect(url, origin=origin)
        snapshot = await self.next("snapshot")
        self.me = snapshot["room"]["you"]
        self.seat = own_seat(snapshot)
        return snapshot

    async def next(self, kind: str) -> dict:
        assert self.socket is not None
        while True:
            frame = orjson.loads(await self.socket.recv())
            if frame["type"] == kind:
                return frame

    async def play(self, column: int) -> None:
        """Sends one move and waits for the frame that acknowledges it."""
        assert self.socket is not None
        self.seq += 1
        frame = {"type": "input", "seq": self.seq, "data": {"column": column}}
        await self.socket.send(json.dumps(frame))
        while (await self.next("diff"))["acks"][self.seat] < self.seq:
            pass

    async def close(self) -> None:
        if self.socket is not None:
            await self.socket.close()


def _owner_pid(redis_url: str, match_id: str) -> int | None:
    lease = redis.Redis.from_url(redis_url).get(f"room:{match_id}:lease")
    return int(lease.decode().rsplit("-", 2)[1]) if lease else None


def _saved_acks(redis_url: str, match_id: str) -> dict[str, int]:
    data = redis.Redis.from_url(redis_url).hget(f"room:{match_id}:save", "data")
    return orjson.loads(data)["acks"] if data else {}


async def _match_on_two(servers: list[ServerProcess], redis_url: str):
    """A started match: the host on the owning process, the guest on the other."""
    match_id, tokens = start_match(servers[0].url, "connect_four", 2, {})
    host, guest = Player(tokens[0]), Player(tokens[1])
    await host.connect(servers[0], match_id)
    await guest.connect(servers[1], match_id)
    assert _owner_pid(redis_url, match_id) == servers[0].process.pid
    return match_id, host, guest


async def _play(moves: list[tuple[Player, int]]) -> None:
    for player, column in moves:
        await player.play(column)


async def _finish(host: Player, guest: Player, start: int) -> None:
    players = [host, guest]
    await _play([(players[n % 2], MOVES[n]) for n in range(start, len(MOVES))])
    end = await guest.next("end")
    assert end["result"]["reason"] == "four_in_a_row"
    assert guest.socket is not None
    await guest.socket.wait_closed()
    assert guest.socket.close_code == 4410


@pytest.mark.timeout(90)
@pytest.mark.parametrize(
    "servers", [("daphne", "daphne"), ("daphne", "uvicorn")], indirect=True, ids="+".join
)
async def test_players_on_two_processes_play_to_the_end_recorded_once(
    servers, live_database, redis_url
) -> None:
    match_id, host, guest = await _match_on_two(servers, redis_url)
    await _finish(host, guest, 0)
    await host.close()
    recorded = live_database.manage("shell", "--no-imports", "-c", RESULT_QUERY.format(match_id))
    assert recorded.strip() == FINISHED


async def _take_over(
    servers: list[ServerProcess], redis_url: str, live_database: LiveDatabase, sig: int
) -> float:
    """Plays three moves, stops the owner with `sig`, and finishes on the other process.

    Returns the pause the guest saw: from the signal to its snapshot from the new owner.
    """
    match_id, host, guest = await _match_on_two(servers, redis_url)
    await _play([(host, 0), (guest, 1), (host, 0)])
    if sig == signal.SIGKILL:
        # A killed owner loses what it did not save: wait for the save of these moves.
        await until(lambda: _saved_acks(redis_url, match_id).get(host.me) == host.seq)
    stopped_at = time.monotonic()
    servers[0].process.send_signal(sig)
    snapshot = await asyncio.wait_for(guest.next("snapshot"), 10)
    pause = time.monotonic() - stopped_at
    assert _owner_pid(redis_url, match_id) == servers[1].process.pid
    # Every acknowledged move is there.
    assert (snapshot["acks"][host.seat], snapshot["acks"][guest.seat]) == (2, 1)
    assert len(snapshot["state"]["cells"]) == 3
    await asyncio.to_thread(servers[0].stop)
    await host.close()
    await host.connect(servers[1], match_id)
    await _finish(host, guest, 3)
    await host.close()
    recorded = live_database.manage("shell", "--no-imports", "-c", RESULT_QUERY.format(match_id))
    assert recorded.strip() == FINISHED
    print(f"\npause after {signal.Signals(sig).name}: {pause:.2f} s")
    return pause


@pytest.mark.timeout(90)
async def test_the_match_goes_on_within_5_seconds_after_the_owner_is_killed(
    servers, live_database, redis_url
) -> None:
    pause = await _take_over(servers, redis_url, live_database, signal.SIGKILL)
    assert pause < 5.0


@pytest.mark.timeout(90)
@pytest.mark.parametrize(
    "servers", [("daphne", "daphne"), ("uvicorn", "uvicorn")], indirect=True, ids="+".join
)
async def test_a_stopped_owner_hands_over_every_acknowledged_input(
    servers, live_database, redis_url
) -> None:
    pause = await _take_over(servers, redis_url, live_database, signal.SIGTERM)
    assert pause < 2.0


class Steerer(Player):
    """An arena player steering all match long, as a browser does: it notes when each
    state frame came and the errors it was sent, and asks for a snapshot when a diff does
    not follow the last state."""

    def __init__(self, token: str) -> None:
        super().__init__(token)
        self.frames_at: list[float] = []
        self.last_tick = 0
        self.resyncs = 0
        self.acked = 0
        self.errors: list[str] = []

    async def steer(self) -> dict:
        """Steers until the match ends; returns the end frame."""
        assert self.socket is not None
        sender = asyncio.get_running_loop().create_task(self._send_inputs())
        try:
            while True:
                frame = orjson.loads(await self.socket.recv())
                if frame["type"] == "end":
                    return frame
                if frame["type"] == "error":
                    self.errors.append(frame["code"])
                    continue
                if frame["type"] in ("diff", "snapshot"):
                    self.frames_at.append(time.monotonic())
                if frame["type"] == "diff" and diff_base(frame) != self.last_tick:
                    self.resyncs += 1
                    await self.socket.send('{"type":"snapshot"}')
                elif frame["type"] in ("diff", "snapshot"):
                    self.last_tick = frame["tick"]
                    self.acked = frame["acks"][self.seat]
        finally:
            sender.cancel()

    async def _send_inputs(self) -> None:
        assert self.socket is not None
        while True:
            self.seq += 1
            direction = [1, 0] if self.seq // 10 % 2 else [-1, 0]
            frame = {"type": "input", "seq": self.seq, "data": {"dir": direction}}
            await self.socket.send(json.dumps(frame))
            await asyncio.sleep(0.1)

    def longest_pause(self) -> float:
        return max(b - a for a, b in itertools.pairwise(self.frames_at))


@pytest.mark.timeout(90)
async def test_the_match_goes_on_after_redis_restarts_with_its_data_gone(
    live_database, own_redis, tmp_path
) -> None:
    servers = [
        ServerProcess(live_database, log=tmp_path / f"daphne-{n}.log", REDIS_URL=own_redis.url)
        for n in range(2)
    ]
    try:
        match_id, tokens = start_match(servers[0].url, "arena", 2, {"duration": 15})
        host, guest = Steerer(tokens[0]), Steerer(tokens[1])
        await host.connect(servers[0], match_id)
        await guest.connect(servers[1], match_id)
        playing = [asyncio.ensure_future(player.steer()) for player in (host, guest)]
        await asyncio.sleep(4)
        own_redis.stop()
        await asyncio.sleep(0.5)
        own_redis.start()
        restarted_at = time.monotonic()
        seq_after_restart = guest.seq
        ends = await asyncio.wait_for(asyncio.gather(*playing), 30)
        # The owner ran the room from memory and holds its lease again.
        assert _owner_pid(own_redis.url, match_id) == servers[0].process.pid
        assert all(end["result"]["reason"] == "time_up" for end in ends)
        # The guest's inputs cross processes again: later ones were acknowledged. Those
        # sent while Redis was away were refused with a reason.
        assert guest.acked > seq_after_restart
        assert set(guest.errors) == {"unavailable"}
        assert all(frame_at > restarted_at for frame_at in guest.frames_at[-10:])
        for player in (host, guest):
            assert player.socket is not None
            await player.socket.wait_closed()
            assert player.socket.close_code == 4410
        recorded = live_database.manage(
            "shell", "--no-imports", "-c", RESULT_QUERY.format(match_id)
        )
        assert recorded.startswith("finished [(0, ")
        pauses = [player.longest_pause() for player in (host, guest)]
        assert max(pauses) < 5.0
        print(
            f"\nlongest pause after a Redis restart: owner's player {pauses[0]:.2f} s, "
            f"other process's player {pauses[1]:.2f} s; resyncs {host.resyncs}, {guest.resyncs}"
        )
    finally:
        for server in servers:
            server.stop()
