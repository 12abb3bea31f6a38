"""With DEBUG=False and collected static files, as in production, the lobby API's OpenAPI
document and docs page answer, and every file the page loads comes from this server."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.request
from collections.abc import Iterator

import pytest

from tests.servers import ROOT, LiveDatabase, ServerProcess

pytestmark = pytest.mark.system


@pytest.fixture(scope="module")
def production_server(
    live_database: LiveDatabase, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    production = {
        "DEBUG": "False",
        "SECRET_KEY": "production-" + "k" * 50,
        "ALLOWED_HOSTS": "127.0.0.1",
        # Plain HTTP on the loopback address, as behind a proxy that ends TLS.
        "SECURE_SSL_REDIRECT": "False",
        "STATIC_ROOT": str(tmp_path_factory.mktemp("staticfiles")),
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        env={**os.environ, **production},
        check=True,
        timeout=300,
    )
    server = ServerProcess(
        live_database, log=tmp_path_factory.mktemp("logs") / "daphne.log", **production
    )
    yield server
    server.stop()


def _get(server: ServerProcess, path: str) -> tuple[int, str, bytes]:
    with urllib.request.urlopen(f"{server.url}{path}", timeout=10) as response:
        return response.status, response.headers["Content-Type"], response.read()


def test_the_docs_page_and_every_file_it_loads_answer(production_server: ServerProcess) -> None:
    status, _, page = _get(production_server, "/api/docs/")

    assert status == 200
    assets = re.findall(r'(?:src|href)="([^"]*)"', page.decode())
    assert {asset.rsplit("/", 1)[1].split(".")[0] for asset in assets} >= {
        "swagger-ui",
        "swagger-ui-bundle",
        "swagger-ui-init",
    }
    for asset in assets:
        # Collected, with hashed names: no other host, no CDN.
        assert re.fullmatch(r"/static/ninja/[\w-]+\.[0-9a-f]{12}\.\w+", asset), asset
        assert _get(production_server, asset)[0] == 200


def test_the_document_answers(production_server: ServerProcess) -> None:
    status, content_type, body = _get(production_server, "/api/openapi.json")

    assert (status, content_type) == (200, "application/json")
    assert "/api/lobbies/{code}/join/" in json.loads(body)["paths"]
