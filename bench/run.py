"""The capacity benchmark: one server process on core 0, the load generator on core 1
(on the cores after the servers' with more than 2: bench/cores.py).

    python bench/run.py --server daphne --layer redis --rooms 20,30,40 --seconds 15

For each room count it starts a fresh server, runs `manage.py loadtest` (4 arena players
per room; `--players 1 --bots 3`: one player and three of the server's own bots), and
records latency, tick rate, the servers' memory at the end (`server_rss_mb`) and both
processes' CPU (the load generator's as it measures it: over 0.8 of its core, the run is
marked client-bound; `--workers N` deals the rooms to N load generator processes).
With `--processes 2` a server runs on each core (Redis layer), the load generator beside
them, and each room's players are dealt to both servers. Capacity is the largest room
count with p99 < 100 ms and ticks at 19 Hz or more. Each run records the machine's
event-loop round trip (`machine_echo_us`): runs compare only beside similar figures.
Results are printed as a Markdown table and appended to bench/results/<date>.jsonl, each
run labelled with the commit measured (`--label` names it otherwise); bench/plot.py
draws them. With `--repeat N` every room count is measured N times, round after round,
and the table gives each figure's median (server CPU with its range): runs of the same
code here differ by up to a tenth of a core. Not part of the test suite.

`--server colyseus` measures Colyseus 0.18 (Node) on the same workload instead, beside
ours in one run: bench/colyseus/server.mjs on core 0 (an arena room of its own, no
database), and its own load client, bench/colyseus/loadtest.mjs, on core 1, which reports
the same figures computed the same way; `npm ci` installs it in bench/colyseus the first
time. Its rows record `layer: "colyseus"` (`--layer`, `--bots`, `--workers` and
`--processes` are ours alone).

`--core-share F` gives each of our server processes F of a core instead of a core of its
own: every server runs in a CPU cgroup of its own with a CFS quota of F (`CoreShare`),
on any core, and the load generator may use both cores. It measures two processes on a
machine with too few cores to give two servers, Redis and the load generator one each:
`--processes 1 --core-share 0.5` against `--processes 2 --core-share 0.5` is one process
on half a core against two on half a core each.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Protocol

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# The settings refuse to load without a SECRET_KEY unless DEBUG is on: the live database's
# and the load generator's manage.py commands run with it on; the servers run with
# production settings (`_step`).
os.environ.setdefault("DEBUG", "True")

from bench.cores import layout  # noqa: E402
from bench.plot import P99_LIMIT_MS, TICK_FLOOR_HZ, median_of  # noqa: E402
from tests.servers import (  # noqa: E402
    LiveDatabase,
    ServerProcess,
    cpu_seconds,
    free_port,
    stop_process,
)

COLYSEUS = ROOT / "bench" / "colyseus"
CGROUP_V1_CPU = Path("/sys/fs/cgroup/cpu")
CGROUP_V2 = Path("/sys/fs/cgroup")
# The quota's period by default: short, so that a server that used up its share waits at
# most a few milliseconds for the next period (the kernel's default, 100 ms, would show in
# p99). `--core-period` sets another; the kernel's shortest quota is 1 ms.
CORE_SHARE_PERIOD_MS = 10.0


class Metered(Protocol):
    """A server process whose CPU and memory `_measure` reads."""

    process: subprocess.Popen[bytes]

    def cpu_seconds(self) -> float: ...


class ColyseusServer:
    """bench/colyseus/server.mjs under Node on a free port of 127.0.0.1, pinned to `cpus`,
    ready once it accepts connections."""

    def __init__(self, *, log: Path, cpus: str, timeout: float = 30.0) -> None:
        self.port = free_port()
        self.url = f"ws://127.0.0.1:{self.port}"
        self.log = log
        self._log_file = log.open("ab")
        command = ["taskset", "-c", cpus, "node", str(COLYSEUS / "server.mjs")]
        self.process = subprocess.Popen(
            [*command, "--port", str(self.port)],
            cwd=ROOT,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while self.process.poll() is None and time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the Colyseus server did not start listening; see {log}")

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.process.pid)

    def stop(self) -> None:
        stop_process(self.process)
        self._log_file.close()


class CoreShare:
    """A CPU cgroup whose processes together get `share` of one core: cgroup v1's cpu
    controller or cgroup v2's cpu.max, whichever this machine mounts writable."""

    def __init__(self, share: float, period_ms: float) -> None:
        period = round(period_ms * 1000)
        quota = round(share * period)
        name = f"bench-{os.getpid()}-{secrets.token_hex(4)}"
        if (CGROUP_V1_CPU / "cpu.cfs_quota_us").exists():
            self.path = CGROUP_V1_CPU / name
            self.path.mkdir()
            (self.path / "cpu.cfs_period_us").write_text(str(period))
            (self.path / "cpu.cfs_quota_us").write_text(str(quota))
        elif (CGROUP_V2 / "cgroup.controllers").exists():
            self.path = CGROUP_V2 / name
            self.path.mkdir()
            (self.path / "cpu.max").write_text(f"{quota} {period}")
        else:
            sys.exit("--core-share needs a writable CPU cgroup (cgroup v1 cpu or v2)")

    def add(self, pid: int) -> None:
        """Moves the process, every thread of it, into the cgroup."""
        (self.path / "cgroup.procs").write_text(str(pid))

    def remove(self) -> None:
        self.path.rmdir()


