"""Real server processes for system and browser tests.

`LiveDatabase` makes a database of its own for the servers (a SQLite file, or a fresh
PostgreSQL database when DATABASE_URL is set) and migrates it; `ServerProcess` runs
daphne (or uvicorn) on it on a free port and waits until /health/ answers.
`SteeringPlayer` plays an arena match on one of them as a browser does.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import orjson
import psycopg
import redis
import websockets

from games.loadtest import socket_ticket, start_match

ROOT = Path(__file__).resolve().parent.parent
# How often a `SteeringPlayer` sends an input: each is acked by a frame.
STEER_SECONDS = 0.1


def copy_checkout(target: Path) -> Path:
    """The files a fresh clone would have (tracked, or new and not ignored): a checkout
    that a test may build from or write into, leaving this one as it is."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def checkout_with_a_new_game(target: Path, name: str) -> Path:
    """A copy of this checkout in which `manage.py startgame NAME` wrote a game, as it
    would in a developer's checkout (with GAMES unset)."""
    checkout = copy_checkout(target)
    wrote = subprocess.run(
        [sys.executable, "manage.py", "startgame", name],
        cwd=checkout,
        env={variable: value for variable, value in os.environ.items() if variable != "GAMES"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if wrote.returncode != 0:
        raise RuntimeError(f"manage.py startgame {name} failed:\n{wrote.stderr}")
    return checkout


def diff_base(frame: dict) -> int:
    """The tick a diff frame applies to: its `base`, or the tick before when it has none
    (docs/protocol.md, diff)."""
    return frame.get("base", frame["tick"] - 1)


def seat_numbers(snapshot: dict) -> dict[str, int]:
    """Each player's seat number in a snapshot: their ack is `acks[seat]` (docs/protocol.md,
    Server frames)."""
    return {player: seen["seat"] for player, seen in snapshot["room"]["players"].items()}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    """User and system CPU time a live process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def stop_process(
    process: subprocess.Popen[bytes], sig: int = signal.SIGTERM, timeout: float = 15.0
) -> int:
    """Sends `sig` and waits `timeout` for the process to end, then kills it; its exit code."""
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode


class LiveDatabase:
    """A migrated database that server processes share, removed afterwards."""

    def __init__(self, folder: Path) -> None:
        self.environment: dict[str, str] = {}
        self._admin_url = os.getenv("DATABASE_URL", "")
        if self._admin_url:
            self.name = f"live_{uuid.uuid4().hex[:12]}"
            with psycopg.connect(self._admin_url, autocommit=True) as connection:
                connection.execute(f'CREATE DATABASE "{self.name}"')
            base = self._admin_url.rsplit("/", 1)[0]
            self.environment["DATABASE_URL"] = f"{base}/{self.name}"
        else:
            self.environment["SQLITE_PATH"] = str(folder / "live.sqlite3")
        self.manage("migrate", "--noinput")

    def manage(self, *args: str) -> str:
        """Runs a manage.py command against this database and returns its output."""
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env={**os.environ, **self.environment},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stderr}")
        return result.stdout

    def end_sessions(self) -> int:
        """Ends every PostgreSQL session on this database, as a restart of PostgreSQL
        would; returns how many there were."""
        with psycopg.connect(self._admin_url, autocommit=True) as connection:
            ended = connection.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid()",
                (self.name,),
            ).fetchone()
        assert ended is not None
        return int(ended[0])

    def drop(self) -> None:
        if self._admin_url:
            with psycopg.connect(self._admin_url, autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


class ServerProcess:
    """One server process serving the project on 127.0.0.1: `daphne` (with
    game_server/daphne_protocol.py, as `game-server serve` runs it), `uvicorn` (uvloop and
    game_server/uvicorn_protocol.py, as docs/deploy.md runs it) or `daphne-uvloop`
    (bench/daphne_uvloop.py). `arguments` go
    to the server's command line as well; it serves this checkout unless told another."""

    def __init__(
        self,
        database: LiveDatabase,
        *,
        server: str = "daphne",
        log: Path,
        cpus: str = "",
        arguments: tuple[str, ...] = (),
        checkout: Path = ROOT,
        **environment: str,
    ) -> None:
        self.server = server
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}"
        self.environment = {**os.environ, **database.environment, **environment}
        self.environment.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
        # Every bot and browser of a test run makes its guests, and looks up the lobby
        # codes it joins, from 127.0.0.1.
        self.environment.setdefault("GUESTS_PER_ADDRESS_PER_HOUR", "100000")
        self.environment.setdefault("LOBBY_LOOKUPS_PER_ADDRESS_PER_MINUTE", "100000")
        if server == "daphne":
            command = ["-m", "game_server.daphne_protocol", "-b", "127.0.0.1", "-p", str(self.port)]
        elif server == "daphne-uvloop":
            command = ["bench/daphne_uvloop.py", "-b", "127.0.0.1", "-p", str(self.port)]
        else:
            command = ["-m", "uvicorn", "--host", "127.0.0.1", "--port", str(self.port)]
            command += ["--loop", "uvloop", "--ws", "game_server.uvicorn_protocol:PlayProtocol"]
            command += ["--no-access-log"]
            # Compression deflates every frame once per recipient: a tenth of a core at
            # 70 rooms (bench/README.md). Frames are small JSON diffs.
            command += ["--ws-per-message-deflate", "false"]
        self.log = log
        self._log_file = log.open("ab")
        # `cpus` pins the process to those cores, as the benchmark does.
        pin = ["taskset", "-c", cpus] if cpus else []
        self.process = subprocess.Popen(
            [*pin, sys.executable, *command, *arguments, "game_server.asgi:application"],
            cwd=checkout,
            env=self.environment,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
        )
        self._wait_until_healthy()

    def _wait_until_healthy(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited early; see {self.log}")
            try:
                with urllib.request.urlopen(f"{self.url}/health/", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"server did not become healthy in {timeout} s; see {self.log}")

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.process.pid)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15.0) -> int:
        returncode = stop_process(self.process, sig, timeout)
        self._log_file.close()
        return returncode

    def kill(self) -> int:
        return self.stop(signal.SIGKILL)


