"""Time for rooms: a fixed-timestep schedule on a monotonic clock.

Tick n of a room is due at start + n * dt. A room that falls behind runs the late ticks
back to back, up to `MAX_CATCH_UP` of them, then skips the rest, counts them and starts
a fresh schedule from now.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

MAX_CATCH_UP = 3

Clock = Callable[[], float]
monotonic: Clock = time.monotonic


@dataclass
class Schedule:
    """When the next tick is due, and how late the ticks so far have run."""

    tick_rate: int
    start: float
    ticks: int = 0
    skipped: int = 0
    max_lateness: float = 0.0
    total_lateness: float = 0.0
    _base_tick: int = field(default=0, repr=False)

    @property
    def dt(self) -> float:
        return 1.0 / self.tick_rate

    def due(self) -> float:
        """When the next tick is due."""
        return self.start + (self.ticks + 1 - self._base_tick) * self.dt

    def ticked(self, now: float) -> None:
        """Records that the next tick ran at `now`, skipping ahead if too far behind."""
        lateness = max(0.0, now - self.due())
        self.ticks += 1
        self.max_lateness = max(self.max_lateness, lateness)
        self.total_lateness += lateness
        behind = int((now - self.due()) / self.dt)
        if behind > MAX_CATCH_UP:
            self.skipped += behind
            self.start = now
            self._base_tick = self.ticks

    @property
    def mean_lateness(self) -> float:
        return self.total_lateness / self.ticks if self.ticks else 0.0