def _install_colyseus() -> None:
    """bench/colyseus's packages, from its package-lock.json, when they are missing."""
    if (COLYSEUS / "node_modules").is_dir():
        return
    if shutil.which("node") is None or shutil.which("npm") is None:
        sys.exit("--server colyseus needs Node.js 20 or later and npm on the PATH")
    print("installing Colyseus: npm ci in bench/colyseus", file=sys.stderr)
    if subprocess.run(["npm", "ci"], cwd=COLYSEUS, check=False).returncode != 0:
        sys.exit("npm ci failed: run `npm ci` in bench/colyseus and try again")


def _colyseus_step(args: argparse.Namespace, rooms: int, folder: Path) -> dict:
    """One step against Colyseus: its server on core 0, its load client on the others."""
    cores = layout(os.sched_getaffinity(0), processes=1, shared=False)
    server = ColyseusServer(log=folder / f"colyseus-{rooms}.log", cpus=cores.servers[0])
    try:
        command = ["taskset", "-c", cores.load_generator, "node", str(COLYSEUS / "loadtest.mjs")]
        command += ["--url", server.url, "--rooms", str(rooms), "--players", str(args.players)]
        command += ["--seconds", str(args.seconds)]
        return _measure(command, [server])
    finally:
        server.stop()


def _step(
    args: argparse.Namespace, rooms: int, database: LiveDatabase | None, folder: Path
) -> dict:
    if args.server == "colyseus":
        result = _colyseus_step(args, rooms, folder)
    else:
        assert database is not None
        result = _our_step(args, rooms, database, folder)
    result.update(server=args.server, layer=args.layer, processes=args.processes, label=args.label)
    result["cores"] = len(os.sched_getaffinity(0))
    result["ok"] = result["p99_ms"] < P99_LIMIT_MS and result["tick_hz"] >= TICK_FLOOR_HZ
    return result


