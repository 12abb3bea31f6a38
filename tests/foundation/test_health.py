"""The health endpoint names the part that is down."""

from __future__ import annotations

import pytest
from django.db import connections
from django.test import Client

from tests.conftest import close_with_pool

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_answers_200_when_everything_is_up(client: Client) -> None:
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "failing": []}


def test_it_names_the_channel_layer_when_redis_is_down(client: Client, settings) -> None:
    # Nothing listens on port 1: a real refused connection.
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "failing": ["channel_layer"]}


@pytest.fixture
def database_down(tmp_path):
    connection = connections["default"]
    database = connection.settings_dict
    saved = {key: database.get(key) for key in ("NAME", "PORT")}
    close_with_pool(connection)
    if database["ENGINE"].endswith("sqlite3"):
        database["NAME"] = str(tmp_path / "no-such-folder" / "db.sqlite3")
    else:
        # Nothing listens on port 1: a real refused connection.
        database["PORT"] = 1
    yield
    close_with_pool(connection)
    database.update(saved)


def test_it_names_the_database_when_it_is_down(client: Client, database_down: None) -> None:
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "failing": ["database"]}
