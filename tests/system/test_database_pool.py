"""A real daphne process's pooled PostgreSQL connections: PostgreSQL ending them (a
restart, a failover, an idle-session timeout) fails no request."""

from __future__ import annotations

import urllib.request

import pytest

from games.loadtest import api_call, socket_ticket
from tests.servers import LiveDatabase, ServerProcess

pytestmark = [pytest.mark.system, pytest.mark.postgres]


def test_the_pool_replaces_the_connections_postgresql_ended(
    live_database: LiveDatabase, tmp_path
) -> None:
    server = ServerProcess(live_database, log=tmp_path / "daphne.log")
    try:
        token = api_call(server.url, "/api/guest/", body={})["token"]
        assert live_database.end_sessions() >= 1
        # Each of these would be a 500 (or a 503) on a connection the pool kept.
        for _ in range(3):
            with urllib.request.urlopen(f"{server.url}/health/", timeout=10) as response:
                assert response.status == 200
            assert api_call(server.url, "/api/guest/", body={})["token"]
            assert socket_ticket(server.url, token)
    finally:
        server.stop()
