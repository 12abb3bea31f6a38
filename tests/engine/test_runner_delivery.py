"""A room's runner writes each frame to its sockets on this process itself, sends the
frames to other processes only while one of them has a socket of the room, and is never
held up by a client that stops reading; what the channel layer cannot take is lost,
never the room."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
from prometheus_client import REGISTRY

from game_server import metrics
from game_server.local_layer import LocalChannelLayer
from games.engine.delivery import processes_group_name
from games.engine.room import Room
from games.engine.runner import RoomRunner
from games.engine.sockets import BACKLOG, SocketWriter
from games.rules import CATALOGUE
from tests.servers import diff_base

ALICE = "1"
BOB = "2"


async def _never_ends(room: Room) -> None:
    raise AssertionError("the match does not end here")


def _room() -> Room:
    definition = CATALOGUE["connect_four"]
    return Room(
        room_id="r1",
        game=definition,
        settings=definition.clean_settings({}),
        players=[(ALICE, "Alice"), (BOB, "Bob")],
        seed=1,
        seat_window_seconds=1,
    )


class Client:
    """What an ASGI server's `send` does for one socket: writes at once while its client
    reads, and, like uvicorn's, waits while the client's buffer is full (`reading`)."""

    def __init__(self) -> None:
        self.reading = asyncio.Event()
        self.reading.set()
        self.frames: list[dict[str, Any]] = []

    async def send(self, message: dict[str, Any]) -> None:
        await self.reading.wait()
        self.frames.append(orjson.loads(message["text"]))

    def kinds(self) -> list[str]:
        return [frame["type"] for frame in self.frames]

    def ticks(self) -> list[tuple[str, int, int | None]]:
        """Each frame's type, tick and seq."""
        return [(frame["type"], frame["tick"], frame.get("seq")) for frame in self.frames]


async def _seated(runner: RoomRunner, layer: LocalChannelLayer, player: str) -> Client:
    """A socket of `player` on this process, joined as the play socket joins."""
    client = Client()
    channel = await layer.new_channel()
    runner.sockets.add(channel, SocketWriter(client.send), player=player)
    await runner.join(player, channel)
    return client


async def test_frames_are_written_to_the_sockets_here_and_nothing_crosses_the_layer() -> None:
    layer = LocalChannelLayer()
    runner = RoomRunner(_room(), layer=layer, on_end=_never_ends)
    # Another process listening for the room's frames.
    elsewhere = await layer.new_channel()
    await layer.group_add(processes_group_name("r1"), elsewhere)
    alice = await _seated(runner, layer, ALICE)
    bob = await _seated(runner, layer, BOB)
    runner.room.submit(ALICE, 1, {"column": 3})
    await runner.send(runner.room.tick())
    assert alice.kinds() == ["snapshot", "presence", "presence", "diff"]
    assert bob.kinds() == ["snapshot", "presence", "diff"]
    assert alice.frames[-1] == bob.frames[-1]
    assert layer.channels.get(elsewhere) is None or layer.channels[elsewhere].empty()


async def test_a_socket_on_another_process_gets_each_ticks_frames_in_one_message() -> None:
    layer = LocalChannelLayer()
    runner = RoomRunner(_room(), layer=layer, on_end=_never_ends, process="here")
    there = await layer.new_channel()
    await layer.group_add(processes_group_name("r1"), there)
    alice = await _seated(runner, layer, ALICE)
    # Bob's socket is on another process: his join comes through the engine channel.
    bob_channel = "specific.elsewhere!bob"
    await runner.join(BOB, bob_channel)
    snapshot = orjson.loads((await layer.receive(bob_channel))["text"])
    assert snapshot["type"] == "snapshot"
    presence = await layer.receive(there)
    assert (presence["type"], presence["room"], presence["process"]) == (
        "registry.frames",
        "r1",
        "here",
    )
    runner.room.submit(ALICE, 1, {"column": 9})
    await runner.send(runner.room.tick())
    message = await layer.receive(there)
    targets = [target for target, _ in message["frames"]]
    # Alice's error and the diff for everyone, in one message; Alice's socket here got
    # both already.
    assert targets == [ALICE, None]
    assert alice.kinds()[-2:] == ["error", "diff"]
    # Bob leaves: no socket is elsewhere, and the frames stop crossing the layer.
    await runner.leave(BOB, bob_channel)
    runner.room.submit(ALICE, 2, {"column": 9})
    await runner.send(runner.room.tick())
    assert layer.channels[there].empty()
    assert alice.kinds()[-2:] == ["error", "diff"]


