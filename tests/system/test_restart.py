"""A real daphne process on the embedded default (no Redis) killed mid-match and
started again: each running match goes on from its last database save, not from tick 0.
"""

from __future__ import annotations

import asyncio

import pytest

from games.loadtest import start_match
from tests.servers import LiveDatabase, ServerProcess, SteeringPlayer

pytestmark = pytest.mark.system

TICK_RATE = 20
# The default ROOM_SAVE_SECONDS, in ticks, and what a loaded machine adds to a write.
SAVE_TICKS = 2 * TICK_RATE
SLACK_TICKS = TICK_RATE
RESULT_QUERY = (
    "from games.models import Match, RoomSave; m = Match.objects.get(pk='{}'); "
    "print(m.state, m.reason, sorted(p.placement for p in m.players.all()), "
    "RoomSave.objects.filter(match=m).count())"
)


def _ended_lines(*servers: ServerProcess, match_id: str) -> int:
    return sum(
        f"room {match_id} ended" in line
        for server in servers
        for line in server.log.read_text().splitlines()
    )


@pytest.mark.timeout(120)
async def test_a_killed_server_started_again_resumes_the_match_from_its_last_save(
    live_database: LiveDatabase, tmp_path
) -> None:
    # The embedded default: no Redis, whatever the test run has.
    first = ServerProcess(live_database, log=tmp_path / "first.log", REDIS_URL="")
    match_id, tokens = start_match(first.url, "arena", 2, {"duration": 15})
    players = [SteeringPlayer(token) for token in tokens]
    for player in players:
        await player.connect(first, match_id)
    reading = [asyncio.ensure_future(player.play()) for player in players]
    await asyncio.sleep(5)
    first.kill()
    await asyncio.wait_for(asyncio.gather(*reading), 10)
    killed_tick = max(player.tick for player in players)

    second = ServerProcess(live_database, log=tmp_path / "second.log", REDIS_URL="")
    try:
        snapshots = [await player.connect(second, match_id) for player in players]
        resumed_tick = snapshots[0]["tick"]
        print(f"\nkilled at tick {killed_tick}, resumed at tick {resumed_tick}")
        assert killed_tick - SAVE_TICKS - SLACK_TICKS <= resumed_tick <= killed_tick
        assert snapshots[1]["tick"] >= resumed_tick
        reading = [asyncio.ensure_future(player.play()) for player in players]
        await asyncio.wait_for(asyncio.gather(*reading), 30)
        for player in players:
            assert [end["result"]["reason"] for end in player.ends] == ["time_up"]
            assert player.socket is not None
            assert player.socket.close_code == 4410
        recorded = live_database.manage(
            "shell", "--no-imports", "-c", RESULT_QUERY.format(match_id)
        )
        # Finished with both placements, and no save left behind.
        assert recorded.strip() in ("finished time_up [1, 2] 0", "finished time_up [1, 1] 0")
        assert _ended_lines(first, second, match_id=match_id) == 1
    finally:
        second.stop()
