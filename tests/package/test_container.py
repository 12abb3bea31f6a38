"""The container recipe (issue 11, point 6). No container engine runs here, so the test
runs the image's steps without one: deploy/install.sh (the Dockerfile's install step)
into a fresh virtual environment, then the Dockerfile's own CMD and HEALTHCHECK from it;
and it reads compose.yaml against docs/deploy.md and deploy/nginx.conf."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import urllib.request
from pathlib import Path

import pytest
import yaml

from games.engine.lease import LEASE_SECONDS
from tests.package.conftest import Installed, Server
from tests.servers import ROOT, free_port

pytestmark = [pytest.mark.package, pytest.mark.timeout(900)]

# Where the image keeps its virtual environment and collected static files.
IMAGE_VENV = "/opt/venv"
IMAGE_STATIC_ROOT = "/opt/staticfiles"


def dockerfile() -> list[tuple[str, str]]:
    """The Dockerfile's instructions, continuation lines joined, comments left out."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(maxsplit=1)[0].upper(), line.split(maxsplit=1)[1])
        for line in lines
        if line and not line.startswith("#")
    ]


def instruction(name: str) -> list[str]:
    return [argument for found, argument in dockerfile() if found == name]


def exec_form(argument: str) -> list[str]:
    """An exec-form (JSON array) command; a shell-form one fails here."""
    command = json.loads(argument[argument.index("[") :])
    assert isinstance(command, list)
    return command


def on_port(command: list[str], port: int) -> list[str]:
    """The command with the image's port 8000 and any-address bind moved to loopback."""
    swapped = [{"0.0.0.0": "127.0.0.1", "8000": str(port)}.get(word, word) for word in command]
    return [word.replace("127.0.0.1:8000", f"127.0.0.1:{port}") for word in swapped]


def image_environment(installed: Installed) -> dict[str, str]:
    """The image's ENV, with its folders mapped to the test's."""
    variables = dict(
        word.split("=", 1) for argument in instruction("ENV") for word in shlex.split(argument)
    )
    path = installed.environment()["PATH"]
    return installed.environment(
        **{
            name: value.replace("$PATH", path)
            .replace(IMAGE_VENV, str(installed.venv))
            .replace(IMAGE_STATIC_ROOT, str(installed.static_root))
            for name, value in variables.items()
        }
    )


def documented_commands() -> str:
    """The shell code blocks of docs/deploy.md, one command a line."""
    text = (ROOT / "docs/deploy.md").read_text()
    blocks = re.findall(r"```(?:sh|dockerfile)\n(.*?)```", text, flags=re.DOTALL)
    return "\n".join(re.sub(r"\\\n\s*", "", block) for block in blocks)


def compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def port_of(command: list[str]) -> str:
    return command[command.index("--port") + 1]


def seconds(duration: str) -> float:
    number, unit = re.fullmatch(r"(\d+)(s|m)", duration).groups()
    return int(number) * {"s": 1, "m": 60}[unit]


def test_the_image_builds_in_two_stages_and_runs_as_a_user_without_privileges() -> None:
    assert len(instruction("FROM")) == 2
    assert "sh deploy/install.sh /opt/venv /opt/staticfiles" in instruction("RUN")
    user = instruction("USER")[-1]
    assert user not in ("root", "0")
    assert instruction("STOPSIGNAL") == ["SIGTERM"]
    # daphne with the play socket's direct way in and out (game_server/daphne_protocol.py).
    assert exec_form(instruction("CMD")[-1])[:2] == ["game-server", "serve"]


def test_the_image_command_serves_production_from_the_install_script_environment(
    installed: Installed, tmp_path: Path, servers: list[Server]
) -> None:
    environment = image_environment(installed)
    environment.update(SECRET_KEY="test-" + "k" * 50, ALLOWED_HOSTS="games.example.com")
    environment["SQLITE_PATH"] = str(tmp_path / "db.sqlite3")
    subprocess.run(["game-server", "migrate", "--noinput"], env=environment, check=True)
    port = free_port()
    server = Server(
        on_port(exec_form(instruction("CMD")[-1]), port),
        probe=on_port(exec_form(instruction("HEALTHCHECK")[-1]), port),
        cwd=tmp_path,
        environment=environment,
    )
    servers.append(server)

    # As nginx forwards it: the site's host name, HTTPS at the proxy.
    def get(path: str) -> tuple[int, bytes]:
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}{path}",
            headers={"Host": "games.example.com", "X-Forwarded-Proto": "https"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()

    assert get("/")[0] == 200
    # Static files collected at build time, under their hashed names.
    manifest = json.loads((installed.static_root / "staticfiles.json").read_text())
    hashed = manifest["paths"]["js/net.js"]
    assert hashed != "js/net.js"
    assert get(f"/static/{hashed}") == (200, (ROOT / "static/js/net.js").read_bytes())
    # The stop signal ends it within compose's grace period.
    grace = seconds(compose()["services"]["app1"]["stop_grace_period"])
    assert server.stop(timeout=grace) == 0


def test_compose_runs_two_servers_behind_nginx_on_postgresql_and_redis() -> None:
    services = compose()["services"]
    servers = [
        name
        for name, service in services.items()
        if service.get("command", [])[:2] == ["game-server", "serve"]
    ]
    assert servers == ["app1", "app2"]
    assert services["postgres"]["image"].startswith("postgres:")
    assert services["redis"]["image"].startswith("redis:")
    assert set(services["nginx"]["depends_on"]) == set(servers)
    # nginx's upstream lists every server on the port its command binds.
    nginx = (ROOT / "deploy/nginx.conf").read_text()
    upstream = re.findall(r"^\s*server (\S+);", nginx, flags=re.MULTILINE)
    assert upstream == [f"{name}:{port_of(services[name]['command'])}" for name in servers]
    assert "proxy_set_header Upgrade $http_upgrade;" in nginx
    assert "./deploy/nginx.conf:/etc/nginx/conf.d/default.conf:ro" in services["nginx"]["volumes"]


def test_every_service_but_migrate_has_a_health_check_and_servers_outlast_the_hand_over() -> None:
    services = compose()["services"]
    for name, service in services.items():
        if name != "migrate":
            assert service["healthcheck"]["test"][0] == "CMD", name
    for name in ("app1", "app2"):
        assert seconds(services[name]["stop_grace_period"]) > LEASE_SECONDS
        assert services[name]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        )


def test_each_compose_command_and_the_image_commands_are_described_in_docs_deploy_md() -> None:
    documented = documented_commands()
    services = compose()["services"].values()
    commands = [shlex.join(service["command"]) for service in services if "command" in service]
    commands.append(shlex.join(exec_form(instruction("CMD")[-1])))
    commands.append(shlex.join(exec_form(instruction("HEALTHCHECK")[-1])))
    assert [command for command in commands if command not in documented] == []
