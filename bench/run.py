"""The capacity benchmark: one server process on core 0, the load generator on core 1.

    python bench/run.py --server daphne --layer redis --rooms 20,30,40 --seconds 15

For each room count it starts a fresh server, runs `manage.py loadtest` (4 arena players
per room), and records latency, tick rate and both processes' CPU. Capacity is the
largest room count with p99 < 100 ms and ticks at 19 Hz or more. Results are printed as
a Markdown table and appended to bench/results/<date>.jsonl. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.servers import LiveDatabase, ServerProcess  # noqa: E402

P99_LIMIT_MS = 100.0
TICK_FLOOR_HZ = 19.0


def _step(args: argparse.Namespace, rooms: int, database: LiveDatabase, folder: Path) -> dict:
    environment = {"REDIS_URL": args.redis_url} if args.layer == "redis" else {}
    server = ServerProcess(
        database,
        server=args.server,
        log=folder / f"{args.server}-{rooms}.log",
        cpus="0",
        DEBUG="True",
        LOG_LEVEL="WARNING",
        **environment,
    )
    try:
        before = server.cpu_seconds()
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.monotonic()
        command = ["manage.py", "loadtest", "--url", server.url, "--rooms", str(rooms)]
        command += ["--players", str(args.players), "--seconds", str(args.seconds)]
        output = subprocess.run(
            ["taskset", "-c", "1", sys.executable, *command],
            cwd=ROOT,
            env={**os.environ, **database.environment},
            capture_output=True,
            text=True,
            check=True,
        )
        wall = time.monotonic() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        result = json.loads(output.stdout.strip().splitlines()[-1])
        result["server_cpu"] = round((server.cpu_seconds() - before) / wall, 2)
        load_cpu = (after.ru_utime + after.ru_stime) - (children.ru_utime + children.ru_stime)
        result["loadgen_cpu"] = round(load_cpu / wall, 2)
    finally:
        server.stop()
    result.update(server=args.server, layer=args.layer)
    result["ok"] = result["p99_ms"] < P99_LIMIT_MS and result["tick_hz"] >= TICK_FLOOR_HZ
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--server", choices=["daphne", "uvicorn", "daphne-uvloop"], default="daphne"
    )
    parser.add_argument("--layer", choices=["memory", "redis"], default="redis")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--rooms", default="10,20,30,40")
    parser.add_argument("--players", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=15.0)
    args = parser.parse_args()

    results = []
    with tempfile.TemporaryDirectory() as folder:
        database = LiveDatabase(Path(folder))
        try:
            for rooms in (int(count) for count in args.rooms.split(",")):
                result = _step(args, rooms, database, Path(folder))
                results.append(result)
                print(json.dumps(result), file=sys.stderr)
        finally:
            database.drop()

    passing = [result["rooms"] for result in results if result["ok"]]
    print(f"\n{args.server}, {args.layer} layer, {args.players} players per room")
    print(
        "| rooms | p50 ms | p99 ms | tick Hz | frames/s | B/client/s | server CPU | loadgen CPU |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in results:
        print(
            f"| {r['rooms']} | {r['p50_ms']} | {r['p99_ms']} | {r['tick_hz']} | "
            f"{r['frames_per_s']} | {r['bytes_per_client_s']} | {r['server_cpu']} | "
            f"{r['loadgen_cpu']} |"
        )
    print(f"capacity: {max(passing) if passing else 0} rooms")
    out = ROOT / "bench" / "results" / f"{time.strftime('%Y-%m-%d')}.jsonl"
    out.parent.mkdir(exist_ok=True)
    with out.open("a") as file:
        for result in results:
            file.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
