"""The pipelined Redis pub/sub layer (game_server/redis_layer.py) against real Redis
servers. Two layer objects stand for two server processes."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest
import redis

from game_server.redis_layer import RedisPubSubLayer
from tests.servers import RedisServer


@pytest.fixture
async def processes(redis_url: str) -> AsyncIterator[list[RedisPubSubLayer]]:
    made = [RedisPubSubLayer(hosts=[{"address": redis_url}]) for _ in range(2)]
    yield made
    for layer in made:
        await layer.flush()


async def _next(layer: RedisPubSubLayer, channel: str) -> dict:
    return await asyncio.wait_for(layer.receive(channel), 5)


async def _sent_until_received(
    here: RedisPubSubLayer, there: RedisPubSubLayer, channel: str
) -> dict:
    """Sends "after" from `here` every 0.1 s (for up to 10 s) until `there` receives a
    message on `channel`; returns that message."""
    receiving = asyncio.ensure_future(there.receive(channel))
    for _ in range(100):
        with contextlib.suppress(redis.RedisError):
            await here.send(channel, {"type": "after"})
        await asyncio.wait({receiving}, timeout=0.1)
        if receiving.done():
            break
    return receiving.result()


async def test_a_message_reaches_a_channel_of_another_process(processes) -> None:
    here, there = processes
    channel = await there.new_channel()
    await here.send(channel, {"type": "room.frame", "text": "{}", "n": [1, 2.5, None, True]})
    assert await _next(there, channel) == {
        "type": "room.frame",
        "text": "{}",
        "n": [1, 2.5, None, True],
    }


async def test_a_group_message_reaches_every_member_on_every_process(processes) -> None:
    here, there = processes
    members = [(layer, await layer.new_channel()) for layer in (here, here, there)]
    for layer, channel in members:
        await layer.group_add("room.a1", channel)
    await there.group_send("room.a1", {"type": "room.frame", "text": "tick 1"})
    for layer, channel in members:
        assert (await _next(layer, channel))["text"] == "tick 1"
    # Left: the next message reaches the others only.
    gone_layer, gone = members.pop(0)
    await gone_layer.group_discard("room.a1", gone)
    await there.group_send("room.a1", {"type": "room.frame", "text": "tick 2"})
    await here.send(gone, {"type": "direct"})
    for layer, channel in members:
        assert (await _next(layer, channel))["text"] == "tick 2"
    # Sent after tick 2 on the same connection: tick 2 would have come first.
    assert (await _next(gone_layer, gone))["type"] == "direct"


async def test_many_messages_sent_at_once_all_arrive_in_order(processes) -> None:
    here, there = processes
    channel = await there.new_channel()
    await asyncio.gather(*(here.send(channel, {"type": "input", "seq": n}) for n in range(500)))
    assert [(await _next(there, channel))["seq"] for _ in range(500)] == list(range(500))


async def test_a_receiver_that_leaves_unsubscribes(processes, redis_url: str) -> None:
    there = processes[1]
    channel = await there.new_channel()
    receiving = asyncio.ensure_future(there.receive(channel))
    await asyncio.sleep(0.05)
    receiving.cancel()
    await asyncio.gather(receiving, return_exceptions=True)
    client = redis.Redis.from_url(redis_url)
    for _ in range(50):
        if client.pubsub_numsub(channel) == [(channel.encode(), 0)]:
            break
        await asyncio.sleep(0.02)
    assert client.pubsub_numsub(channel) == [(channel.encode(), 0)]


async def test_a_password_protected_redis(tmp_path) -> None:
    server = RedisServer(tmp_path, password="s3cret word")
    try:
        layer = RedisPubSubLayer(hosts=[server.url])
        channel = await layer.new_channel()
        await layer.send(channel, {"type": "hello"})
        assert await _next(layer, channel) == {"type": "hello"}
        await layer.flush()
    finally:
        server.stop()


async def test_across_a_redis_restart_sends_fail_fast_then_every_subscription_is_back(
    own_redis,
) -> None:
    here, there = (RedisPubSubLayer(hosts=[own_redis.url]) for _ in range(2))
    channel = await there.new_channel()
    member = await there.new_channel()
    await there.group_add("room.b2", member)
    await here.send(channel, {"type": "before"})
    assert (await _next(there, channel))["type"] == "before"

    own_redis.stop()
    with pytest.raises(redis.ConnectionError):
        await asyncio.wait_for(here.send(channel, {"type": "during"}), 1)
    own_redis.start()

    # Sends work again at once; the subscriber is back within its backoff.
    assert (await _sent_until_received(here, there, channel))["type"] == "after"
    await here.group_send("room.b2", {"type": "after"})
    assert (await _next(there, member))["type"] == "after"
    await here.flush()
    await there.flush()


async def test_a_paused_redis_fails_sends_instead_of_hanging_and_is_used_again_after(
    own_redis,
) -> None:
    here, there = (RedisPubSubLayer(hosts=[own_redis.url], timeout=2) for _ in range(2))
    channel = await there.new_channel()
    member = await here.new_channel()
    await here.group_add("room.c3", member)
    await here.send(channel, {"type": "before"})
    assert (await _next(there, channel))["type"] == "before"

    own_redis.pause()
    try:
        # No answer: the send fails within the timeout (and later ones at once).
        with pytest.raises(redis.RedisError):
            await asyncio.wait_for(here.send(channel, {"type": "during"}), 5)
        with pytest.raises(redis.ConnectionError):
            await asyncio.wait_for(here.send(channel, {"type": "during"}), 5)
        # A member in the sending process gets a group message all the same.
        with contextlib.suppress(redis.ConnectionError):
            await here.group_send("room.c3", {"type": "local"})
        assert (await _next(here, member))["type"] == "local"
    finally:
        own_redis.resume()

    # Both connections are opened again once Redis answers (a send made during the
    # pause may come first: Redis runs what it had read when it goes on).
    assert (await _sent_until_received(here, there, channel))["type"] in ("during", "after")
    await here.flush()
    await there.flush()
