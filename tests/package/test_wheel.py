"""`pip install .` gives a working server outside the checkout (issue 11, point 7): the
wheel holds the templates, static files and migrations, the `game-server` command runs
it, and the embedded SQLite file goes to the current directory, not site-packages."""

from __future__ import annotations

import subprocess
import urllib.request
from pathlib import Path

import pytest

from tests.package.conftest import Installed, Server
from tests.servers import ROOT, free_port

pytestmark = [pytest.mark.package, pytest.mark.timeout(900)]

APPS = ("game_server", "lobby", "games", "ratings", "ranked")


def checkout_files() -> dict[str, Path]:
    """Every file the installed package needs, by its path in site-packages."""
    files = {}
    for app in APPS:
        for path in (ROOT / app).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                files[str(path.relative_to(ROOT))] = path
    for path in (ROOT / "static").rglob("*"):
        if path.is_file():
            files[str(Path("game_server") / path.relative_to(ROOT))] = path
    return files


def get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.read()


def test_the_wheel_installs_every_module_template_static_file_and_migration(
    installed: Installed,
) -> None:
    site_packages = installed.site_packages()
    missing = [name for name in checkout_files() if not (site_packages / name).is_file()]
    assert missing == []
    (licence,) = site_packages.glob("game_server-*.dist-info/licenses/LICENSE")
    assert licence.read_text() == (ROOT / "LICENSE").read_text()
    # Installed, not an editable link back to a checkout.
    assert not list(site_packages.glob("__editable__*"))


def test_the_installed_server_migrates_and_serves_pages_and_static_files_elsewhere(
    installed: Installed, tmp_path: Path, servers: list[Server]
) -> None:
    environment = installed.environment()
    migrated = subprocess.run(
        ["game-server", "migrate", "--noinput"],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert migrated.returncode == 0, migrated.stderr
    # The embedded default's database lands where the command ran, not in site-packages.
    assert (tmp_path / "db.sqlite3").is_file()
    assert not list(installed.venv.rglob("*.sqlite3"))

    url = f"http://127.0.0.1:{free_port()}"
    port = url.rsplit(":", 1)[1]
    servers.append(
        Server(
            ["game-server", "serve", "--port", port],
            probe=["python", "-m", "game_server", "health", f"{url}/health/"],
            cwd=tmp_path,
            environment=environment,
        )
    )
    assert get(f"{url}/")[0] == 200
    assert get(f"{url}/admin/login/")[0] == 200
    assert get(f"{url}/static/js/net.js") == (200, (ROOT / "static/js/net.js").read_bytes())


def test_the_installed_startgame_writes_a_game_where_it_runs(
    installed: Installed, tmp_path: Path
) -> None:
    wrote = subprocess.run(
        ["game-server", "startgame", "tic_tac_toe"],
        cwd=tmp_path,
        env=installed.environment(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert wrote.returncode == 0, wrote.stderr
    built_in = "games.rules.arena,games.rules.connect_four,games.rules.battleship"
    assert f"GAMES={built_in},tic_tac_toe" in wrote.stdout
    assert sorted(str(path.relative_to(tmp_path)) for path in tmp_path.rglob("*.*")) == [
        "static/js/games/tic_tac_toe.js",
        "test_tic_tac_toe.py",
        "tic_tac_toe.py",
    ]


def test_the_health_command_fails_when_nothing_answers(
    installed: Installed, tmp_path: Path
) -> None:
    url = f"http://127.0.0.1:{free_port()}/health/"
    probe = subprocess.run(
        ["game-server", "health", url],
        cwd=tmp_path,
        env=installed.environment(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert probe.returncode == 1
    assert probe.stderr.startswith(f"unhealthy: {url}: ")
