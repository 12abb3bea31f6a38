"""The benchmark's scripts run: each on a small input, or, for the one that needs servers
and a load generator (bench/run.py), as far as its help. A script that an earlier change
broke (an import moved) fails here, not in the next session that measures with it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(*arguments: str) -> str:
    finished = subprocess.run(
        [sys.executable, *arguments], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert finished.returncode == 0, finished.stderr
    return finished.stdout


def test_the_encoding_comparison_prints_both_encodings() -> None:
    printed = _run("bench/encoding.py", "--rooms", "1", "--seconds", "1")
    assert "JSON (orjson)" in printed
    assert "MessagePack" in printed


def test_the_wake_comparison_prints_both_ways_twice() -> None:
    printed = _run("bench/room_wakes.py", "--rooms", "2", "--seconds", "0.2")
    assert printed.count("sleeping tasks:") == printed.count("call_at timers:") == 2


def test_the_capacity_benchmark_starts() -> None:
    assert "--core-period" in _run("bench/run.py", "--help")


def test_the_plot_draws_a_run(tmp_path: Path) -> None:
    results = tmp_path / "run.jsonl"
    rows = [
        {"server": "uvicorn", "layer": "redis", "processes": 1, "label": "x", "rooms": rooms}
        | {"p99_ms": 50.0 + rooms / 10, "server_cpu": rooms / 200, "tick_hz": 20.0, "ok": True}
        for rooms in (60, 100)
    ]
    results.write_text("".join(json.dumps(row) + "\n" for row in rows))
    picture = tmp_path / "run.svg"
    _run("bench/plot.py", str(results), "--label", "x", "-o", str(picture))
    assert picture.read_text().startswith("<svg")
