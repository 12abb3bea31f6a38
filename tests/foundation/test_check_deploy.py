"""`manage.py check --deploy` is clean with the documented production variables."""

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
}


def _check(environment: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**os.environ, **environment},
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
