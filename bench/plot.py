"""Draws the benchmark's results: p99 latency and server CPU against rooms, one line for
each server, layer and process count (and label, when the runs name one); a room count
measured more than once (`bench/run.py --repeat`) is drawn at its medians.

    python bench/plot.py bench/results/2026-11-30.jsonl --label main-5c1e0a2 -o bench/capacity.svg

Reads the JSON lines bench/run.py appends to bench/results/ and writes one SVG with two
panels side by side. No plotting library: the picture is a few lines of SVG.
"""

from __future__ import annotations

import argparse
import json
import statistics
from collections import defaultdict
from html import escape
from pathlib import Path

WIDTH, HEIGHT = 440, 300
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 34, 44
COLOURS = ("#1f5fa8", "#c2410c", "#15803d", "#7e22ce", "#b91c1c", "#0e7490")
# The capacity bounds bench/run.py holds every run to.
P99_LIMIT_MS = 100.0
TICK_FLOOR_HZ = 19.0


def median_of(runs: list[dict]) -> dict:
    """One run's figures for several runs of the same step (`bench/run.py --repeat`): each
    number that differs between them their median, and `server_cpu_range` the least and
    most server CPU measured. Whether it passes is judged again on the medians, and a step
    is client-bound if any of its runs was."""
    first = runs[0]
    median = {
        key: round(statistics.median(run[key] for run in runs), 2)
        if type(value) in (int, float) and any(run[key] != value for run in runs)
        else value
        for key, value in first.items()
    }
    median["runs"] = len(runs)
    median["server_cpu_range"] = [
        min(run["server_cpu"] for run in runs),
        max(run["server_cpu"] for run in runs),
    ]
    median["client_bound"] = any(run.get("client_bound", False) for run in runs)
    median["ok"] = median["p99_ms"] < P99_LIMIT_MS and median["tick_hz"] >= TICK_FLOOR_HZ
    return median


def series_of(lines: list[dict]) -> dict[str, list[dict]]:
    """The runs by line of the picture, each sorted by rooms; the runs of one room count
    are drawn as their medians (`median_of`)."""
    series: dict[str, dict[int, list[dict]]] = defaultdict(lambda: defaultdict(list))
    for run in lines:
        name = f"{run['server']} x{run['processes']}, {run['layer']}"
        if run.get("core_share"):
            name += f", {run['core_share']} core each"
            if run.get("core_period_ms", 10.0) != 10.0:
                name += f" ({run['core_period_ms']:g} ms periods)"
        if run.get("bots"):
            name += f", {run['players'] // run['rooms']}+{run['bots'] // run['rooms']} bots"
        if run.get("label"):
            name = f"{run['label']}: {name}"
        series[name][run["rooms"]].append(run)
    return {
        name: [median_of(runs[rooms]) for rooms in sorted(runs)] for name, runs in series.items()
    }


def _panel(
    series: dict[str, list[dict]], key: str, title: str, limit: float | None, x0: int
) -> list[str]:
    rooms = [run["rooms"] for runs in series.values() for run in runs]
    values = [run[key] for runs in series.values() for run in runs]
    top = max([*values, limit or 0]) * 1.1 or 1.0
    right = max(rooms) * 1.05

    def x(value: float) -> float:
        return x0 + LEFT + value / right * (WIDTH - LEFT - RIGHT)

    def y(value: float) -> float:
        return TOP + (1 - min(value, top) / top) * (HEIGHT - TOP - BOTTOM)

    parts = [
        f'<text x="{x0 + LEFT}" y="20" font-size="14" font-weight="bold">{escape(title)}</text>',
        f'<line x1="{x(0)}" y1="{y(0)}" x2="{x(right)}" y2="{y(0)}" stroke="#444"/>',
        f'<line x1="{x(0)}" y1="{y(0)}" x2="{x(0)}" y2="{y(top)}" stroke="#444"/>',
        f'<text x="{x(right / 2)}" y="{HEIGHT - 8}" font-size="12" '
        'text-anchor="middle">rooms</text>',
    ]
    for step in range(5):
        value = top / 1.1 * step / 4
        parts.append(
            f'<text x="{x(0) - 6}" y="{y(value) + 4}" font-size="11" '
            f'text-anchor="end">{value:.3g}</text>'
        )
    for count in sorted(set(rooms)):
        parts.append(
            f'<text x="{x(count)}" y="{y(0) + 16}" font-size="11" '
            f'text-anchor="middle">{count}</text>'
        )
    if limit is not None:
        parts.append(
            f'<line x1="{x(0)}" y1="{y(limit)}" x2="{x(right)}" y2="{y(limit)}" '
            'stroke="#999" stroke-dasharray="4 3"/>'
        )
    for colour, runs in zip(COLOURS * 4, series.values(), strict=False):
        points = " ".join(f"{x(run['rooms']):.1f},{y(run[key]):.1f}" for run in runs)
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>'
        )
        for run in runs:
            parts.append(
                f'<circle cx="{x(run["rooms"]):.1f}" cy="{y(run[key]):.1f}" r="3" fill="{colour}"/>'
            )
    return parts


def draw(series: dict[str, list[dict]]) -> str:
    """Two panels (p99 with its 100 ms bound, server CPU as a share of one core) and the
    legend below them."""
    legend_height = 18 * len(series) + 10
    parts = [
        *_panel(series, "p99_ms", "p99 input to ack (ms)", P99_LIMIT_MS, 0),
        *_panel(series, "server_cpu", "server CPU (share of one core)", 1.0, WIDTH),
    ]
    for number, (colour, name) in enumerate(zip(COLOURS * 4, series, strict=False)):
        row = HEIGHT + 14 + 18 * number
        parts.append(
            f'<rect x="{LEFT}" y="{row - 9}" width="14" height="4" fill="{colour}"/>'
            f'<text x="{LEFT + 20}" y="{row - 3}" font-size="12">{escape(name)}</text>'
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{2 * WIDTH}" '
        f'height="{HEIGHT + legend_height}" font-family="sans-serif">'
        f'<rect width="100%" height="100%" fill="white"/>{"".join(parts)}</svg>\n'
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", nargs="+", type=Path, help="bench/results/<date>.jsonl files")
    parser.add_argument("--label", action="append", help="only the runs of these labels")
    parser.add_argument("-o", "--output", type=Path, required=True)
    args = parser.parse_args()
    lines = [
        json.loads(line)
        for path in args.results
        for line in path.read_text().splitlines()
        if line.strip()
    ]
    if args.label:
        lines = [run for run in lines if run.get("label") in args.label]
    if not lines:
        parser.error("no runs to draw")
    args.output.write_text(draw(series_of(lines)))
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
