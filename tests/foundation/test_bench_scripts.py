"""The benchmark's scripts run: each on a small input, or, for the one that needs servers
and a load generator (bench/run.py), as far as its help. A script that an earlier change
broke (an import moved) fails here, not in the next session that measures with it. And
the cores bench/run.py gives its servers and load generator (bench/cores.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench.cores import Layout, layout

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


def test_the_replay_frames_cost_prints_each_gzip_level_and_the_kept_one() -> None:
    printed = _run("bench/replay_frames.py", "--seconds", "15")
    assert printed.count("gzip ") == 3
    assert "gzip 6 (kept)" in printed


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


@pytest.mark.parametrize(
    ("available", "processes", "expected"),
    [
        # This project's machines: a core for the server and one for the load...
        ((0, 1), 1, Layout(["0"], "1")),
        # ... or a server on each, the load beside them.
        ((0, 1), 2, Layout(["0", "1"], "0,1")),
        # Four cores: issue 14's set-up, a core for each server, the load on the rest.
        ((0, 1, 2, 3), 1, Layout(["0"], "1,2,3")),
        ((3, 2, 1, 0), 2, Layout(["0", "1"], "2,3")),
    ],
)
def test_servers_get_the_first_cores_and_the_load_generator_the_rest(
    available: tuple[int, ...], processes: int, expected: Layout
) -> None:
    assert layout(available, processes=processes, shared=False) == expected


def test_servers_held_to_a_core_share_run_anywhere() -> None:
    assert layout((0, 1), processes=2, shared=True) == Layout(["0,1", "0,1"], "0,1")


def test_one_core_is_too_few() -> None:
    with pytest.raises(ValueError, match="needs 2 cores"):
        layout((0,), processes=1, shared=False)
