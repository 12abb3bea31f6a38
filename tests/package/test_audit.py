"""CI's dependency audit (.ci/audit.py) never passes a lock it could not check (issue 11,
point 8): a known-vulnerable pin fails it where the vulnerability service answers, and
where it cannot be reached (as from this project's machines) it says AUDIT NOT RUN."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.servers import ROOT

pytestmark = pytest.mark.package


def audit(lock: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, ".ci/audit.py", str(lock)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=110,
        check=False,
    )


def test_it_never_passes_a_lock_with_a_known_vulnerability(tmp_path: Path) -> None:
    lock = tmp_path / "requirements.txt"
    # Django 4.2.0 has published security fixes (4.2.1 onwards).
    lock.write_text("django==4.2.0\n")
    result = audit(lock)
    if result.returncode == 1:
        assert "VULNERABLE django 4.2.0: " in result.stdout
    else:
        assert result.returncode == 3
        assert result.stdout.startswith("AUDIT NOT RUN: ")
        assert "AUDIT NOT RUN: " in result.stderr
    assert "no known vulnerabilities" not in result.stdout + result.stderr


def test_it_says_audit_not_run_when_pip_audit_cannot_read_the_lock(tmp_path: Path) -> None:
    result = audit(tmp_path / "missing.txt")
    assert result.returncode == 3
    assert result.stdout.startswith("AUDIT NOT RUN: pip-audit gave no report:")
