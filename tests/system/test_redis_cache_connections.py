"""The cache's Redis connections on a real daphne process: requests share them.

Django makes a cache object per thread and ASGI runs each request's synchronous part in
a thread of its own: with Django's own Redis cache every request that throttles (a guest
sign-up, a socket ticket) opened a connection to Redis and left it open.
"""

from __future__ import annotations

import pytest
import redis

from games.loadtest import api_call, socket_ticket
from tests.servers import LiveDatabase, RedisServer, ServerProcess

pytestmark = pytest.mark.system

REQUESTS = 40


def connections(server: RedisServer) -> int:
    return len(redis.Redis.from_url(server.url).client_list()) - 1  # less this one


def test_requests_that_throttle_share_the_cache_connections(
    live_database: LiveDatabase, own_redis: RedisServer, tmp_path
) -> None:
    server = ServerProcess(live_database, log=tmp_path / "daphne.log", REDIS_URL=own_redis.url)
    try:
        token = api_call(server.url, "/api/guest/", body={})["token"]
        settled = connections(own_redis)
        for _ in range(REQUESTS // 2):
            api_call(server.url, "/api/guest/", body={})
            socket_ticket(server.url, token)
        # Each request ran in a thread of its own, and each throttled through the cache.
        assert connections(own_redis) <= settled + 2, (settled, connections(own_redis))
    finally:
        server.stop()
