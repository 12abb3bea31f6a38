from __future__ import annotations

import pytest

from games.engine.clock import MAX_CATCH_UP, Schedule


def test_tick_n_is_due_at_start_plus_n_dt() -> None:
    schedule = Schedule(tick_rate=20, start=100.0)
    for n in range(1, 50):
        assert schedule.due() == pytest.approx(100.0 + n * 0.05)
        schedule.ticked(schedule.due() + 0.01)
    assert schedule.skipped == 0


def test_lateness_does_not_drift_the_schedule() -> None:
    schedule = Schedule(tick_rate=10, start=0.0)
    schedule.ticked(0.19)
    assert schedule.due() == pytest.approx(0.2)
    assert schedule.max_lateness == pytest.approx(0.09)


def test_a_room_far_behind_skips_ticks_and_counts_them() -> None:
    schedule = Schedule(tick_rate=10, start=0.0)
    schedule.ticked(1.0)
    assert schedule.skipped >= MAX_CATCH_UP
    # A fresh schedule from now: the next tick is one dt later, not ten in a row.
    assert schedule.due() == pytest.approx(1.1)


def test_a_room_a_little_behind_catches_up_without_skipping() -> None:
    schedule = Schedule(tick_rate=10, start=0.0)
    schedule.ticked(0.3)
    assert schedule.skipped == 0
    assert schedule.due() == pytest.approx(0.2)
