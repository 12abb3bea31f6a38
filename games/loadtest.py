"""The load generator: bot players over the documented HTTP and WebSocket protocol.

Each room gets its own guests, a private lobby, ready-ups and a start, all through the
JSON API (docs/api.md); then every bot takes a one-use socket ticket, opens its play
socket with it (docs/protocol.md) and sends an input every 50 ms with a sequence number,
timing each input until a frame acks it. With `bots`, the host also seats that many of
the game's own bots in each room, which play inside the server (no socket), so a room of
1 player and 3 bots measures what the server's bots cost. The result is one JSON line;
progress goes to stderr once a second. The server must allow that many guests, and
lookups of the lobby codes they join, from this machine's address (`GUESTS_PER_ADDRESS_PER_HOUR`,
`LOBBY_LOOKUPS_PER_ADDRESS_PER_MINUTE`).

The load generator measures its own CPU over the measured window: a run where it used
more than `CLIENT_BOUND` of its core measured the client as much as the server, and says
so (`client_bound`). `run_workers` deals the rooms to several processes, which start
measuring together, and merges their figures.

Each bot's socket, and the figures the bots collect, are games/loadtest_bot.py's.
"""

from __future__ import annotations

import asyncio
import json
import math
import multiprocessing
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from websockets.exceptions import WebSocketException

from games.loadtest_bot import Stats, open_socket

# How long past the end of the run a bot waits for a frame before it gives up.
STALL_GRACE = 5.0
# Open sockets this many at a time, so that the server is not measured on a connect storm.
CONNECT_BATCH = 20
# How long every bot together may take to connect.
CONNECT_TIMEOUT = 120.0
# A load generator process busier than this share of its core limits what it measures.
CLIENT_BOUND = 0.8


def _percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(fraction * len(ordered)) - 1)]


def api_call(
    base: str, path: str, token: str | None = None, body: dict[str, Any] | None = None
) -> dict[str, Any]:
    """One JSON API call: a POST of `body` when there is one, else a GET."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(
        base + path,
        data=None if body is None else json.dumps(body).encode(),
        headers=headers,
        method="GET" if body is None else "POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        answer: dict[str, Any] = json.loads(response.read())
    return answer


def start_match(
    base: str, game: str, players: int, settings: dict[str, Any], bots: int = 0
) -> tuple[str, list[str]]:
    """Guests, a private lobby with `bots` of the game's bots, everyone ready, started:
    the match id and the guests' tokens."""
    tokens = [api_call(base, "/api/guest/", body={})["token"] for _ in range(players)]
    seats = players + bots
    lobby = api_call(
        base,
        "/api/lobbies/",
        tokens[0],
        {"game": game, "settings": settings, "public": False, "max_players": seats},
    )["lobby"]
    code = lobby["code"]
    for _ in range(bots):
        api_call(base, f"/api/lobbies/{code}/add_bot/", tokens[0], {})
    for token in tokens[1:]:
        api_call(base, f"/api/lobbies/{code}/join/", token, {})
        api_call(base, f"/api/lobbies/{code}/ready/", token, {"ready": True})
    started = api_call(base, f"/api/lobbies/{code}/start/", tokens[0], {})
    return started["match_id"], tokens


def socket_ticket(base: str, token: str) -> str:
    """A one-use ticket that opens one socket within 60 s: long-lived tokens stay out of
    socket URLs (docs/api.md)."""
    ticket: str = api_call(base, "/api/socket-ticket/", token, {})["ticket"]
    return ticket


async def _bot(base: str, url: str, origin: str, room: str, token: str, stats: Stats) -> None:
    arrived = False
    try:
        ticket = await asyncio.to_thread(socket_ticket, base, token)
        bot = await open_socket(f"{url}/ws/play/{room}/?ticket={ticket}", origin, room, stats)
        stats.connected += 1
        stats.arrived()
        arrived = True
        try:
            bot.start_inputs()
            # A server that stops sending must not hold the run past its end.
            async with asyncio.timeout(None) as deadline:
                stats.deadlines.append(deadline)
                try:
                    await bot.reading
                finally:
                    # A finished deadline cannot be moved: one bot that stopped during the
                    # warm-up would stop the run.
                    stats.deadlines.remove(deadline)
        except TimeoutError:
            stats.errors += 1
            print("bot error: no frame before the end of the run", file=sys.stderr)
        finally:
            await bot.close()
    except (OSError, WebSocketException) as error:
        stats.errors += 1
        print(f"bot error: {error!r}", file=sys.stderr)
        if not arrived:
            stats.arrived()
    finally:
        if arrived:
            stats.connected -= 1


