"""Rooms saved to the database off the tick path, and a registry started again (a
restarted process) resuming each running match from its save, not from tick 0."""

from __future__ import annotations

import asyncio

import orjson
import pytest
import redis.asyncio as redis
from asgiref.sync import sync_to_async

from games.engine.local_registry import LocalRegistry
from games.engine.redis_registry import RedisRegistry
from games.models import Match, RoomSave
from games.rules.base import Result
from games.services import (
    DatabaseSave,
    match_create,
    match_finish,
    match_room_spec,
    match_rooms_save,
)
from lobby.models import Lobby, LobbyBan

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
async def match(alice, bob) -> Match:
    return await sync_to_async(match_create)(game="arena", settings={}, players=[alice, bob])


def _save_of(match: Match) -> RoomSave | None:
    return RoomSave.objects.filter(match=match).first()


async def _first_save(match: Match) -> RoomSave:
    for _ in range(200):
        if saved := await sync_to_async(_save_of)(match):
            return saved
        await asyncio.sleep(0.02)
    raise AssertionError("the room was never saved")


async def test_a_registry_started_again_resumes_the_match_from_its_last_save(
    settings, match
) -> None:
    settings.ROOM_SAVE_SECONDS = 1
    crashed = LocalRegistry()
    runner = await crashed.open(str(match.pk))
    assert runner is not None
    saved = await _first_save(match)
    # The process dies: no save on the way out, the room goes on no further.
    await crashed.close()
    assert runner.room.ctx.tick >= saved.tick > 0

    restarted = LocalRegistry()
    resumed = await restarted.open(str(match.pk))
    assert resumed is not None
    data = orjson.loads(saved.data)
    assert resumed.room.ctx.tick == saved.tick == data["tick"]
    assert resumed.room.state == data["state"]
    # The seats wait for their players' sockets again.
    assert not any(seat.connected for seat in resumed.room.seats.values())
    await restarted.close()


async def test_a_match_without_a_save_starts_at_tick_0(match) -> None:
    registry = LocalRegistry()
    runner = await registry.open(str(match.pk))
    assert runner is not None
    assert runner.room.ctx.tick == 0
    await registry.close()


def test_a_match_that_ended_keeps_no_save_and_takes_no_new_one(match) -> None:
    match_rooms_save(saves={str(match.pk): DatabaseSave(40, b'{"tick": 40}', 0, b"[]", 0)})
    assert _save_of(match).tick == 40
    match_rooms_save(saves={str(match.pk): DatabaseSave(80, b'{"tick": 80}', 0, b"[]", 0)})
    assert _save_of(match).tick == 80

    match_finish(match_id=str(match.pk), result=Result(placements={}, scores={}, reason="x"))
    assert _save_of(match) is None
    # A save written as the match ended (the rooms are saved from another thread).
    match_rooms_save(saves={str(match.pk): DatabaseSave(81, b'{"tick": 81}', 0, b"[]", 0)})
    assert _save_of(match) is None


async def test_with_redis_a_room_whose_redis_save_is_lost_resumes_from_the_database(
    settings, redis_url: str, match
) -> None:
    settings.ROOM_SAVE_SECONDS = 1
    settings.REDIS_URL = redis_url
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "game_server.redis_layer.RedisPubSubLayer",
            "CONFIG": {"hosts": [redis_url]},
        }
    }
    owner = RedisRegistry()
    link = await owner.open(str(match.pk))
    assert link is not None
    assert link.runner is not None
    saved = await _first_save(match)
    # Every process stops, and Redis comes back without the room's save.
    await owner.close()
    client = redis.Redis.from_url(redis_url)
    await client.delete(f"room:{match.pk}:save")
    await client.aclose()

    restarted = RedisRegistry()
    resumed = await restarted.open(str(match.pk))
    assert resumed is not None
    assert resumed.runner is not None
    assert resumed.runner.room.ctx.tick >= saved.tick > 0
    await restarted.close()


async def test_a_kick_after_the_last_save_holds_in_the_resumed_room(
    settings, match, alice, bob
) -> None:
    settings.ROOM_SAVE_SECONDS = 1
    crashed = LocalRegistry()
    await crashed.open(str(match.pk))
    saved = await _first_save(match)
    await crashed.close()
    # The host kicked Bob after that save: the lobby's ban is what the spec reads.
    await sync_to_async(_ban)(match, bob)

    restarted = LocalRegistry()
    resumed = await restarted.open(str(match.pk))
    assert resumed is not None
    assert resumed.room.ctx.tick == saved.tick
    seat = resumed.room.seats[str(bob.pk)]
    assert seat.leaves_at_tick == saved.tick + 1
    assert resumed.room.seats[str(alice.pk)].leaves_at_tick != saved.tick + 1
    await restarted.close()


def _ban(match: Match, user) -> None:
    lobby = Lobby.objects.create(
        code="KICKED", name="kicked", host=match.players.first().user, game="arena", max_players=2
    )
    Match.objects.filter(pk=match.pk).update(lobby=lobby)
    LobbyBan.objects.create(lobby=lobby, user=user)


def _part(match: Match, start: int, entries: list) -> DatabaseSave:
    data = orjson.dumps({"tick": 1, "log_length": start + len(entries)})
    return DatabaseSave(1, data, start, orjson.dumps(entries), start + len(entries))


def test_the_log_is_read_back_from_its_parts_the_newest_where_they_overlap(match) -> None:
    first = [[1, "input", "1", {"dir": [1, 0]}], [2, "input", "1", {"dir": [0, 1]}]]
    match_rooms_save(saves={str(match.pk): _part(match, 0, first)})
    match_rooms_save(saves={str(match.pk): _part(match, 2, [[3, "left", "2", {}]])})
    # Another owner, whose first save carries its whole log, then one whose count of
    # what was stored is older: each part holds from where it starts.
    match_rooms_save(saves={str(match.pk): _part(match, 0, [*first, [3, "left", "2", {}]])})
    match_rooms_save(saves={str(match.pk): _part(match, 1, [[2, "input", "1", {"dash": True}]])})

    spec = match_room_spec(match_id=str(match.pk))
    assert [orjson.loads(entry) for entry in spec.saved.log] == [
        first[0],
        [2, "input", "1", {"dash": True}],
    ]


def _as_a_save_older_than_logs_and_these_rules(saved: RoomSave) -> None:
    """Rewrites the save as version 1 of the arena wrote it before rooms kept their log."""
    data = orjson.loads(saved.data)
    for key in ("game_version", "seed", "log_length", "replayable"):
        del data[key]
    del data["state"]["tick_rate"]
    saved.data = orjson.dumps(data)
    saved.save()


async def test_a_save_of_older_rules_that_cannot_be_played_again_ends_its_match(
    settings, match
) -> None:
    settings.ROOM_SAVE_SECONDS = 1
    crashed = LocalRegistry()
    await crashed.open(str(match.pk))
    saved = await _first_save(match)
    await crashed.close()
    await sync_to_async(_as_a_save_older_than_logs_and_these_rules)(saved)

    restarted = LocalRegistry()
    assert await restarted.open(str(match.pk)) is not None
    for _ in range(200):
        await match.arefresh_from_db()
        if match.state != Match.State.RUNNING:
            break
        await asyncio.sleep(0.02)
    assert (match.state, match.reason) == (Match.State.ABORTED, "rules_changed")
    await restarted.close()
