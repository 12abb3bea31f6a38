"""Fixtures for the system tests that fault a Redis of their own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers import LiveDatabase, RedisServer, ServerProcess


@pytest.fixture
def servers_on_own_redis(
    live_database: LiveDatabase, own_redis: RedisServer, tmp_path: Path
) -> Iterator[list[ServerProcess]]:
    """Two daphne processes sharing rooms through the test's own Redis."""
    servers = [
        ServerProcess(live_database, log=tmp_path / f"daphne-{n}.log", REDIS_URL=own_redis.url)
        for n in range(2)
    ]
    yield servers
    for server in servers:
        server.stop()
