"""A Redis that goes silent without closing (SIGSTOP for 10 s, then SIGCONT) under two
real daphne processes sharing an arena match: the owner's tick loop keeps its schedule,
both processes notice the silence and reconnect, and the match ends once."""

from __future__ import annotations

import asyncio
import itertools
import time

import pytest
import redis

from tests.servers import STEER_SECONDS, LiveDatabase, RedisServer, ServerProcess, arena_on_two

# Two processes share the room through Redis and the result through PostgreSQL.
pytestmark = [pytest.mark.system, pytest.mark.postgres]

PAUSE_SECONDS = 10
RESULT_QUERY = (
    "from games.models import Match; m = Match.objects.get(pk='{}'); "
    "print(m.state, m.reason, all(p.placement for p in m.players.all()))"
)


def _owner_pid(redis_url: str, match_id: str) -> int | None:
    lease = redis.Redis.from_url(redis_url).get(f"room:{match_id}:lease")
    return int(lease.decode().rsplit("-", 2)[1]) if lease else None


def _longest_gap(times: list[float]) -> float:
    return max(b - a for a, b in itertools.pairwise(times))


def _ended_lines(servers: list[ServerProcess], match_id: str) -> list[int]:
    return [server.log.read_text().count(f"room {match_id} ended") for server in servers]


@pytest.mark.timeout(120)
async def test_the_match_goes_on_through_a_redis_that_stops_answering_for_10_seconds(
    servers_on_own_redis: list[ServerProcess], live_database: LiveDatabase, own_redis: RedisServer
) -> None:
    servers = servers_on_own_redis
    match_id, host, guest = await arena_on_two(servers, duration=25)
    assert _owner_pid(own_redis.url, match_id) == servers[0].process.pid
    playing = [asyncio.ensure_future(player.play()) for player in (host, guest)]
    await asyncio.sleep(3)

    own_redis.pause()
    paused_at = time.monotonic()
    await asyncio.sleep(PAUSE_SECONDS)
    own_redis.resume()
    resumed_at = time.monotonic()
    await asyncio.wait_for(asyncio.gather(*playing), 40)

    # The owner's tick loop kept its schedule: its player's inputs were acked all along.
    during = [at for at in host.frames_at if paused_at <= at <= resumed_at]
    gap_during = _longest_gap([paused_at, *during, resumed_at])
    assert len(during) > PAUSE_SECONDS / STEER_SECONDS / 2
    assert gap_during < 3.0
    # After SIGCONT both players get frames again within a few seconds.
    back_after = [
        min(at for at in player.frames_at if at > resumed_at) - resumed_at
        for player in (host, guest)
    ]
    assert max(back_after) < 5.0
    # One end each, recorded once, by the process that owned the room all along.
    for player in (host, guest):
        assert [end["result"]["reason"] for end in player.ends] == ["time_up"]
        assert player.socket is not None
        assert player.socket.close_code == 4410
    recorded = live_database.manage("shell", "--no-imports", "-c", RESULT_QUERY.format(match_id))
    assert recorded.strip() == "finished time_up True"
    assert _ended_lines(servers, match_id) == [1, 0]
    print(
        f"\nRedis paused {PAUSE_SECONDS} s: owner's player longest gap {gap_during:.2f} s "
        f"({len(during)} frames); frames again {back_after[0]:.2f} s (owner's player), "
        f"{back_after[1]:.2f} s (other process's player) after SIGCONT; "
        f"resyncs {host.resyncs}, {guest.resyncs}"
    )
