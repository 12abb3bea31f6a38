"""`manage.py check --deploy` is clean with the documented production variables, and warns
about a production shape that only one process on one machine can run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The production variables docs/deploy.md documents.
PRODUCTION = {
    "DEBUG": "False",
    "SECRET_KEY": "k3y-" + "s" * 60,
    "ALLOWED_HOSTS": "games.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://games.example.com",
    "BEHIND_PROXY": "True",
    "SECURE_HSTS_PRELOAD": "True",
    # The checks read these URLs; they connect to neither service.
    "DATABASE_URL": "postgres://game:db-password@db.internal:5432/games",
    "REDIS_URL": "redis://:redis-password@redis.internal:6379/0",
    "EMAIL_HOST": "smtp.example.com",
}


def _check(environment: dict[str, str]) -> subprocess.CompletedProcess[str]:
    outside = {
        name: value
        for name, value in os.environ.items()
        if name not in ("DEBUG", "DATABASE_URL", "REDIS_URL", "SQLITE_PATH", "EMAIL_HOST")
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**outside, **environment},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_check_deploy_reports_nothing_with_the_production_variables() -> None:
    result = _check(PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_catches_a_development_setup() -> None:
    result = _check({"DEBUG": "True"})
    assert result.returncode != 0
    assert "DEBUG" in result.stderr


def test_it_warns_that_without_redis_only_one_process_may_run() -> None:
    production = {name: value for name, value in PRODUCTION.items() if name != "REDIS_URL"}
    result = _check(production)
    assert result.returncode != 0
    assert "(game_server.W001) DEBUG=False without REDIS_URL" in result.stderr
    assert "run exactly one server process" in result.stderr
    assert "game_server.W002" not in result.stderr


def test_it_warns_about_sqlite_in_production() -> None:
    production = {name: value for name, value in PRODUCTION.items() if name != "DATABASE_URL"}
    result = _check(production)
    assert result.returncode != 0
    assert "(game_server.W002) DEBUG=False on SQLite" in result.stderr
    assert "game_server.W001" not in result.stderr


def test_it_warns_that_without_an_smtp_host_reset_links_go_to_the_log() -> None:
    production = {name: value for name, value in PRODUCTION.items() if name != "EMAIL_HOST"}
    result = _check(production)
    assert result.returncode != 0
    assert "(game_server.W003) DEBUG=False without EMAIL_HOST" in result.stderr
    assert "game_server.W001" not in result.stderr