def _our_step(args: argparse.Namespace, rooms: int, database: LiveDatabase, folder: Path) -> dict:
    environment = {
        "memory": {},
        "redis": {"REDIS_URL": args.redis_url, "CHANNEL_LAYER": "pipelined"},
        "redis-pubsub": {"REDIS_URL": args.redis_url, "CHANNEL_LAYER": "pubsub"},
        "redis-core": {"REDIS_URL": args.redis_url, "CHANNEL_LAYER": "core"},
    }[args.layer]
    cores = layout(os.sched_getaffinity(0), processes=args.processes, shared=bool(args.core_share))
    servers = [
        ServerProcess(
            database,
            server=args.server,
            log=folder / f"{args.server}-{rooms}-{number}.log",
            cpus=core,
            # Production settings, behind a proxy that terminates TLS: no query log, no
            # debug pages, no redirect to https.
            DEBUG="False",
            SECRET_KEY=secrets.token_urlsafe(50),
            SECURE_SSL_REDIRECT="False",
            LOG_LEVEL="WARNING",
            **environment,
        )
        for number, core in enumerate(cores.servers)
    ]
    shares: list[CoreShare] = []
    try:
        if args.core_share:
            shares = [CoreShare(args.core_share, args.core_period) for _ in servers]
            for share, server in zip(shares, servers, strict=True):
                share.add(server.process.pid)
        urls = ",".join(server.url for server in servers)
        command = ["manage.py", "loadtest", "--url", urls, "--rooms", str(rooms)]
        command += ["--players", str(args.players), "--seconds", str(args.seconds)]
        command += ["--bots", str(args.bots), "--workers", str(args.workers)]
        command = ["taskset", "-c", cores.load_generator, sys.executable, *command]
        result = _measure(command, servers)
        if shares:
            result["core_share"] = args.core_share
            result["core_period_ms"] = args.core_period
        return result
    finally:
        for server in servers:
            server.stop()
        for share in shares:
            share.remove()


def _relay_errors(lines: Iterable[str], until: str = "") -> None:
    """Prints the load generator's bot errors, up to its line starting with `until`
    (printed too: a profiler started then sees only the measured window)."""
    for line in lines:
        if line.startswith("bot error"):
            print(line.rstrip(), file=sys.stderr)
        elif until and line.startswith(until):
            print(line.rstrip(), file=sys.stderr)
            return


def _measure(command: list[str], servers: Sequence[Metered]) -> dict:
    """Runs the load generator. The servers' CPU counts over its measured window (every
    bot connected, warm-up over) to its end, as a share of one core; the load generator
    measures its own (`client_cpu`, every worker's together)."""
    load = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert load.stderr is not None
    assert load.stdout is not None
    _relay_errors(load.stderr, until="measuring")
    began = time.monotonic()
    server_before = [server.cpu_seconds() for server in servers]
    _relay_errors(load.stderr)
    output = load.stdout.read()
    elapsed = time.monotonic() - began
    server_after = [server.cpu_seconds() for server in servers]
    if load.wait() != 0:
        raise RuntimeError("the load generator failed")
    result = json.loads(output.strip().splitlines()[-1])
    spent = sum(after - before for before, after in zip(server_before, server_after, strict=True))
    result["server_cpu"] = round(spent / elapsed, 2)
    result["server_rss_mb"] = round(sum(_rss_megabytes(server.process.pid) for server in servers))
    return result


def _rss_megabytes(pid: int) -> float:
    """A process's resident memory now, in MB."""
    status = Path(f"/proc/{pid}/status").read_text()
    line = next(line for line in status.splitlines() if line.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


def _echo_microseconds(rounds: int = 20_000) -> float:
    """This machine's event-loop round trip on core 0, in µs: 80 bytes echoed over
    loopback TCP with both ends on one asyncio loop. The servers' and the load generator's
    work is mostly such wake-ups and socket calls, and machines of this kind have differed
    in it by two times between sessions with the same code (bench/README.md)."""

    async def echo() -> float:
        answered = asyncio.get_running_loop().create_future()

        async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            while data := await reader.read(100):
                writer.write(data)
            writer.close()
            answered.set_result(None)

        server = await asyncio.start_server(answer, "127.0.0.1", 0)
        reader, writer = await asyncio.open_connection(*server.sockets[0].getsockname()[:2])
        began = time.perf_counter()
        for _ in range(rounds):
            writer.write(b"x" * 80)
            await reader.read(100)
        spent = time.perf_counter() - began
        writer.close()
        await writer.wait_closed()
        await answered
        server.close()
        await server.wait_closed()
        return spent / rounds * 1e6

    cores = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {0})
    try:
        return round(asyncio.run(echo()), 1)
    finally:
        os.sched_setaffinity(0, cores)