class RedisServer:
    """A redis-server of the test's own, which the test may stop and start again: it
    keeps nothing on disk, so a restart loses every key, as an unpersisted Redis does."""

    def __init__(self, folder: Path, *, password: str = "") -> None:
        self.port = free_port()
        self.folder = folder
        self.password = password
        credentials = f":{password}@" if password else ""
        self.url = f"redis://{credentials}127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None
        self.start()

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--dir", str(self.folder)]
        if self.password:
            command += ["--requirepass", self.password]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        client = redis.Redis.from_url(self.url)
        for _ in range(100):
            with contextlib.suppress(redis.ConnectionError):
                client.ping()
                return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    def pause(self) -> None:
        """SIGSTOP: Redis goes silent without closing a connection (its kernel still
        accepts new ones), as a frozen host or a lost network does."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)


class SteeringPlayer:
    """An arena player's socket: steers every STEER_SECONDS (so that frames keep coming,
    each acking an input), notes when each state frame came and its tick, asks for a
    snapshot when a diff does not follow the last state, as a browser does, and keeps the
    end frames."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.socket: websockets.ClientConnection | None = None
        self.seq = 0
        self.tick = 0
        self.frames_at: list[float] = []
        # The tick of each snapshot that came while playing (a room moved, a resync).
        self.snapshots: list[int] = []
        self.resyncs = 0
        self.ends: list[dict] = []

    async def connect(self, server: ServerProcess, match_id: str) -> dict:
        """Opens the socket; returns the snapshot it gets first."""
        origin = f"http://{urlsplit(server.url).netloc}"
        ticket = await asyncio.to_thread(socket_ticket, server.url, self.token)
        url = f"{server.ws_url}/ws/play/{match_id}/?ticket={ticket}"
        self.socket = await websockets.connect(url, origin=origin)
        while (frame := orjson.loads(await self.socket.recv()))["type"] != "snapshot":
            pass
        self.tick = frame["tick"]
        return frame

    async def play(self) -> None:
        """Steers and reads until the socket closes (its server died, or the match is
        over)."""
        assert self.socket is not None
        steering = asyncio.get_running_loop().create_task(self._steer(self.socket))
        try:
            async for text in self.socket:
                frame = orjson.loads(text)
                if frame["type"] == "end":
                    self.ends.append(frame)
                elif frame["type"] == "diff" and diff_base(frame) != self.tick:
                    self.resyncs += 1
                    await self.socket.send('{"type":"snapshot"}')
                elif frame["type"] in ("diff", "snapshot"):
                    self.frames_at.append(time.monotonic())
                    self.tick = frame["tick"]
                    if frame["type"] == "snapshot":
                        self.snapshots.append(frame["tick"])
        except websockets.ConnectionClosedError:
            pass
        finally:
            steering.cancel()

    async def _steer(self, socket: websockets.ClientConnection) -> None:
        with contextlib.suppress(websockets.ConnectionClosed):
            while True:
                self.seq += 1
                direction = [1, 0] if self.seq // 10 % 2 else [-1, 0]
                frame = {"type": "input", "seq": self.seq, "data": {"dir": direction}}
                await socket.send(orjson.dumps(frame).decode())
                await asyncio.sleep(STEER_SECONDS)


async def arena_on_two(
    servers: list[ServerProcess], *, duration: int
) -> tuple[str, SteeringPlayer, SteeringPlayer]:
    """An arena match started on the first process: the host's socket on it (so it runs
    the room in Redis mode) and the guest's on the second."""
    match_id, tokens = start_match(servers[0].url, "arena", 2, {"duration": duration})
    host, guest = SteeringPlayer(tokens[0]), SteeringPlayer(tokens[1])
    await host.connect(servers[0], match_id)
    await guest.connect(servers[1], match_id)
    return match_id, host, guest
