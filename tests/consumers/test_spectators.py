"""Spectators: users without a seat who watch a match whose lobby allows it.

They get a snapshot and every frame, never a seat; their inputs are refused at the
socket. On both channel layers, with the registry of the run (RedisRegistry when
REDIS_URL is set), and with the room run by another registry on the same Redis.
"""

from __future__ import annotations

import orjson
import pytest
from asgiref.sync import sync_to_async

from games import protocol
from games.engine.redis_registry import RedisRegistry
from games.engine.registry import registry
from games.models import Match
from games.services import match_create
from lobby.models import Lobby, LobbyBan
from lobby.services import lobby_create
from tests.harness.example_game import GAME as ROCK_PAPER_SCISSORS

pytestmark = pytest.mark.django_db(transaction=True)

ALICE_PLAYS_3 = '{"type":"input","seq":1,"data":{"column":3}}'


@pytest.fixture
def lobby(alice) -> Lobby:
    return lobby_create(host=alice, game="connect_four", allow_spectators=True)


@pytest.fixture
def match(lobby, alice, bob) -> Match:
    return match_create(game="connect_four", settings={}, players=[alice, bob], lobby=lobby)


async def test_a_spectator_gets_a_snapshot_that_says_so(receive, connect, match, alice, bob, carol):
    socket = await connect(match.pk, carol)
    snapshot = await receive(socket, "snapshot")
    assert (snapshot["room"]["you"], snapshot["room"]["spectator"]) == (None, True)
    assert set(snapshot["room"]["players"]) == {str(alice.pk), str(bob.pk)}
    assert snapshot["state"]["turn"] == str(alice.pk)


async def test_a_spectator_sees_the_frames_the_players_see(receive, connect, match, alice, carol):
    alice_socket, carol_socket = await connect(match.pk, alice), await connect(match.pk, carol)
    await receive(alice_socket, "snapshot")
    await receive(carol_socket, "snapshot")
    await alice_socket.send_to(text_data=ALICE_PLAYS_3)
    seen_by_alice = await receive(alice_socket, "diff")
    assert await receive(carol_socket, "diff") == seen_by_alice
    assert seen_by_alice["diff"]["cells"] == {"0,3": str(alice.pk)}


async def test_a_spectators_input_is_refused_and_never_reaches_the_room(
    receive, connect, match, alice, bob, carol
):
    alice_socket, carol_socket = await connect(match.pk, alice), await connect(match.pk, carol)
    await receive(alice_socket, "snapshot")
    await receive(carol_socket, "snapshot")
    await carol_socket.send_to(text_data='{"type":"input","seq":1,"data":{"column":0}}')
    error = await receive(carol_socket, "error")
    assert (error["code"], error["message"], error["seq"]) == (
        "spectator",
        "Spectators cannot play.",
        1,
    )
    await alice_socket.send_to(text_data=ALICE_PLAYS_3)
    diff = await receive(alice_socket, "diff")
    assert diff["acks"] == [1, 0]
    assert diff["diff"]["cells"] == {"0,3": str(alice.pk)}


async def test_a_spectator_coming_and_going_is_no_player_but_is_named(
    receive, connect, match, alice, carol
):
    alice_socket = await connect(match.pk, alice)
    await receive(alice_socket, "presence")
    carol_socket = await connect(match.pk, carol)
    await receive(carol_socket, "snapshot")
    watching = orjson.loads(await alice_socket.receive_from(timeout=5))
    assert (watching["type"], watching["spectators"]) == (
        "spectators",
        [{"id": str(carol.pk), "name": "Carol"}],
    )
    assert set(registry().runners[str(match.pk)].channels) == {str(alice.pk)}
    await carol_socket.disconnect()
    gone = orjson.loads(await alice_socket.receive_from(timeout=5))
    assert (gone["type"], gone["spectators"]) == ("spectators", [])
    assert await alice_socket.receive_nothing(timeout=0.2)


async def test_a_spectator_may_ask_for_a_snapshot_and_ping(receive, connect, match, carol):
    socket = await connect(match.pk, carol)
    await receive(socket, "snapshot")
    await socket.send_to(text_data='{"type":"snapshot"}')
    assert (await receive(socket, "snapshot"))["room"]["spectator"] is True
    await socket.send_to(text_data='{"type":"ping","t":7}')
    assert (await receive(socket, "pong"))["t"] == 7