def _commit() -> str:
    """The checkout's commit, marked when it has changes beside it."""
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    # The results this script appends are not a change to the code it measures.
    changed = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no", "--", ".", ":!bench/results"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return f"{commit}+changes" if changed else commit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--server", choices=["daphne", "uvicorn", "daphne-uvloop", "colyseus"], default="daphne"
    )
    parser.add_argument(
        "--layer", choices=["memory", "redis", "redis-pubsub", "redis-core"], default="redis"
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--rooms", default="10,20,30,40")
    parser.add_argument("--players", type=int, default=4)
    parser.add_argument("--bots", type=int, default=0, help="the server's own bots per room")
    parser.add_argument("--processes", type=int, choices=[1, 2], default=1)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument(
        "--core-share",
        type=float,
        default=0.0,
        help="hold each server process to this share of a core (a CPU cgroup's quota)",
    )
    parser.add_argument(
        "--core-period",
        type=float,
        default=CORE_SHARE_PERIOD_MS,
        help="the core share's quota period, in ms (the quota, share x period, >= 1 ms)",
    )
    parser.add_argument(
        "--workers", type=int, default=1, help="load generator processes (manage.py loadtest)"
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="measure each room count this many times, in rounds; the table shows medians",
    )
    parser.add_argument(
        "--label", default=_commit(), help="names these runs in the results (the commit's)"
    )
    args = parser.parse_args()
    if args.core_share and args.core_share * args.core_period < 1:
        parser.error("a core share's quota (share x period) must be 1 ms or more")
    if args.server == "colyseus":
        if args.processes != 1 or args.bots or args.workers != 1 or args.core_share:
            parser.error("--server colyseus runs one process on a core, no bots, one load client")
        args.layer = "colyseus"
        _install_colyseus()

    echo_us = _echo_microseconds()
    results = []
    out = ROOT / "bench" / "results" / f"{time.strftime('%Y-%m-%d')}.jsonl"
    out.parent.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        database = None if args.server == "colyseus" else LiveDatabase(Path(folder))
        try:
            for rooms in [int(count) for count in args.rooms.split(",")] * args.repeat:
                result = _step(args, rooms, database, Path(folder))
                result["machine_echo_us"] = echo_us
                results.append(result)
                print(json.dumps(result), file=sys.stderr)
                # Each step as it ends: a later step that fails loses none of them.
                with out.open("a") as file:
                    file.write(json.dumps(result) + "\n")
        finally:
            if database is not None:
                database.drop()

    counts = list(dict.fromkeys(result["rooms"] for result in results))
    steps = [median_of([r for r in results if r["rooms"] == rooms]) for rooms in counts]
    passing = [step["rooms"] for step in steps if step["ok"]]
    bots = f" and {args.bots} bots" if args.bots else ""
    print(
        f"\n{args.server} x{args.processes}, {args.layer} layer, "
        f"{args.players} players{bots} per room; machine echo {echo_us} µs"
    )
    if args.repeat > 1:
        print(f"each figure the median of {args.repeat} runs; server CPU's range beside it")
    print(
        "| rooms | p50 ms | p99 ms | tick Hz | frames/s | B/client/s | server CPU "
        "| server MB | loadgen CPU | connect s |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in steps:
        low, high = r["server_cpu_range"]
        spread = f" ({low} to {high})" if args.repeat > 1 else ""
        print(
            f"| {r['rooms']} | {r['p50_ms']} | {r['p99_ms']} | {r['tick_hz']} | "
            f"{r['frames_per_s']} | {r['bytes_per_client_s']} | {r['server_cpu']}{spread} | "
            f"{r['server_rss_mb']} | "
            f"{r['client_cpu']}{' (client-bound)' if r['client_bound'] else ''} | "
            f"{r['connect_s']} |"
        )
    print(f"capacity: {max(passing) if passing else 0} rooms")


if __name__ == "__main__":
    main()
