"""A room's log goes with its saves to the database and Redis, so that a room resumed in
another process (or the same one started again) goes on with the whole log; and a match
that its room ends records what replays it."""

from __future__ import annotations

import orjson
import pytest
import redis.asyncio as redis
from asgiref.sync import sync_to_async

from games.engine import saves
from games.engine.local_registry import LocalRegistry
from games.engine.redis_registry import RedisRegistry
from games.engine.room import Room
from games.models import Match, MatchReplay, RoomLogPart, RoomSave
from games.services import match_create
from tests.polling import until
from tests.replay_check import replay_mismatch

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
async def match(alice, bob) -> Match:
    return await sync_to_async(match_create)(game="arena", settings={}, players=[alice, bob])


def _steer(room: Room, alice, seq: int) -> None:
    room.submit(str(alice.pk), seq, {"dir": [1, 0] if seq % 2 else [0, 1]})


def _database_log_length(match: Match) -> int:
    save = RoomSave.objects.filter(match=match).first()
    return saves.read(bytes(save.data))["log_length"] if save else 0


async def _saved_with(match: Match, entries: int) -> bool:
    return await sync_to_async(_database_log_length)(match) >= entries


async def test_a_restarted_process_resumes_the_room_with_its_log_from_database_saves(
    settings, match, alice
) -> None:
    settings.ROOM_SAVE_SECONDS = 1
    crashed = LocalRegistry()
    runner = await crashed.open(str(match.pk))
    _steer(runner.room, alice, 1)
    await until(lambda: _saved_with(match, 1))
    _steer(runner.room, alice, 2)
    _steer(runner.room, alice, 3)
    await until(lambda: _saved_with(match, 3))
    await crashed.close()
    # Each save appended only its new entries.
    parts = await sync_to_async(list)(RoomLogPart.objects.filter(match=match).values_list("start"))
    assert parts == [(0,), (1,)]

    restarted = LocalRegistry()
    resumed = await restarted.open(str(match.pk))
    assert resumed.room.log == runner.room.log[: len(resumed.room.log)]
    assert [orjson.loads(entry)[3] for entry in resumed.room.log] == [
        {"dir": [1, 0]},
        {"dir": [0, 1]},
        {"dir": [1, 0]},
    ]
    await restarted.close()


async def test_with_redis_a_room_taken_over_goes_on_with_its_log_from_redis(
    settings, redis_url: str, match, alice
) -> None:
    settings.REDIS_URL = redis_url
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "game_server.redis_layer.RedisPubSubLayer",
            "CONFIG": {"hosts": [redis_url]},
        }
    }
    owner, other = RedisRegistry(), RedisRegistry()
    link = await owner.open(str(match.pk))
    watching = await other.open(str(match.pk))
    room = link.runner.room
    client = redis.Redis.from_url(redis_url)
    log_key = f"room:{match.pk}:log"
    _steer(room, alice, 1)
    await until(lambda: len(room.log) == 1)
    _steer(room, alice, 2)
    await until(lambda: len(room.log) == 2)
    # The owner hands the room over: its last save carries the whole log.
    await owner.close()
    assert await client.llen(log_key) == 2
    await until(lambda: watching.runner is not None)
    resumed = watching.runner.room
    assert resumed.log == room.log
    _steer(resumed, alice, 3)
    await until(lambda: len(resumed.log) == 3)
    # The new owner's saves append to the same list.
    await until(lambda: _llen(client, log_key, 3))
    await other.close()
    await client.aclose()


async def _llen(client: redis.Redis, key: str, length: int) -> bool:
    return await client.llen(key) == length


def _replay_of(match: Match) -> MatchReplay | None:
    return MatchReplay.objects.filter(match=match).first()


async def test_a_match_its_room_ends_records_a_replay_equal_to_it(match, alice) -> None:
    registry = LocalRegistry()
    runner = await registry.open(str(match.pk))
    for seq in range(1, 4):
        _steer(runner.room, alice, seq)
        await until(lambda seq=seq: len(runner.room.log) == seq)
    await registry.end(str(match.pk))
    await until(lambda: str(match.pk) not in registry.runners)
    record = await sync_to_async(_replay_of)(match)
    assert (record.log_entries, record.seed) == (4, match.seed)
    assert record.game_version == runner.room.game.version
    assert record.ticks == runner.room.ctx.tick
    assert (
        await sync_to_async(replay_mismatch)(str(match.pk), "arena", record, runner.room.result)
        == ""
    )
    await registry.close()


async def test_the_replay_check_names_a_record_its_replay_does_not_match(
    settings, match, alice
) -> None:
    registry = LocalRegistry()
    runner = await registry.open(str(match.pk))
    _steer(runner.room, alice, 1)
    await until(lambda: len(runner.room.log) == 1)
    await registry.end(str(match.pk))
    await until(lambda: str(match.pk) not in registry.runners)
    record = await sync_to_async(_replay_of)(match)
    # A log that lost its input replays elsewhere.
    record.log = record.log.replace(b'"dir":[1,0]', b'"dir":[0,0]')
    problem = await sync_to_async(replay_mismatch)(
        str(match.pk), "arena", record, runner.room.result
    )
    assert "final state differs" in problem
    await registry.close()
