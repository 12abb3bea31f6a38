"""The load generator drives real bots against a real server and reports figures."""

from __future__ import annotations

import pytest

from games import loadtest

pytestmark = pytest.mark.system

FIELDS = [
    "rooms",
    "players",
    "p50_ms",
    "p95_ms",
    "p99_ms",
    "tick_hz",
    "frames_per_s",
    "bytes_per_client_s",
    "errors",
    "client_cpu",
    "client_bound",
]


@pytest.mark.timeout(60)
async def test_bots_play_arena_and_their_inputs_are_acked(daphne_server) -> None:
    result = await loadtest.run(
        url=daphne_server.url, game="arena", rooms=2, players=2, seconds=2, warmup=1
    )
    assert set(FIELDS) <= set(result)
    assert (result["rooms"], result["players"], result["errors"]) == (2, 4, 0)
    # Four bots at 20 inputs a second for two seconds, nearly all acked in time.
    assert result["inputs_acked"] > 100
    assert 0 < result["p50_ms"] <= result["p99_ms"]
    assert result["tick_hz"] == pytest.approx(20, abs=2)
    assert result["frames_per_s"] > 0


@pytest.mark.timeout(60)
async def test_rooms_of_one_player_and_three_server_bots_run_and_ack(daphne_server) -> None:
    result = await loadtest.run(
        url=daphne_server.url, game="arena", rooms=2, players=1, seconds=2, warmup=1, bots=3
    )
    assert (result["players"], result["bots"], result["errors"]) == (2, 6, 0)
    assert result["inputs_acked"] > 50
    assert result["tick_hz"] == pytest.approx(20, abs=2)


@pytest.mark.timeout(120)
def test_two_worker_processes_share_the_rooms_and_report_together(daphne_server) -> None:
    result = loadtest.run_workers(
        2, url=daphne_server.url, game="arena", rooms=3, players=2, seconds=2, warmup=1
    )
    assert (result["workers"], result["rooms"], result["players"], result["errors"]) == (2, 3, 6, 0)
    # Six bots at 20 inputs a second for two seconds, from two processes.
    assert result["inputs_acked"] > 150
    assert result["tick_hz"] == pytest.approx(20, abs=2)
    assert 0 < result["client_cpu_busiest"] <= result["client_cpu"]
