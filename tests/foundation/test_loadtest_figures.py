"""The load generator's figures: several processes' merged into one run's, and a run
whose client was busier than CLIENT_BOUND of its core flagged as client-bound."""

from __future__ import annotations

import pytest

from games.loadtest import CLIENT_BOUND, Measured, summary


def _part(*, rooms: int = 1, cpu: float = 0.3, latencies: tuple[float, ...] = (0.02,)) -> Measured:
    return Measured(
        rooms=rooms,
        players=rooms * 4,
        bots=0,
        seconds=10.0,
        connect_s=1.5,
        latencies=list(latencies),
        tick_rates=[20.0] * rooms,
        frames=rooms * 800,
        bytes=rooms * 80_000,
        errors=0,
        cpu=cpu,
    )


def test_workers_figures_add_up_and_percentiles_span_them_all() -> None:
    fast = _part(rooms=2, latencies=(0.010,) * 98)
    slow = _part(rooms=1, latencies=(0.200,) * 2)
    figures = summary([fast, slow])
    assert (figures["rooms"], figures["players"], figures["workers"]) == (3, 12, 2)
    assert (figures["p50_ms"], figures["p99_ms"]) == (10.0, 200.0)
    assert figures["frames_per_s"] == 240.0
    assert figures["bytes_per_client_s"] == 2000.0
    assert figures["bytes_per_frame"] == 100.0
    assert (figures["client_cpu"], figures["client_cpu_busiest"]) == (0.6, 0.3)
    assert figures["client_bound"] is False


@pytest.mark.parametrize(("busiest", "bound"), [(CLIENT_BOUND - 0.05, False), (0.85, True)])
def test_a_run_whose_busiest_process_passed_the_bound_says_it_is_client_bound(
    busiest: float, bound: bool
) -> None:
    figures = summary([_part(cpu=0.2), _part(cpu=busiest)])
    assert figures["client_bound"] is bound


def test_a_small_workers_cpu_is_reported_to_a_thousandth_of_a_core_not_as_zero() -> None:
    figures = summary([_part(cpu=0.0042), _part(cpu=0.0031)])
    assert (figures["client_cpu"], figures["client_cpu_busiest"]) == (0.007, 0.004)
