"""The pipelined Redis pub/sub layer (game_server/redis_layer.py) against real Redis
servers. Two layer objects stand for two server processes."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest
import redis

from game_server.redis_layer import RedisPubSubLayer
from tests.polling import until
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


async def test_posts_arrive_in_order_without_anything_awaited(processes) -> None:
    here, there = processes
    channel = await there.new_channel()
    failed: list[Exception] = []
    # The first posts are made before `here` has a connection to publish on: they wait
    # for it, and go out first.
    for n in range(500):
        here.post(channel, {"type": "input", "seq": n}, failed.append)
    assert [(await _next(there, channel))["seq"] for _ in range(500)] == list(range(500))
    assert failed == []


async def test_a_group_post_reaches_every_member_on_every_process(processes) -> None:
    here, there = processes
    members = [(layer, await layer.new_channel()) for layer in (here, there)]
    for layer, channel in members:
        await layer.group_add("room.d4", channel)
    failed: list[Exception] = []
    here.group_post("room.d4", {"type": "registry.frames", "tick": 1}, failed.append)
    for layer, channel in members:
        assert (await _next(layer, channel))["tick"] == 1
    assert failed == []


async def test_a_listener_hears_each_message_as_it_is_read(processes, redis_url: str) -> None:
    here, there = processes
    heard: list[dict] = []
    # A channel by its name, and one from new_channel (which receive then no longer
    # reads), in a group.
    named = "room-engine.e5"
    await there.listen(named, heard.append)
    fresh = await there.new_channel()
    await there.listen(fresh, heard.append)
    await there.group_add("room.e5", fresh)
    await here.send(named, {"type": "a"})
    here.post(fresh, {"type": "b"}, heard.append)
    await here.group_send("room.e5", {"type": "c"})
    await until(lambda: len(heard) == 3)
    assert heard == [{"type": "a"}, {"type": "b"}, {"type": "c"}]
    # From the same process: handed over at once, before the send returns.
    await there.send(named, {"type": "d"})
    assert heard[-1] == {"type": "d"}
    # Gone: Redis no longer sends the channel's messages to this process.
    there.unlisten(named)
    client = redis.Redis.from_url(redis_url)
    await until(lambda: client.pubsub_numsub(named) == [(named.encode(), 0)])


async def test_a_listener_that_raises_holds_up_no_message_after(processes, caplog) -> None:
    here, there = processes
    heard: list[dict] = []

    def listener(message: dict) -> None:
        if message["type"] == "bad":
            raise ValueError("a bug in the listener")
        heard.append(message)

    await there.listen("room-engine.f6", listener)
    for kind in ("bad", "good"):
        here.post("room-engine.f6", {"type": kind}, heard.append)
    await until(lambda: heard)
    assert heard == [{"type": "good"}]
    assert "the listener of room-engine.f6 failed" in caplog.text


async def test_a_post_that_cannot_go_out_is_told_to_its_sender(own_redis) -> None:
    here, there = (RedisPubSubLayer(hosts=[own_redis.url], timeout=1) for _ in range(2))
    channel = await there.new_channel()
    failed: list[Exception] = []
    here.post(channel, {"type": "before"}, failed.append)
    assert (await _next(there, channel))["type"] == "before"

    # Redis stops: the post fails, at once or when the connection is found lost.
    own_redis.stop()
    here.post(channel, {"type": "during"}, failed.append)
    await until(lambda: failed)
    assert isinstance(failed[0], redis.ConnectionError)
    # While the connection is being opened again, posts fail at once.
    failed.clear()
    here.post(channel, {"type": "during"}, failed.append)
    assert isinstance(failed[0], redis.ConnectionError)
    own_redis.start()

    # Back: posts go out again.
    receiving = asyncio.ensure_future(there.receive(channel))
    for _ in range(100):
        here.post(channel, {"type": "after"}, failed.append)
        await asyncio.wait({receiving}, timeout=0.1)
        if receiving.done():
            break
    assert receiving.result()["type"] == "after"

    # Redis stops answering: a post waiting for its reply fails within the timeout.
    own_redis.pause()
    try:
        failed.clear()
        here.post(channel, {"type": "paused"}, failed.append)
        await until(lambda: failed, seconds=3)
        assert isinstance(failed[0], redis.RedisError)
    finally:
        own_redis.resume()
    await here.flush()
    await there.flush()


async def test_posts_before_a_first_connection_that_fails_are_each_told(tmp_path) -> None:
    server = RedisServer(tmp_path)
    url = server.url
    server.stop()
    layer = RedisPubSubLayer(hosts=[url], timeout=1)
    failed: list[Exception] = []
    for n in range(3):
        layer.post("room-engine.g7", {"type": "input", "seq": n}, failed.append)
    await until(lambda: len(failed) == 3)
    assert all(isinstance(error, redis.ConnectionError) for error in failed)
    await layer.flush()
