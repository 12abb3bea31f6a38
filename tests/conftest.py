"""Shared fixtures: personas, and the real services some tests need.

Service-backed tests skip with a reason on a machine without the service, and fail when
REQUIRE_SERVICES=1 (CI sets it): CI must never pass by skipping them.
"""

from __future__ import annotations

import math
import os
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import redis
from asgiref.sync import SyncToAsync
from django.conf import settings as django_settings
from django.db import connections
from django.test import override_settings

from game_server import limits
from tests.servers import LiveDatabase, RedisServer, ServerProcess

REQUIRE_SERVICES = os.getenv("REQUIRE_SERVICES") == "1"
TEST_REDIS_URL = os.getenv("REDIS_URL") or os.getenv("TEST_REDIS_URL", "redis://127.0.0.1:6379/1")


@pytest.fixture(autouse=True, scope="session")
def _quick_password_hashes() -> Iterator[None]:
    """Passwords hashed in a moment: the production hasher spends a third of a second of
    CPU on each on purpose, and the suite makes a few users for most of its tests. The
    servers that system and browser tests start keep the production hasher."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


def missing_service(reason: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason}, and REQUIRE_SERVICES=1 says the services must be up")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def redis_url() -> str:
    try:
        redis.Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as error:
        missing_service(f"Redis is not reachable at {TEST_REDIS_URL}: {error}")
    return TEST_REDIS_URL


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("postgres"):
        engine = django_settings.DATABASES["default"]["ENGINE"]
        if engine != "django.db.backends.postgresql":
            missing_service("needs DATABASE_URL pointing at PostgreSQL")


@pytest.fixture
def alice(django_user_model: type) -> object:
    return django_user_model.objects.create_user(
        username="alice", password="correct horse battery", display_name="Alice"
    )


@pytest.fixture
def bob(django_user_model: type) -> object:
    return django_user_model.objects.create_user(
        username="bob", password="correct horse battery", display_name="Bob"
    )


@pytest.fixture
def carol(django_user_model: type) -> object:
    return django_user_model.objects.create_user(
        username="carol", password="correct horse battery", display_name="Carol"
    )


@pytest.fixture
def dave(django_user_model: type) -> object:
    return django_user_model.objects.create_user(
        username="dave", password="correct horse battery", display_name="Dave"
    )


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """pytest-django's test databases, with the connection pools closed before they are
    dropped (a pooled connection kept open would keep PostgreSQL from dropping one).

    Async tests' database calls with no sync code around them ran in asgiref's one thread
    for thread-sensitive code, which keeps its own connection out of the pool: it is
    closed in that thread first."""
    yield
    with django_db_blocker.unblock():
        SyncToAsync.single_thread_executor.submit(connections.close_all).result()
        for connection in connections.all():
            close_with_pool(connection)


def close_with_pool(connection: Any) -> None:
    """Closes a database connection and, on PostgreSQL, the pool it came from: the next
    connection opens with the settings as they are then."""
    connection.close()
    if hasattr(connection, "close_pool"):
        connection.close_pool()


@pytest.fixture(scope="session")
def live_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveDatabase]:
    """A migrated database for real server processes, shared by a test session."""
    database = LiveDatabase(tmp_path_factory.mktemp("live"))
    yield database
    database.drop()


@pytest.fixture(scope="session")
def daphne_server(
    live_database: LiveDatabase, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    """One real daphne process on the live database (and Redis when REDIS_URL is set)."""
    log = tmp_path_factory.mktemp("logs") / "daphne.log"
    server = ServerProcess(live_database, log=log)
    yield server
    server.stop()


@pytest.fixture
def own_redis(tmp_path) -> Iterator[RedisServer]:
    """A Redis of the test's own, to stop and start again (tests/servers.py)."""
    server = RedisServer(tmp_path)
    yield server
    server.stop()


@dataclass
class RateClock:
    """The wall clock as the rate budgets read it, standing still unless a test moves it."""

    now: float

    def time(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def rate_clock(monkeypatch: pytest.MonkeyPatch) -> RateClock:
    """Rate budgets count in fixed windows of the wall clock (game_server/limits.py). A
    test that spends a budget and is then refused must not see a window end between the
    two: for each test the budgets read a clock that stands a second into this day."""
    clock = RateClock(now=math.floor(time.time() / 86400) * 86400 + 1)
    monkeypatch.setattr(limits, "time", clock)
    return clock


@pytest.fixture
def fresh_cache(settings) -> None:
    """A cache key prefix of the test's own, rather than cache.clear(): on Redis that
    would flush the channel layer's groups from under tests running beside this one."""
    settings.CACHES = {
        name: {**config, "KEY_PREFIX": uuid.uuid4().hex} for name, config in settings.CACHES.items()
    }
