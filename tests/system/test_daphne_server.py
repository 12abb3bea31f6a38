"""A real daphne process serves pages, the health endpoint and game sockets."""

from __future__ import annotations

import urllib.request

import pytest

pytestmark = pytest.mark.system


def test_it_serves_the_home_page_and_health(daphne_server) -> None:
    with urllib.request.urlopen(f"{daphne_server.url}/") as response:
        assert "Play as guest" in response.read().decode()
    with urllib.request.urlopen(f"{daphne_server.url}/health/") as response:
        assert response.status == 200