async def test_a_spectator_sees_the_end_and_is_closed_with_the_room(
    closed_with, receive, connect, match, carol
):
    socket = await connect(match.pk, carol)
    await receive(socket, "snapshot")
    registry().runners[str(match.pk)].room.abort("ended_by_admin")
    assert (await receive(socket, "end"))["result"]["reason"] == "ended_by_admin"
    assert await closed_with(socket) == protocol.CLOSE_ROOM_OVER


async def test_without_spectators_allowed_a_user_without_a_seat_is_refused(
    closed_with, receive, connect, lobby, match, carol
):
    lobby.allow_spectators = False
    await sync_to_async(lobby.save)()
    socket = await connect(match.pk, carol)
    assert (await receive(socket, "error"))["code"] == "not_a_player"
    assert await closed_with(socket) == protocol.CLOSE_NOT_A_PLAYER


async def test_a_user_kicked_from_the_lobby_may_not_watch(
    closed_with, receive, connect, lobby, match, carol
):
    await sync_to_async(LobbyBan.objects.create)(lobby=lobby, user=carol)
    socket = await connect(match.pk, carol)
    assert (await receive(socket, "error"))["code"] == "not_a_player"
    assert await closed_with(socket) == protocol.CLOSE_NOT_A_PLAYER


async def test_in_a_game_that_hides_information_a_spectator_sees_the_public_view(
    settings, receive, connect, lobby, alice, bob, carol
):
    settings.GAMES = [*settings.GAMES, "tests.harness.example_game"]
    match = await sync_to_async(match_create)(
        game=ROCK_PAPER_SCISSORS.slug, settings={}, players=[alice, bob], lobby=lobby
    )
    alice_socket, carol_socket = await connect(match.pk, alice), await connect(match.pk, carol)
    await receive(alice_socket, "snapshot")
    await receive(carol_socket, "snapshot")
    await alice_socket.send_to(text_data='{"type":"input","seq":1,"data":{"move":"rock"}}')
    assert (await receive(alice_socket, "diff"))["diff"]["picks"] == {str(alice.pk): "rock"}
    assert (await receive(carol_socket, "diff"))["diff"]["picks"] == {str(alice.pk): "hidden"}
    await carol_socket.send_to(text_data='{"type":"snapshot"}')
    assert (await receive(carol_socket, "snapshot"))["state"]["picks"] == {str(alice.pk): "hidden"}


async def test_a_spectator_on_a_process_that_does_not_run_the_room_is_served_by_its_owner(
    settings, redis_url, receive, connect, match, alice, carol
):
    settings.REDIS_URL = redis_url
    # The owner: another process's registry, on the same Redis and channel layer.
    owner = RedisRegistry()
    try:
        assert (await owner.open(str(match.pk))).runner is not None
        alice_socket = await connect(match.pk, alice)
        await receive(alice_socket, "snapshot")
        link = registry().rooms[str(match.pk)].link
        assert link.runner is None
        carol_socket = await connect(match.pk, carol)
        assert (await receive(carol_socket, "snapshot"))["room"]["spectator"] is True
        await alice_socket.send_to(text_data=ALICE_PLAYS_3)
        assert (await receive(carol_socket, "diff"))["diff"]["cells"] == {"0,3": str(alice.pk)}
        await carol_socket.send_to(text_data='{"type":"snapshot"}')
        snapshot = await receive(carol_socket, "snapshot")
        assert (snapshot["state"]["cells"], snapshot["room"]["you"]) == (
            {"0,3": str(alice.pk)},
            None,
        )
        await carol_socket.send_to(text_data='{"type":"input","seq":1,"data":{"column":0}}')
        assert (await receive(carol_socket, "error"))["code"] == "spectator"
        # The link stays while anyone here watches, and goes with the last socket.
        await alice_socket.disconnect()
        assert registry().rooms[str(match.pk)].link is link
        await carol_socket.disconnect()
        assert str(match.pk) not in registry().rooms
    finally:
        await owner.close()
