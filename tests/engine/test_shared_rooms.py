"""Rooms shared through a real Redis: several registries in one test stand for several
processes (each has a process id of its own, as each server process does)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import orjson
import pytest
from asgiref.sync import sync_to_async

from games.engine import saves
from games.engine.link import RoomLink
from games.engine.redis_registry import RedisRegistry
from games.models import Match
from games.services import match_create
from tests.polling import until

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
async def registries(settings, redis_url: str) -> AsyncIterator[list[RedisRegistry]]:
    settings.REDIS_URL = redis_url
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [{"address": redis_url, "socket_timeout": 30}]},
        }
    }
    made = [RedisRegistry() for _ in range(3)]
    yield made
    await asyncio.gather(*(registry.close() for registry in made))


@pytest.fixture
async def match(alice, bob) -> Match:
    return await sync_to_async(match_create)(game="arena", settings={}, players=[alice, bob])


async def _lease(registry: RedisRegistry, match: Match) -> str:
    return (await registry.redis.get(f"room:{match.pk}:lease")).decode()


async def test_processes_racing_to_open_a_room_end_with_one_owner(registries, match) -> None:
    links = await asyncio.gather(*(registry.open(str(match.pk)) for registry in registries))
    owners = [
        registry
        for registry, link in zip(registries, links, strict=True)
        if link.runner is not None
    ]
    assert len(owners) == 1
    assert (await _lease(registries[0], match)).endswith(owners[0].process)


async def test_a_second_open_while_the_room_starts_gets_the_started_room(registries, match) -> None:
    first, second = await asyncio.gather(
        registries[0].open(str(match.pk)), registries[0].open(str(match.pk))
    )
    assert first is second
    assert first.runner is not None


async def test_an_owner_that_lost_its_lease_stops_and_writes_nothing_more(
    registries, match
) -> None:
    owner: RoomLink = await registries[0].open(str(match.pk))
    runner = owner.runner
    assert runner is not None
    # Another process took the room while this one was paused, and saved it (a real
    # save: tests beside this one on the same Redis read every save, as the admin does).
    lease, save = f"room:{match.pk}:lease", f"room:{match.pk}:save"
    client = registries[1].redis
    theirs = saves.save(runner.room)
    await client.set(lease, "99:other-process", px=3000)
    await client.hset(save, mapping={"data": theirs, "writer": "99:other-process"})
    await until(lambda: owner.runner is None)
    assert str(match.pk) not in registries[0].runners
    ticks = runner.room.ctx.tick
    await asyncio.sleep(0.6)
    # No tick, no renewal and no save since.
    assert runner.room.ctx.tick == ticks
    assert await _lease(registries[0], match) == "99:other-process"
    assert await client.hgetall(save) == {b"data": theirs, b"writer": b"99:other-process"}


async def test_a_closing_owner_hands_the_room_to_a_process_with_a_player(registries, match) -> None:
    owner = await registries[0].open(str(match.pk))
    other = await registries[1].open(str(match.pk))
    assert (owner.runner is not None, other.runner) == (True, None)
    await asyncio.sleep(0.2)
    await registries[0].close()
    saved = orjson.loads(await registries[1].redis.hget(f"room:{match.pk}:save", "data"))
    await until(lambda: other.runner is not None)
    assert (await _lease(registries[1], match)).endswith(registries[1].process)
    assert other.runner.room.ctx.tick >= saved["tick"] > 0


@pytest.fixture
def no_rounds(monkeypatch) -> None:
    """The processes' rounds wait far longer than a test: only what an owner tells the
    others moves them."""
    monkeypatch.setattr("games.engine.failover.RENEW_SECONDS", 60.0)


async def test_an_owner_that_lets_go_has_its_room_taken_at_once(
    no_rounds, registries, match
) -> None:
    owner = await registries[0].open(str(match.pk))
    other = await registries[1].open(str(match.pk))
    assert (owner.runner is not None, other.runner) == (True, None)
    await registries[0].close()
    await until(lambda: other.runner is not None, seconds=2.0)


async def test_the_processes_of_a_room_stop_watching_it_when_its_match_ends(
    no_rounds, registries, match
) -> None:
    await registries[0].open(str(match.pk))
    await registries[1].open(str(match.pk))
    assert await registries[1].end(str(match.pk))
    await until(lambda: str(match.pk) not in registries[1].rooms, seconds=2.0)
    assert await sync_to_async(lambda: Match.objects.get(pk=match.pk).state)() == "aborted"