async def _progress(stats: Stats, started: float) -> None:
    """A line a second, with the p99 of the inputs acknowledged in that second: sorting
    every latency so far each second stalled the bots by tens of ms at 100 rooms, which
    their own latencies then counted."""
    reported = 0
    while time.monotonic() < stats.stop:
        await asyncio.sleep(1)
        recent = stats.latencies[reported:]
        reported += len(recent)
        print(
            f"{time.monotonic() - started:5.0f}s connected={stats.connected} "
            f"frames={stats.frames} p99 last second={_percentile(recent, 0.99) * 1000:.0f}ms "
            f"errors={stats.errors}",
            file=sys.stderr,
        )


def _server(url: str) -> tuple[str, str, str]:
    """A server's base URL, the Origin its sockets need, and its WebSocket base URL."""
    base = url.strip().rstrip("/")
    parts = urlsplit(base)
    origin = f"{parts.scheme}://{parts.netloc}"
    return base, origin, origin.replace("http", "ws", 1)


@dataclass
class Measured:
    """One load generator process's figures over its measured window."""

    rooms: int
    players: int
    bots: int
    seconds: float
    connect_s: float
    latencies: list[float]
    tick_rates: list[float]
    frames: int
    bytes: int
    errors: int
    # Its CPU time over the window, as a share of one core.
    cpu: float


async def _drive(
    *,
    url: str,
    game: str,
    rooms: int,
    players: int,
    seconds: float,
    warmup: float = 3.0,
    bots: int = 0,
    start_together: Callable[[], object] | None = None,
) -> Measured:
    servers = [_server(base) for base in url.split(",")]
    settings = {"duration": 600} if game == "arena" else {}
    prepared = await asyncio.gather(
        *(
            asyncio.to_thread(
                start_match, servers[number % len(servers)][0], game, players, settings, bots
            )
            for number in range(rooms)
        )
    )
    clients = rooms * players
    stats = Stats(to_arrive=clients)
    started = time.monotonic()
    sockets: list[asyncio.Task[None]] = []
    for room, tokens in prepared:
        for token in tokens:
            base, origin, ws_url = servers[len(sockets) % len(servers)]
            sockets.append(asyncio.create_task(_bot(base, ws_url, origin, room, token, stats)))
            if len(sockets) % CONNECT_BATCH == 0:
                await asyncio.sleep(0.05)
    progress = asyncio.create_task(_progress(stats, started))
    # Figures count from the end of the warm-up, which starts once every bot is in (or
    # gave up), in every process of the run: connecting, first snapshots and inputs sent
    # meanwhile are left out.
    await asyncio.wait_for(stats.everyone_in.wait(), CONNECT_TIMEOUT)
    connect_seconds = time.monotonic() - started
    if start_together is not None:
        await asyncio.to_thread(start_together)
    await asyncio.sleep(warmup)
    stats.frames = stats.bytes = 0
    stats.ticks.clear()
    stats.measured_from = time.monotonic()
    cpu_from = time.process_time()
    stats.stop = stats.measured_from + seconds
    print(f"measuring for {seconds:g} s (all in after {connect_seconds:.1f} s)", file=sys.stderr)
    loop = asyncio.get_running_loop()
    for deadline in stats.deadlines:
        deadline.reschedule(loop.time() + seconds + STALL_GRACE)
    await asyncio.gather(*sockets)
    cpu = time.process_time() - cpu_from
    progress.cancel()
    ended = time.monotonic()
    return Measured(
        rooms=rooms,
        players=clients,
        bots=rooms * bots,
        seconds=max(1e-9, min(ended, stats.stop) - stats.measured_from),
        connect_s=connect_seconds,
        latencies=stats.latencies,
        tick_rates=stats.tick_rates(),
        frames=stats.frames,
        bytes=stats.bytes,
        errors=stats.errors,
        cpu=cpu / max(1e-9, ended - stats.measured_from),
    )


