"""What a room's wake costs on uvloop: a task that sleeps to its next tick, or a timer.

    python bench/room_wakes.py --rooms 100 --seconds 5

Runs `--rooms` wakes at 20 Hz, spread evenly over the tick as rooms are, with nothing
done on waking: once as tasks that `asyncio.sleep` to their next tick (as
games/engine/runner.py's rooms do), once as `loop.call_at` timers that call a function,
in turn, twice. Prints the CPU time per wake and the share of a core each way used.
Not part of the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Callable

import uvloop

TICK_SECONDS = 0.05


async def _sleeping_tasks(rooms: int, seconds: float) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds

    async def room(first: float) -> None:
        due = first
        while due < end:
            due += TICK_SECONDS
            if (delay := due - loop.time()) > 0:
                await asyncio.sleep(delay)

    start = loop.time()
    await asyncio.gather(*(room(start + n * TICK_SECONDS / rooms) for n in range(rooms)))


async def _timers(rooms: int, seconds: float) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds
    finished = loop.create_future()
    running = rooms

    def room(due: float) -> Callable[[], None]:
        def wake() -> None:
            nonlocal due, running
            due += TICK_SECONDS
            if due < end:
                loop.call_at(due, wake)
                return
            running -= 1
            if not running:
                finished.set_result(None)

        return wake

    start = loop.time()
    for n in range(rooms):
        first = start + n * TICK_SECONDS / rooms
        loop.call_at(first, room(first))
    await finished


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rooms", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    wakes = args.rooms * args.seconds / TICK_SECONDS
    for _ in range(2):
        for name, way in (("sleeping tasks", _sleeping_tasks), ("call_at timers", _timers)):
            cpu, began = time.process_time(), time.monotonic()
            uvloop.run(way(args.rooms, args.seconds))
            cpu, elapsed = time.process_time() - cpu, time.monotonic() - began
            print(f"{name}: {cpu / wakes * 1e6:.1f} µs a wake, {cpu / elapsed:.3f} of a core")


if __name__ == "__main__":
    main()
