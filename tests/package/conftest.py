"""The project installed as an operator installs it: deploy/install.sh (the container's
install step) run from a copy of the checkout into a fresh virtual environment."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.servers import copy_checkout

# Variables of the test run that would point an installed server at the checkout's
# settings or services: the installed server runs on its own defaults.
LEAKING = ("PYTHONPATH", "DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL", "SQLITE_PATH")


@dataclass(frozen=True)
class Installed:
    venv: Path
    static_root: Path

    @property
    def bin(self) -> Path:
        return self.venv / "bin"

    def environment(self, **variables: str) -> dict[str, str]:
        environment = {k: v for k, v in os.environ.items() if k not in LEAKING}
        environment["PATH"] = f"{self.bin}{os.pathsep}{environment['PATH']}"
        return {**environment, **variables}

    def site_packages(self) -> Path:
        (folder,) = self.venv.glob("lib/python*/site-packages")
        return folder


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    folder = tmp_path_factory.mktemp("installed")
    source = copy_checkout(folder / "source")
    result = Installed(venv=folder / "venv", static_root=folder / "staticfiles")
    completed = subprocess.run(
        ["sh", "deploy/install.sh", str(result.venv), str(result.static_root)],
        cwd=source,
        env={**result.environment(), "PYTHON": sys.executable},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    shutil.rmtree(source)
    return result


class Server:
    """A server process started from the installed environment, ready once `probe` (a
    command such as the image's HEALTHCHECK) exits 0, as a container engine waits."""

    def __init__(
        self, command: list[str], *, probe: list[str], cwd: Path, environment: dict[str, str]
    ) -> None:
        self.log = cwd / "server.log"
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                command, cwd=cwd, env=environment, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + 60
        while subprocess.run(probe, cwd=cwd, env=environment, capture_output=True).returncode:
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"server did not become healthy:\n{self.log.read_text()}")
            time.sleep(0.2)

    def stop(self, timeout: float = 20.0) -> int:
        """SIGTERM, as `docker stop` sends it; the exit code, or fails after `timeout`."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                pytest.fail(f"server did not stop on SIGTERM within {timeout} s")
        return self.process.returncode


@pytest.fixture
def servers() -> Iterator[list[Server]]:
    """Servers a test starts, stopped when it ends."""
    started: list[Server] = []
    yield started
    for server in started:
        server.stop()
