"""A kick holds inside a running match: the host takes a player's seat or a spectator's
place away, their sockets close with 4403 and they cannot come back.

Through the lobby's own paths (the service the lobby socket calls, and the JSON API), on
both channel layers, and with the room run by another registry on the same Redis.
"""

from __future__ import annotations

import orjson
import pytest
from asgiref.sync import sync_to_async
from django.test import Client

from games import protocol
from games.engine.redis_registry import RedisRegistry
from games.engine.registry import registry
from games.models import Match
from lobby import services
from lobby.models import Lobby

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def lobby(alice, bob) -> Lobby:
    lobby = services.lobby_create(host=alice, game="arena", allow_spectators=True)
    services.lobby_join(code=lobby.code, user=bob)
    services.lobby_set_ready(lobby=lobby, user=bob, ready=True)
    return lobby


@pytest.fixture
def match(lobby, alice) -> Match:
    return services.lobby_start(lobby=lobby, user=alice)


def _kick(lobby: Lobby, host: object, target: object) -> None:
    """The host's kick as the lobby socket runs it."""
    services.lobby_kick(lobby=Lobby.objects.get(pk=lobby.pk), user=host, target=target)


def _kick_over_the_api(lobby: Lobby, host: object, target: object) -> dict:
    token = services.api_token_create(user=host)
    response = Client().post(
        f"/api/lobbies/{lobby.code}/kick/",
        {"user_id": target.pk},
        content_type="application/json",
        headers={"authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.content
    return response.json()


async def test_a_player_kicked_mid_match_is_gone_at_once_and_closed_with_4403(
    closed_with, receive, connect, lobby, match, alice, bob
):
    alice_socket, bob_socket = await connect(match.pk, alice), await connect(match.pk, bob)
    await receive(alice_socket, "snapshot")
    await receive(bob_socket, "snapshot")
    await sync_to_async(_kick)(lobby, alice, bob)
    error = await receive(bob_socket, "error")
    assert (error["code"], error["message"]) == ("kicked", "The host removed you from this game.")
    assert await closed_with(bob_socket) == protocol.CLOSE_NOT_A_PLAYER
    # The next tick takes Bob off the field, as when a seat window runs out: with Alice
    # alone the arena goes on without him.
    while str(bob.pk) not in (await receive(alice_socket, "diff"))["diff"].get("departed", {}):
        pass
    await alice_socket.send_to(text_data='{"type":"snapshot"}')
    players = (await receive(alice_socket, "snapshot"))["room"]["players"]
    assert (players[str(bob.pk)]["gone"], players[str(alice.pk)]["gone"]) == (True, False)


async def test_a_kicked_player_cannot_connect_to_the_match_again(
    closed_with, receive, connect, lobby, match, alice, bob
):
    bob_socket = await connect(match.pk, bob)
    await receive(bob_socket, "snapshot")
    await sync_to_async(_kick)(lobby, alice, bob)
    assert await closed_with(bob_socket) == protocol.CLOSE_NOT_A_PLAYER
    again = await connect(match.pk, bob)
    assert (await receive(again, "error"))["code"] == "kicked"
    assert await closed_with(again) == protocol.CLOSE_NOT_A_PLAYER


async def test_a_player_kicked_while_dropped_loses_the_seat_without_waiting_for_the_window(
    receive, connect, lobby, match, alice, bob
):
    alice_socket = await connect(match.pk, alice)
    await receive(alice_socket, "snapshot")
    await sync_to_async(_kick)(lobby, alice, bob)
    while str(bob.pk) not in (await receive(alice_socket, "diff"))["diff"].get("departed", {}):
        pass


async def test_a_player_kicked_before_the_room_opened_is_gone_from_its_first_tick(
    receive, connect, lobby, match, alice, bob
):
    await sync_to_async(_kick)(lobby, alice, bob)
    alice_socket = await connect(match.pk, alice)
    assert (await receive(alice_socket, "snapshot"))["tick"] == 0
    diff = await receive(alice_socket, "diff")
    assert (diff["tick"], str(bob.pk) in diff["diff"]["departed"]) == (1, True)


async def test_the_host_sees_who_watches_and_removes_a_spectator_over_the_api(
    closed_with, receive, connect, lobby, match, alice, carol
):
    alice_socket = await connect(match.pk, alice)
    await receive(alice_socket, "snapshot")
    carol_socket = await connect(match.pk, carol)
    await receive(carol_socket, "snapshot")
    watching = await receive(alice_socket, "spectators")
    assert watching["spectators"] == [{"id": str(carol.pk), "name": "Carol"}]
    answer = await sync_to_async(_kick_over_the_api)(lobby, alice, carol)
    assert answer["lobby"]["state"] == "in_game"
    error = await receive(carol_socket, "error")
    assert (error["code"], error["message"]) == ("kicked", "The host removed you from this game.")
    assert await closed_with(carol_socket) == protocol.CLOSE_NOT_A_PLAYER
    assert (await receive(alice_socket, "spectators"))["spectators"] == []
    again = await connect(match.pk, carol)
    assert (await receive(again, "error"))["code"] == "not_a_player"
    assert await closed_with(again) == protocol.CLOSE_NOT_A_PLAYER


async def test_outside_a_game_the_host_may_still_only_kick_members(lobby, alice, carol):
    with pytest.raises(services.LobbyError) as refused:
        await sync_to_async(_kick)(lobby, alice, carol)
    assert refused.value.code == "NOT_MEMBER"


async def test_a_kick_reaches_the_room_and_the_socket_when_another_process_runs_the_room(
    settings, redis_url, closed_with, receive, connect, lobby, match, alice, bob, carol
):
    settings.REDIS_URL = redis_url
    # The owner: another process's registry, on the same Redis and channel layer.
    owner = RedisRegistry()
    try:
        assert (await owner.open(str(match.pk))).runner is not None
        alice_socket, bob_socket = await connect(match.pk, alice), await connect(match.pk, bob)
        carol_socket = await connect(match.pk, carol)
        for socket in (alice_socket, bob_socket, carol_socket):
            await receive(socket, "snapshot")
        assert registry().rooms[str(match.pk)].link.runner is None
        await sync_to_async(_kick)(lobby, alice, bob)
        await sync_to_async(_kick)(lobby, alice, carol)
        for socket in (bob_socket, carol_socket):
            assert (await receive(socket, "error"))["code"] == "kicked"
            assert await closed_with(socket) == protocol.CLOSE_NOT_A_PLAYER
        room = owner.runners[str(match.pk)].room
        while not room.seats[str(bob.pk)].gone:
            frame = orjson.loads(await alice_socket.receive_from(timeout=5))
            assert frame["type"] in ("diff", "presence", "spectators")
        assert owner.runners[str(match.pk)].watchers == {}
    finally:
        await owner.close()
