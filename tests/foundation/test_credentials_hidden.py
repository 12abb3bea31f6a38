"""Passwords in REDIS_URL and DATABASE_URL never show on Django's error page (its settings
dump and traceback) or in a log line."""

from __future__ import annotations

import logging
import runpy
import sys
from pathlib import Path

import pytest
from django.test import Client

from game_server.redaction import HideCredentialsFilter, HideCredentialsFormatter

SETTINGS_FILE = Path(__file__).resolve().parents[2] / "game_server" / "settings.py"
REDIS_PASSWORD = "redis-s3cret-pw"
DATABASE_PASSWORD = "db-s3cret-pw"
# Nothing listens on port 1: every use of these services fails, as when they are down.
REDIS_URL = f"redis://:{REDIS_PASSWORD}@127.0.0.1:1/0"
DATABASE_URL = f"postgres://game:{DATABASE_PASSWORD}@127.0.0.1:1/games"


@pytest.fixture
def loaded(monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    """The settings as a server with both URLs reads them."""
    monkeypatch.setenv("DEBUG", "True")
    monkeypatch.setenv("REDIS_URL", REDIS_URL)
    monkeypatch.setenv("DATABASE_URL", DATABASE_URL)
    return runpy.run_path(str(SETTINGS_FILE))


@pytest.mark.django_db
def test_the_debug_error_page_hides_the_redis_password(loaded, settings) -> None:
    settings.DEBUG = True
    for name in ("REDIS_URL", "CACHES", "CHANNEL_LAYERS"):
        setattr(settings, name, loaded[name])
    client = Client(raise_request_exception=False)
    # The lobby list sweeps idle lobbies, once a minute by a cache key: Redis is down.
    response = client.get("/lobbies/")
    page = response.content.decode()
    assert response.status_code == 500
    assert "ConnectionError" in page
    assert "REDIS_URL" in page
    assert "redis://:********@127.0.0.1:1/0" in page
    assert REDIS_PASSWORD not in page


def test_the_settings_dump_hides_both_passwords(loaded, settings) -> None:
    reporter_filter = HideCredentialsFilter()
    dump = repr(
        {
            name: reporter_filter.cleanse_setting(name, loaded[name])
            for name in loaded
            if name.isupper()
        }
    )
    assert "redis://:********@127.0.0.1:1/0" in dump
    assert REDIS_PASSWORD not in dump
    assert DATABASE_PASSWORD not in dump


def test_the_traceback_variables_hide_passwords_in_urls_and_conninfo() -> None:
    def connect(url: str, conninfo: str, options: dict[str, str]) -> None:
        raise ConnectionError("refused")

    try:
        connect(DATABASE_URL, f"host=db user=game password={DATABASE_PASSWORD}", {"password": "x"})
    except ConnectionError:
        frame = sys.exc_info()[2].tb_next.tb_frame
    variables = dict(HideCredentialsFilter().get_traceback_frame_variables(None, frame))
    assert variables == {
        "url": "postgres://game:********@127.0.0.1:1/games",
        "conninfo": "host=db user=game password=********",
        "options": {"password": "********"},
    }


def test_log_lines_hide_passwords_in_urls_even_in_tracebacks(settings) -> None:
    line = settings.LOGGING["formatters"]["line"]
    assert line["class"] == "game_server.redaction.HideCredentialsFormatter"
    formatter = HideCredentialsFormatter(line["format"])
    try:
        raise ValueError(f"cannot reach {DATABASE_URL}")
    except ValueError:
        record = logging.LogRecord(
            "game_server", logging.ERROR, __file__, 1, "lost %s", (REDIS_URL,), sys.exc_info()
        )
    text = formatter.format(record)
    assert "lost redis://:********@127.0.0.1:1/0" in text
    assert "ValueError: cannot reach postgres://game:********@127.0.0.1:1/games" in text
    assert REDIS_PASSWORD not in text
    assert DATABASE_PASSWORD not in text
