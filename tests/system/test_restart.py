"""A real daphne process on the embedded default (no Redis) killed mid-match and
started again: each running match goes on from its last database save, not from tick 0.
"""

from __future__ import annotations

import asyncio
import contextlib
from urllib.parse import urlsplit

import orjson
import pytest
import websockets

from games.loadtest import start_match
from tests.servers import LiveDatabase, ServerProcess

pytestmark = pytest.mark.system

TICK_RATE = 20
# The default ROOM_SAVE_SECONDS, in ticks, and what a loaded machine adds to a write.
SAVE_TICKS = 2 * TICK_RATE
SLACK_TICKS = TICK_RATE
RESULT_QUERY = (
    "from games.models import Match, RoomSave; m = Match.objects.get(pk='{}'); "
    "print(m.state, m.reason, sorted(p.placement for p in m.players.all()), "
    "RoomSave.objects.filter(match=m).count())"
)


class Player:
    """One socket that steers (so that every tick sends a frame) and notes the last tick
    it saw."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.socket: websockets.ClientConnection | None = None
        self.seq = 0
        self.tick = 0
        self.ends: list[dict] = []

    async def connect(self, server: ServerProcess, match_id: str) -> dict:
        origin = f"http://{urlsplit(server.url).netloc}"
        url = f"{server.ws_url}/ws/play/{match_id}/?token={self.token}"
        self.socket = await websockets.connect(url, origin=origin)
        while (frame := orjson.loads(await self.socket.recv()))["type"] != "snapshot":
            pass
        self.tick = frame["tick"]
        return frame

    async def play(self) -> None:
        """Steers and reads frames until the socket closes (the server died or the match
        is over)."""
        assert self.socket is not None
        steering = asyncio.get_running_loop().create_task(self._steer(self.socket))
        try:
            async for text in self.socket:
                frame = orjson.loads(text)
                if frame["type"] in ("diff", "snapshot"):
                    self.tick = frame["tick"]
                elif frame["type"] == "end":
                    self.ends.append(frame)
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
                await asyncio.sleep(0.1)


def _ended_lines(*servers: ServerProcess, match_id: str) -> int:
    return sum(
        f"room {match_id} ended" in line
        for server in servers
        for line in server.log.read_text().splitlines()
    )


@pytest.mark.timeout(120)
async def test_a_killed_server_started_again_resumes_the_match_from_its_last_save(
    live_database: LiveDatabase, tmp_path
) -> None:
    # The embedded default: no Redis, whatever the test run has.
    first = ServerProcess(live_database, log=tmp_path / "first.log", REDIS_URL="")
    match_id, tokens = start_match(first.url, "arena", 2, {"duration": 15})
    players = [Player(token) for token in tokens]
    for player in players:
        await player.connect(first, match_id)
    reading = [asyncio.ensure_future(player.play()) for player in players]
    await asyncio.sleep(5)
    first.kill()
    await asyncio.wait_for(asyncio.gather(*reading), 10)
    killed_tick = max(player.tick for player in players)

    second = ServerProcess(live_database, log=tmp_path / "second.log", REDIS_URL="")
    try:
        snapshots = [await player.connect(second, match_id) for player in players]
        resumed_tick = snapshots[0]["tick"]
        print(f"\nkilled at tick {killed_tick}, resumed at tick {resumed_tick}")
        assert killed_tick - SAVE_TICKS - SLACK_TICKS <= resumed_tick <= killed_tick
        assert snapshots[1]["tick"] >= resumed_tick
        reading = [asyncio.ensure_future(player.play()) for player in players]
        await asyncio.wait_for(asyncio.gather(*reading), 30)
        for player in players:
            assert [end["result"]["reason"] for end in player.ends] == ["time_up"]
            assert player.socket is not None
            assert player.socket.close_code == 4410
        recorded = live_database.manage(
            "shell", "--no-imports", "-c", RESULT_QUERY.format(match_id)
        )
        # Finished with both placements, and no save left behind.
        assert recorded.strip() in ("finished time_up [1, 2] 0", "finished time_up [1, 1] 0")
        assert _ended_lines(first, second, match_id=match_id) == 1
    finally:
        second.stop()
