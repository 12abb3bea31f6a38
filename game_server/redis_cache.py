"""Django's Redis cache, with one connection pool per process and server.

Django makes a cache object per thread, and its Redis client makes a connection pool per
cache object. Under ASGI every request's synchronous part runs in a thread of its own
(asgiref's per-request executor), so each request opened a Redis connection of its own
and left it open until the collector found its pool: hundreds at once under load, and a
connect to Redis on every request's first cache call. Here every cache object of the
process shares one pool per server (redis-py's pools are thread-safe, and start afresh
in a forked child).
"""

from __future__ import annotations

import threading
from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient

_pools: dict[str, Any] = {}
_pools_lock = threading.Lock()


class SharedPoolClient(RedisCacheClient):
    def _get_connection_pool(self, write: bool) -> Any:
        server = self._servers[self._get_connection_pool_index(write)]
        key = f"{self._pool_class!r} {server} {sorted(self._pool_options.items())!r}"
        pool = _pools.get(key)
        if pool is None:
            with _pools_lock:
                pool = _pools.get(key)
                if pool is None:
                    pool = _pools[key] = self._pool_class.from_url(server, **self._pool_options)
        return pool


class SharedPoolRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = SharedPoolClient