async def test_a_client_that_stops_reading_does_not_hold_the_room() -> None:
    layer = LocalChannelLayer()
    runner = RoomRunner(_room(), layer=layer, on_end=_never_ends)
    alice = await _seated(runner, layer, ALICE)
    bob = await _seated(runner, layer, BOB)
    alice.reading.clear()
    dropped = metrics.FRAMES_DROPPED._value.get()
    room = runner.room
    # Both send a refused input every tick: each tick brings each an error and a diff.
    ticks = BACKLOG
    for seq in range(1, ticks + 1):
        room.submit(ALICE, seq, {"column": 9})
        room.submit(BOB, seq, {"column": 9})
        async with asyncio.timeout(1):
            await runner.send(room.tick())
    # Bob got every frame at once: the room never waited for Alice.
    assert bob.kinds() == ["snapshot", "presence", *["error", "diff"] * ticks]
    assert alice.kinds() == ["snapshot", "presence", "presence"]
    # One write waits, BACKLOG frames queue behind it, the rest are dropped.
    assert metrics.FRAMES_DROPPED._value.get() - dropped == 2 * ticks - 1 - BACKLOG
    alice.reading.set()
    for _ in range(3):
        await asyncio.sleep(0)
    # The frames Bob got (her own errors, the same diffs), in order, up to the gap.
    assert alice.ticks()[3:] == bob.ticks()[2 : 2 + 1 + BACKLOG]
    # Her client reads again: the next frames are written at once, after the gap; the
    # diff's base shows the gap, and her client asks for a snapshot.
    room.submit(ALICE, ticks + 1, {"column": 9})
    room.submit(BOB, ticks + 1, {"column": 9})
    await runner.send(room.tick())
    assert alice.ticks()[-2:] == bob.ticks()[-2:]
    *diffs_before, last = [frame for frame in alice.frames if frame["type"] == "diff"]
    assert diff_base(last) != diffs_before[-1]["tick"]


async def test_a_snapshot_the_layer_cannot_take_is_lost_and_the_next_one_goes_out() -> None:
    # A socket on another process that reads nothing: its queue holds one message.
    layer = LocalChannelLayer(capacity=1)
    runner = RoomRunner(_room(), layer=layer, on_end=_never_ends)
    channel = await layer.new_channel()
    await runner.join(ALICE, channel)
    await runner.resync(ALICE, channel)
    assert runner.frames_lost == 1
    snapshot = orjson.loads((await layer.receive(channel))["text"])
    assert snapshot["type"] == "snapshot"
    await runner.resync(ALICE, channel)
    assert orjson.loads((await layer.receive(channel))["text"])["type"] == "snapshot"


COUNTED = ("game_ticks_total", "game_frames_sent_total", "game_frame_bytes_sent_total")


def _counted(name: str) -> float:
    value = REGISTRY.get_sample_value(name, {"game": "connect_four"})
    return value or 0.0


async def test_what_a_room_counts_reaches_the_metrics_whole_once_it_stops() -> None:
    """The runner adds its ticks and frames to the metrics once a second, not each tick;
    none are missing from them when the room stops in between."""
    layer = LocalChannelLayer()
    runner = RoomRunner(_room(), layer=layer, on_end=_never_ends)
    alice = await _seated(runner, layer, ALICE)
    before = {name: _counted(name) for name in COUNTED}
    runner.start()
    # Half a second at connect four's 10 Hz: ticks run, and the last count was at the
    # first tick.
    await asyncio.sleep(0.5)
    runner.room.submit(ALICE, 1, {"column": 3})
    await asyncio.sleep(0.15)
    await runner.stop()
    sent = [frame for frame in alice.frames if frame["type"] == "diff"]
    assert sent
    ticks = runner.schedule.ticks
    assert ticks >= 5
    assert _counted("game_ticks_total") - before["game_ticks_total"] == ticks
    assert _counted("game_frames_sent_total") - before["game_frames_sent_total"] >= len(sent)
    assert _counted("game_frame_bytes_sent_total") - before["game_frame_bytes_sent_total"] >= sum(
        len(orjson.dumps(frame)) for frame in sent
    )
