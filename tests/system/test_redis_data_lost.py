"""Redis restarted with its data gone and, meanwhile, the owner of a room killed: the
room goes on, on the other daphne process, from its database save, not from tick 0."""

from __future__ import annotations

import asyncio

import pytest

from tests.polling import until
from tests.servers import LiveDatabase, RedisServer, ServerProcess, arena_on_two

# Two processes share the room through Redis and the result through PostgreSQL.
pytestmark = [pytest.mark.system, pytest.mark.postgres]

TICK_RATE = 20
# The default ROOM_SAVE_SECONDS, in ticks, and what a loaded machine adds to a write.
SAVE_TICKS = 2 * TICK_RATE
SLACK_TICKS = TICK_RATE
RESULT_QUERY = (
    "from games.models import Match, RoomSave; m = Match.objects.get(pk='{}'); "
    "print(m.state, m.reason, all(p.placement for p in m.players.all()), "
    "RoomSave.objects.filter(match=m).count())"
)


@pytest.mark.timeout(120)
async def test_a_room_whose_owner_died_while_redis_lost_its_data_goes_on_from_the_database(
    servers_on_own_redis: list[ServerProcess], live_database: LiveDatabase, own_redis: RedisServer
) -> None:
    servers = servers_on_own_redis
    match_id, host, guest = await arena_on_two(servers, duration=25)
    hosting = asyncio.ensure_future(host.play())
    guesting = asyncio.ensure_future(guest.play())
    await asyncio.sleep(4)

    own_redis.stop()
    servers[0].kill()
    own_redis.start()
    await asyncio.wait_for(hosting, 10)
    killed_tick = max(host.tick, guest.tick)
    snapshots_before = len(guest.snapshots)
    # The other process takes the room: the guest gets a snapshot from it.
    await until(lambda: len(guest.snapshots) > snapshots_before, 20)
    resumed_tick = guest.snapshots[snapshots_before]
    print(f"\nowner killed at tick {killed_tick}, resumed at tick {resumed_tick}")
    assert killed_tick - SAVE_TICKS - SLACK_TICKS <= resumed_tick <= killed_tick

    await host.connect(servers[1], match_id)
    await asyncio.wait_for(asyncio.gather(host.play(), guesting), 40)
    for player in (host, guest):
        assert [end["result"]["reason"] for end in player.ends] == ["time_up"]
    recorded = live_database.manage("shell", "--no-imports", "-c", RESULT_QUERY.format(match_id))
    assert recorded.strip() == "finished time_up True 0"
    assert servers[1].log.read_text().count(f"room {match_id} ended") == 1
