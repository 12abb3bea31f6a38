"""Spectator limits: one socket per user and match (a newer one replaces the older), and
at most MAX_SPECTATORS per room, counted by the room wherever the sockets are."""

from __future__ import annotations

import pytest

from games import protocol
from games.engine.redis_registry import RedisRegistry
from games.engine.registry import registry
from games.models import Match
from games.services import match_create
from lobby.models import Lobby
from lobby.services import lobby_create

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def lobby(alice) -> Lobby:
    return lobby_create(host=alice, game="connect_four", allow_spectators=True)


@pytest.fixture
def match(lobby, alice, bob) -> Match:
    return match_create(game="connect_four", settings={}, players=[alice, bob], lobby=lobby)


async def test_a_second_spectator_socket_of_a_user_replaces_the_first(
    closed_with, receive, connect, match, alice, carol
):
    alice_socket = await connect(match.pk, alice)
    await receive(alice_socket, "snapshot")
    first = await connect(match.pk, carol)
    await receive(first, "snapshot")
    await receive(alice_socket, "spectators")
    second = await connect(match.pk, carol)
    await receive(second, "snapshot")
    assert (await receive(first, "error"))["code"] == "replaced"
    assert await closed_with(first) == protocol.CLOSE_REPLACED
    await second.send_to(text_data='{"type":"ping","t":1}')
    assert (await receive(second, "pong"))["t"] == 1
    await alice_socket.send_to(text_data='{"type":"snapshot"}')
    await receive(alice_socket, "snapshot")
    # Carol is still one spectator: the replacing socket sent no new list.
    assert await alice_socket.receive_nothing(timeout=0.2)


async def test_a_spectator_over_max_spectators_is_refused_with_4430(
    settings, closed_with, receive, connect, match, carol, dave
):
    settings.MAX_SPECTATORS = 1
    carol_socket = await connect(match.pk, carol)
    await receive(carol_socket, "snapshot")
    dave_socket = await connect(match.pk, dave)
    error = await receive(dave_socket, "error")
    assert (error["code"], error["message"]) == (
        "spectators_full",
        "This game has as many spectators as it takes. Try again later.",
    )
    assert await closed_with(dave_socket) == protocol.CLOSE_SPECTATORS_FULL
    await carol_socket.disconnect()
    again = await connect(match.pk, dave)
    assert (await receive(again, "snapshot"))["room"]["spectator"] is True


async def test_players_do_not_count_as_spectators(
    settings, receive, connect, match, alice, bob, carol
):
    settings.MAX_SPECTATORS = 1
    for player in (alice, bob):
        await receive(await connect(match.pk, player), "snapshot")
    assert (await receive(await connect(match.pk, carol), "snapshot"))["room"]["spectator"]


async def test_the_room_counts_spectators_when_another_process_runs_it(
    settings, redis_url, closed_with, receive, connect, match, carol, dave
):
    settings.REDIS_URL = redis_url
    settings.MAX_SPECTATORS = 1
    owner = RedisRegistry()
    try:
        assert (await owner.open(str(match.pk))).runner is not None
        carol_socket = await connect(match.pk, carol)
        await receive(carol_socket, "snapshot")
        assert registry().rooms[str(match.pk)].link.runner is None
        dave_socket = await connect(match.pk, dave)
        assert (await receive(dave_socket, "error"))["code"] == "spectators_full"
        assert await closed_with(dave_socket) == protocol.CLOSE_SPECTATORS_FULL
        second = await connect(match.pk, carol)
        await receive(second, "snapshot")
        assert await closed_with(carol_socket) == protocol.CLOSE_REPLACED
        assert list(owner.runners[str(match.pk)].watchers) == [str(carol.pk)]
    finally:
        await owner.close()
