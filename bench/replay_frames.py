"""What the replay page's frames of a long arena match cost to make, keep and send.

    python bench/replay_frames.py --seconds 600

Records an arena match of `--seconds` at 60 Hz with 100 pellets, four players each
turning `--turns` times a second in a random direction, and replays it as the replay
page's first request does (games/replay.py `replay_frames`). Prints the time to make the
frames, their JSON's size, and what gzip makes of it at levels 1, 6 and 9 (the level
kept, `FRAMES_GZIP_LEVEL`, marked), with the time to compress and decompress. Not part
of the test suite.
"""

from __future__ import annotations

import argparse
import gzip
import math
import time
from random import Random

import orjson

from games.replay import FRAMES_GZIP_LEVEL, Recording, replay_frames
from games.rules.arena import GAME as ARENA

TICK_RATE = 60
PLAYERS = 4


def recording(seconds: int, turns: float) -> Recording:
    """An arena match's record: every player turns `turns` times a second, at random."""
    random = Random(1)
    players = [(f"p{seat}", f"Player {seat}") for seat in range(PLAYERS)]
    ticks = seconds * TICK_RATE
    log = []
    for tick in range(1, ticks + 1):
        for player, _name in players:
            if random.random() < turns / TICK_RATE:
                angle = random.random() * 2 * math.pi
                heading = [round(math.cos(angle), 3), round(math.sin(angle), 3)]
                log.append((tick, "input", player, {"dir": heading}))
    settings = {"tick_rate": TICK_RATE, "duration": seconds, "dash": True, "pellets": 100}
    return Recording(ARENA.version, 7, settings, players, ticks, log)


def _ms(started: float) -> str:
    return f"{1000 * (time.perf_counter() - started):.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=600, help="the match's length")
    parser.add_argument("--turns", type=float, default=6, help="turns a second per player")
    options = parser.parse_args()

    started = time.perf_counter()
    frames = replay_frames(ARENA, recording(options.seconds, options.turns))
    print(f"frames: {len(frames['diffs'])} patched ticks, made in {_ms(started)}")
    started = time.perf_counter()
    plain = orjson.dumps(frames)
    print(f"JSON: {len(plain) / 1024:.0f} KiB in {_ms(started)}")
    for level in (1, 6, 9):
        started = time.perf_counter()
        packed = gzip.compress(plain, compresslevel=level, mtime=0)
        made = _ms(started)
        started = time.perf_counter()
        gzip.decompress(packed)
        kept = " (kept)" if level == FRAMES_GZIP_LEVEL else ""
        print(
            f"gzip {level}{kept}: {len(packed) / 1024:.0f} KiB"
            f" ({len(plain) / len(packed):.1f}x smaller) in {made}, read back in {_ms(started)}"
        )


if __name__ == "__main__":
    main()