def summary(parts: list[Measured]) -> dict[str, Any]:
    """The run's figures from its processes' (one, or each worker's)."""
    latencies = [latency for part in parts for latency in part.latencies]
    tick_rates = [rate for part in parts for rate in part.tick_rates]
    clients = sum(part.players for part in parts)
    elapsed = min(part.seconds for part in parts)
    busiest = max(part.cpu for part in parts)
    return {
        "rooms": sum(part.rooms for part in parts),
        "players": clients,
        "bots": sum(part.bots for part in parts),
        "seconds": round(elapsed, 1),
        "connect_s": round(max(part.connect_s for part in parts), 1),
        "p50_ms": round(_percentile(latencies, 0.50) * 1000, 1),
        "p95_ms": round(_percentile(latencies, 0.95) * 1000, 1),
        "p99_ms": round(_percentile(latencies, 0.99) * 1000, 1),
        "tick_hz": round(sum(tick_rates) / len(tick_rates), 2) if tick_rates else 0.0,
        "frames_per_s": round(sum(part.frames / part.seconds for part in parts), 1),
        "bytes_per_client_s": round(
            sum(part.bytes / part.seconds for part in parts) / max(1, clients), 1
        ),
        # The text of every frame a bot received, over how many frames.
        "bytes_per_frame": round(
            sum(part.bytes for part in parts) / max(1, sum(part.frames for part in parts)), 1
        ),
        "inputs_acked": len(latencies),
        "errors": sum(part.errors for part in parts),
        "workers": len(parts),
        # To a thousandth of a core: a small run's worker can use less than 0.005.
        "client_cpu": round(sum(part.cpu for part in parts), 3),
        "client_cpu_busiest": round(busiest, 3),
        "client_bound": busiest > CLIENT_BOUND,
    }


async def run(
    *,
    url: str,
    game: str,
    rooms: int,
    players: int,
    seconds: float,
    warmup: float = 3.0,
    bots: int = 0,
) -> dict[str, Any]:
    """Drives `rooms` rooms of `players` socket players (and `bots` of the server's own
    bots) for `seconds` from this process and returns the figures.

    `url` may list several servers, comma-separated: bots are dealt to them in turn, so
    a room's players sit on different processes.
    """
    measured = await _drive(
        url=url, game=game, rooms=rooms, players=players, seconds=seconds, warmup=warmup, bots=bots
    )
    return summary([measured])


def run_workers(workers: int, *, rooms: int, **options: Any) -> dict[str, Any]:
    """As `run`, with the rooms dealt to `workers` processes that start measuring at the
    same moment (a barrier once every bot of every process is in)."""
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(workers)
    results = context.Queue()
    shares = [rooms // workers + (number < rooms % workers) for number in range(workers)]
    processes = [
        context.Process(target=_worker, args=(barrier, results, {**options, "rooms": share}))
        for share in shares
        if share
    ]
    if len(processes) < workers:
        raise ValueError(f"{workers} workers need at least as many rooms, not {rooms}")
    for process in processes:
        process.start()
    parts = [results.get(timeout=CONNECT_TIMEOUT * 2 + options["seconds"] + 60) for _ in processes]
    for process in processes:
        process.join()
    failed = [process.exitcode for process in processes if process.exitcode != 0]
    if failed:
        raise RuntimeError(f"load generator workers failed with exit codes {failed}")
    return summary(parts)


def _worker(barrier: Any, results: Any, options: dict[str, Any]) -> None:
    """One worker process of `run_workers`: drives its rooms, hands back its figures."""

    def start_together() -> None:
        barrier.wait(CONNECT_TIMEOUT)

    results.put(event_loop_runner()(_drive(**options, start_together=start_together)))


def event_loop_runner() -> Callable[[Any], Any]:
    """uvloop's run where installed (the client then costs less), else asyncio's."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run
    return uvloop.run
