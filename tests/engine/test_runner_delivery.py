"""A room's runner hands frames to the channel layer; what the layer cannot take is lost,
never the room."""

from __future__ import annotations

import orjson

from game_server.local_layer import LocalChannelLayer
from games.engine.room import Room
from games.engine.runner import RoomRunner
from games.rules import CATALOGUE

ALICE = "1"


async def _never_ends(room: Room) -> None:
    raise AssertionError("the match does not end here")


async def test_a_frame_the_layer_cannot_take_is_lost_and_the_next_one_goes_out() -> None:
    definition = CATALOGUE["connect_four"]
    room = Room(
        room_id="r1",
        game=definition,
        settings=definition.clean_settings({}),
        players=[(ALICE, "Alice"), ("2", "Bob")],
        seed=1,
        seat_window_seconds=1,
    )
    # A socket that reads nothing: its queue holds one message.
    layer = LocalChannelLayer(capacity=1)
    runner = RoomRunner(room, layer=layer, on_end=_never_ends)
    channel = await layer.new_channel()
    await runner.join(ALICE, channel)
    room.submit(ALICE, 1, {"column": 9})
    await runner.send(room.tick())
    assert runner.frames_lost == 1
    snapshot = orjson.loads((await layer.receive(channel))["text"])
    assert snapshot["type"] == "snapshot"
    room.submit(ALICE, 2, {"column": 9})
    await runner.send(room.tick())
    error = orjson.loads((await layer.receive(channel))["text"])
    assert (error["type"], error["seq"]) == ("error", 2)
