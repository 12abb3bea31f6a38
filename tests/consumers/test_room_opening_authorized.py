"""A room starts only for someone with a seat or a right to watch: a stranger who learns a
match's id is refused before the room opens, so its clock does not start."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async

from games import protocol
from games.engine.registry import registry
from games.models import Match
from games.services import match_create
from lobby.models import LobbyBan
from lobby.services import lobby_create

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def stranger(django_user_model):
    return django_user_model.objects.create_user(username="mallory", display_name="Mallory")


@pytest.fixture
def match(alice, bob) -> Match:
    lobby = lobby_create(host=alice, game="arena")
    return match_create(game="arena", settings={}, players=[alice, bob], lobby=lobby)


async def _running(match: Match) -> bool:
    """Whether any process runs the match's room (with Redis, other tests' rooms run too)."""
    return str(match.pk) in [room.room_id for room in await registry().live_rooms()]


async def test_a_stranger_is_refused_and_the_room_is_not_opened(
    closed_with, receive, connect, match, stranger
):
    socket = await connect(match.pk, stranger)
    assert (await receive(socket, "error"))["code"] == "not_a_player"
    assert await closed_with(socket) == protocol.CLOSE_NOT_A_PLAYER
    assert not await _running(match)
    assert str(match.pk) not in registry().runners


async def test_a_seated_player_kicked_from_the_lobby_does_not_open_the_room(
    closed_with, receive, connect, match, bob
):
    await sync_to_async(LobbyBan.objects.create)(lobby_id=match.lobby_id, user=bob)
    socket = await connect(match.pk, bob)
    assert (await receive(socket, "error"))["code"] == "kicked"
    assert await closed_with(socket) == protocol.CLOSE_NOT_A_PLAYER
    assert not await _running(match)


async def test_the_room_opens_for_a_seated_player(receive, connect, match, alice):
    socket = await connect(match.pk, alice)
    await receive(socket, "snapshot")
    assert await _running(match)
