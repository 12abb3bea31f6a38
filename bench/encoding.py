"""JSON or MessagePack for the play socket's frames: bytes and encoding time, per frame.

    python bench/encoding.py --rooms 20 --seconds 60

Plays arena rooms of 4 players in this process, as the load generator's players steer (a
new direction every 0.5 to 1.5 s, re-sent every 50 ms), and encodes every frame a room
sends both ways: as the server does now (orjson, JSON text) and as MessagePack would
(the same message, `msgpack.packb`). Prints the average size and encoding time of each.
Not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "game_server.settings")
os.environ.setdefault("DEBUG", "True")

import django  # noqa: E402

django.setup()

import msgpack  # noqa: E402
import orjson  # noqa: E402

from games.engine.room import Room  # noqa: E402
from games.loadtest_bot import DIRECTION_HELD  # noqa: E402
from games.rules import CATALOGUE  # noqa: E402


def frames_played(rooms: int, seconds: float) -> list[str]:
    """Every frame the rooms send, as JSON text, over `seconds` of play at 20 Hz."""
    game = CATALOGUE["arena"]
    settings = game.clean_settings({"duration": max(15, int(seconds) + 1)})
    rng = random.Random(1)
    texts: list[str] = []
    for number in range(rooms):
        players = [(str(1000 + 4 * number + seat), f"p{seat}") for seat in range(4)]
        room = Room(
            room_id=f"r{number}", game=game, settings=settings, players=players, seed=number
        )
        held = dict.fromkeys((player for player, _ in players), 0)
        directions: dict[str, list[float]] = {}
        for tick in range(int(seconds * room.tick_rate)):
            for player, _ in players:
                if held[player] == 0:
                    held[player] = rng.randint(*DIRECTION_HELD)
                    directions[player] = [round(rng.uniform(-1, 1), 3) for _ in range(2)]
                held[player] -= 1
                room.submit(player, tick + 1, {"dir": directions[player]})
            texts.extend(text for _, text in room.tick())
    return texts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rooms", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    texts = frames_played(args.rooms, args.seconds)
    messages = [orjson.loads(text) for text in texts]
    began = time.perf_counter()
    as_json = [orjson.dumps(message) for message in messages]
    json_seconds = time.perf_counter() - began
    began = time.perf_counter()
    as_msgpack = [msgpack.packb(message) for message in messages]
    msgpack_seconds = time.perf_counter() - began
    count = len(messages)
    print(f"{count} frames")
    for name, encoded, seconds in (
        ("JSON (orjson)", as_json, json_seconds),
        ("MessagePack", as_msgpack, msgpack_seconds),
    ):
        size = sum(len(data) for data in encoded) / count
        print(f"{name:14} {size:6.1f} bytes/frame  {seconds / count * 1e6:5.2f} µs/frame")


if __name__ == "__main__":
    main()
