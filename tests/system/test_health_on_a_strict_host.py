"""A production daphne whose ALLOWED_HOSTS names only the public host still answers
/health/ on 127.0.0.1 over plain HTTP: the rolling restart in docs/deploy.md waits on it."""

from __future__ import annotations

import http.client
from collections.abc import Iterator

import pytest

from tests.servers import LiveDatabase, ServerProcess

pytestmark = pytest.mark.system


@pytest.fixture(scope="module")
def production_server(
    live_database: LiveDatabase, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    # ServerProcess waits for /health/ to answer 200 on 127.0.0.1 before it returns.
    server = ServerProcess(
        live_database,
        log=tmp_path_factory.mktemp("logs") / "daphne.log",
        DEBUG="False",
        SECRET_KEY="production-" + "k" * 50,
        ALLOWED_HOSTS="games.example.com",
    )
    yield server
    server.stop()


def _get(server: ServerProcess, path: str, host: str) -> tuple[http.client.HTTPResponse, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    connection.request("GET", path, headers={"Host": host})
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response, body


def test_health_answers_curl_on_the_loopback_address(production_server: ServerProcess) -> None:
    # What `curl http://127.0.0.1:8001/health/` sends.
    host = f"127.0.0.1:{production_server.port}"
    response, body = _get(production_server, "/health/", host)
    assert response.status == 200
    assert body == b'{"status": "ok", "failing": []}'


@pytest.mark.parametrize("host", ["10.0.0.7:8001", "localhost", "games.example.com"])
def test_health_answers_on_any_host_over_plain_http(
    production_server: ServerProcess, host: str
) -> None:
    response, _ = _get(production_server, "/health/", host)
    assert response.status == 200


def test_other_pages_still_refuse_a_host_not_allowed(production_server: ServerProcess) -> None:
    response, _ = _get(production_server, "/", "127.0.0.1")
    assert response.status == 400


def test_other_pages_on_the_allowed_host_still_redirect_to_https(
    production_server: ServerProcess,
) -> None:
    response, _ = _get(production_server, "/", "games.example.com")
    assert response.status == 301
    assert response.getheader("Location") == "https://games.example.com/"
