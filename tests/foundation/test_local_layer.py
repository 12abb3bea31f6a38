"""The embedded default's in-process channel layer (game_server/local_layer.py)."""

from __future__ import annotations

import asyncio

import pytest
from channels.exceptions import ChannelFull

from game_server.local_layer import LocalChannelLayer


async def test_a_group_message_reaches_every_member_and_leavers_no_more() -> None:
    layer = LocalChannelLayer()
    members = [await layer.new_channel() for _ in range(3)]
    for channel in members:
        await layer.group_add("room.a1", channel)
    await layer.group_send("room.a1", {"type": "room.frame", "text": "tick 1"})
    received = [await layer.receive(channel) for channel in members]
    assert received == [{"type": "room.frame", "text": "tick 1"}] * 3
    await layer.group_discard("room.a1", members[0])
    await layer.group_send("room.a1", {"type": "room.frame", "text": "tick 2"})
    await layer.send(members[0], {"type": "direct"})
    # Sent after tick 2: tick 2 would have come first.
    assert await layer.receive(members[0]) == {"type": "direct"}


async def test_a_full_member_misses_a_group_message_and_the_others_get_it() -> None:
    layer = LocalChannelLayer(capacity=1)
    slow, quick = await layer.new_channel(), await layer.new_channel()
    for channel in (slow, quick):
        await layer.group_add("room.b2", channel)
    await layer.send(slow, {"type": "first"})
    with pytest.raises(ChannelFull):
        await layer.send(slow, {"type": "second"})
    await layer.group_send("room.b2", {"type": "frame"})
    assert await layer.receive(quick) == {"type": "frame"}
    assert await layer.receive(slow) == {"type": "first"}
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(layer.receive(slow), 0.05)


async def test_expired_messages_and_their_memberships_are_swept(monkeypatch) -> None:
    clock = [1000.0]
    monkeypatch.setattr("game_server.local_layer.time.time", lambda: clock[0])
    monkeypatch.setattr("channels.layers.time.time", lambda: clock[0])
    layer = LocalChannelLayer(expiry=1)
    gone, here = await layer.new_channel(), await layer.new_channel()
    await layer.group_add("room.c3", gone)
    await layer.group_send("room.c3", {"type": "never read"})
    clock[0] += 10
    await layer.group_add("room.c3", here)
    await layer.group_send("room.c3", {"type": "fresh"})
    assert set(layer.groups["room.c3"]) == {here}
    assert await layer.receive(here) == {"type": "fresh"}


async def test_a_receiver_that_leaves_takes_its_queue_with_it() -> None:
    layer = LocalChannelLayer()
    channel = await layer.new_channel()
    await layer.send(channel, {"type": "one"})
    assert await layer.receive(channel) == {"type": "one"}
    receiving = asyncio.ensure_future(layer.receive(channel))
    await asyncio.sleep(0)
    receiving.cancel()
    await asyncio.gather(receiving, return_exceptions=True)
    assert channel not in layer.channels
