"""LOG_FORMAT=json: every log line is one JSON object with the keys a log shipper indexes,
the log call's context as top-level keys, and passwords in URLs hidden as on plain lines."""

from __future__ import annotations

import copy
import io
import json
import logging
import logging.config
import os
import runpy
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

SETTINGS_FILE = Path(__file__).resolve().parents[2] / "game_server" / "settings.py"
REDIS_PASSWORD = "redis-s3cret-pw"
DATABASE_PASSWORD = "db-s3cret-pw"
REDIS_URL = f"redis://:{REDIS_PASSWORD}@127.0.0.1:1/0"
DATABASE_URL = f"postgres://game:{DATABASE_PASSWORD}@127.0.0.1:1/games"

logger = logging.getLogger("games.engine.registry")


def load_settings(monkeypatch: pytest.MonkeyPatch, **environment: str) -> dict[str, object]:
    monkeypatch.setenv("DEBUG", "True")
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS_FILE))


@pytest.fixture
def json_lines(monkeypatch: pytest.MonkeyPatch, settings) -> Iterator[Callable[[], list[dict]]]:
    """Logging configured from the project's LOGGING with LOG_FORMAT=json, its stdout
    handler writing to a buffer; returns what was written, one parsed object per line."""
    configuration = copy.deepcopy(load_settings(monkeypatch, LOG_FORMAT="json")["LOGGING"])
    output = io.StringIO()
    configuration["handlers"]["stdout"]["stream"] = output
    logging.config.dictConfig(configuration)

    def read() -> list[dict]:
        return [json.loads(line) for line in output.getvalue().splitlines()]

    yield read
    logging.config.dictConfig(settings.LOGGING)


def test_plain_lines_are_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOG_FORMAT", raising=False)
    loaded = load_settings(monkeypatch)
    assert loaded["LOG_FORMAT"] == "line"
    assert loaded["LOGGING"]["handlers"]["stdout"]["formatter"] == "line"


def test_an_unknown_log_format_is_refused_with_the_choices(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(ImproperlyConfigured, match="use one of line, json"):
        load_settings(monkeypatch, LOG_FORMAT="xml")


def test_each_line_is_one_json_object_with_time_level_logger_message_and_process(
    json_lines,
) -> None:
    logger.info("room %s opened", "m-1")
    logging.getLogger("django.request").warning("Not Found: /nothing/")
    lines = json_lines()
    assert len(lines) == 2
    room, django_line = lines
    assert room["level"] == "INFO"
    assert room["logger"] == "games.engine.registry"
    assert room["message"] == "room m-1 opened"
    assert room["process"] == os.getpid()
    assert room["host"]
    # ISO 8601 in UTC, to the millisecond.
    assert room["time"].endswith("+00:00")
    assert len(room["time"]) == len("2026-01-01T00:00:00.000+00:00")
    assert django_line["logger"] == "django.request"
    assert django_line["level"] == "WARNING"


def test_the_log_calls_context_becomes_top_level_keys(json_lines) -> None:
    logger.info(
        "socket refused", extra={"match_id": "m-1", "lobby": "ABCD", "user_id": 7, "reason": "x"}
    )
    [line] = json_lines()
    assert line["match_id"] == "m-1"
    assert line["lobby"] == "ABCD"
    assert line["user_id"] == 7
    assert line["reason"] == "x"


def test_a_value_json_cannot_hold_is_written_as_its_text(json_lines) -> None:
    class Request:
        def __str__(self) -> str:
            return f"<request to {REDIS_URL}>"

    logging.getLogger("django.request").error("Server error", extra={"request": Request()})
    [line] = json_lines()
    assert line["request"] == "<request to redis://:********@127.0.0.1:1/0>"


def test_passwords_in_urls_are_hidden_in_json_lines_even_in_tracebacks(json_lines) -> None:
    try:
        raise ValueError(f"cannot reach {DATABASE_URL}")
    except ValueError:
        logger.exception(
            "lost %s, conninfo host=db password=%s",
            REDIS_URL,
            DATABASE_PASSWORD,
            extra={"url": DATABASE_URL, "password": DATABASE_PASSWORD},
        )
    output = json.dumps(json_lines())
    [line] = json.loads(output)
    assert (
        line["message"]
        == "lost redis://:********@127.0.0.1:1/0, conninfo host=db password=********"
    )
    assert "ValueError: cannot reach postgres://game:********@127.0.0.1:1/games" in line["exc_info"]
    assert line["url"] == "postgres://game:********@127.0.0.1:1/games"
    assert line["password"] == "********"
    assert REDIS_PASSWORD not in output
    assert DATABASE_PASSWORD not in output


def test_a_line_is_still_one_json_object_when_a_password_ends_its_message(json_lines) -> None:
    # Hidden in the values before they are serialized: hiding `password=...` in the
    # serialized line would take its closing quote and comma with it.
    logger.warning("connect failed: password=%s", DATABASE_PASSWORD, extra={"match_id": "m-2"})
    [line] = json_lines()
    assert line["message"] == "connect failed: password=********"
    assert line["match_id"] == "m-2"
