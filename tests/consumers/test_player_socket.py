"""A player's socket: identity, seats, frames in and out, bad input, reconnects."""

from __future__ import annotations

import asyncio
import uuid

import orjson
import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from game_server.asgi import application
from games import protocol
from games.models import Match
from games.services import match_create
from tests.consumers.conftest import ORIGIN
from tests.servers import free_port

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def match(alice, bob) -> Match:
    """Alice in seat 0 (her ack is acks[0]), Bob in seat 1."""
    return match_create(game="connect_four", settings={}, players=[alice, bob])


async def test_a_seated_player_gets_a_snapshot(receive, connect, match, alice) -> None:
    socket = await connect(match.pk, alice)
    snapshot = await receive(socket, "snapshot")
    assert snapshot["v"] == 3
    assert snapshot["room"]["you"] == str(alice.pk)
    assert snapshot["room"]["game"] == "connect_four"
    assert snapshot["state"]["turn"] == str(alice.pk)


async def test_an_input_comes_back_acked_in_the_same_frame_for_everyone(
    receive, connect, match, alice, bob
) -> None:
    alice_socket, bob_socket = await connect(match.pk, alice), await connect(match.pk, bob)
    await receive(alice_socket, "snapshot")
    await receive(bob_socket, "snapshot")
    await alice_socket.send_to(text_data='{"type":"input","seq":1,"data":{"column":3}}')
    seen_by_alice = await receive(alice_socket, "diff")
    seen_by_bob = await receive(bob_socket, "diff")
    assert seen_by_alice == seen_by_bob
    assert seen_by_alice["acks"][0] == 1
    assert seen_by_alice["diff"]["cells"] == {"0,3": str(alice.pk)}


async def test_an_illegal_move_gets_an_error_for_that_player_only(
    receive, connect, match, bob
) -> None:
    socket = await connect(match.pk, bob)
    await receive(socket, "snapshot")
    await socket.send_to(text_data='{"type":"input","seq":1,"data":{"column":3}}')
    error = await receive(socket, "error")
    assert (error["code"], error["seq"]) == ("not_your_turn", 1)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("not json", "bad_json"),
        ('{"type":"input","seq":1,"data":{"column":NaN}}', "bad_json"),
        ('{"type":"input","seq":1,"data":{"column":1e999}}', "bad_json"),
        ("[" * 2000 + "]" * 2000, "too_large"),
        ('{"type":"input","seq":1,"data":{"a":{"b":{"c":{"d":1}}}}}', "bad_input"),
        ('{"type":"input","seq":123456789012345678901234567890,"data":{}}', "bad_seq"),
        ('{"type":"input","seq":1,"data":{"column":9007199254740993}}', "bad_input"),
        ('{"type":"input","seq":0,"data":{}}', "bad_seq"),
        ('{"type":"input","seq":1,"data":[]}', "bad_input"),
        ('{"type":"teleport"}', "unknown_type"),
        ("[1,2]", "bad_frame"),
        ('{"type":"input","seq":1,"data":{"column":"' + "x" * 1100 + '"}}', "too_large"),
    ],
)
async def test_a_bad_frame_gets_an_error_and_the_room_runs_on(
    receive, connect, match, alice, text: str, code: str
) -> None:
    socket = await connect(match.pk, alice)
    await receive(socket, "snapshot")
    await socket.send_to(text_data=text)
    assert (await receive(socket, "error"))["code"] == code
    await socket.send_to(text_data='{"type":"input","seq":7,"data":{"column":0}}')
    assert (await receive(socket, "diff"))["acks"][0] == 7


async def test_binary_frames_are_refused_with_a_reason(receive, connect, match, alice) -> None:
    socket = await connect(match.pk, alice)
    await receive(socket, "snapshot")
    await socket.send_to(bytes_data=b"\x00\x01")
    assert (await receive(socket, "error"))["code"] == "text_only"


async def test_a_flood_is_rate_limited_then_closed(
    receive, connect, match, alice, settings
) -> None:
    settings.INPUT_RATE_PER_SECOND = 5
    socket = await connect(match.pk, alice)
    await receive(socket, "snapshot")
    # Far more than five times the rate, even if a second boundary splits the burst.
    for seq in range(1, 300):
        await socket.send_to(text_data=f'{{"type":"input","seq":{seq},"data":{{"column":0}}}}')
    codes = []
    while (message := await socket.receive_output(timeout=5))["type"] == "websocket.send":
        frame = orjson.loads(message["text"])
        if frame["type"] == "error" and frame["code"] != "not_your_turn":
            codes.append(frame["code"])
    assert codes == ["rate_limited", "flooding"]
    assert message["code"] == protocol.CLOSE_FLOODING


async def test_a_ping_gets_a_pong_with_the_tick(receive, connect, match, alice) -> None:
    socket = await connect(match.pk, alice)
    await receive(socket, "snapshot")
    await socket.send_to(text_data='{"type":"ping","t":123.5}')
    pong = await receive(socket, "pong")
    assert (pong["t"], type(pong["tick"])) == (123.5, int)


async def test_an_anonymous_socket_is_told_to_sign_in(closed_with, receive, connect, match) -> None:
    socket = await connect(match.pk)
    assert (await receive(socket, "error"))["code"] == "not_authenticated"
    assert await closed_with(socket) == protocol.CLOSE_NOT_AUTHENTICATED


async def test_a_player_without_a_seat_is_refused(
    closed_with, receive, connect, match, django_user_model
) -> None:
    carol = await sync_to_async(django_user_model.objects.create_user)(username="carol")
    socket = await connect(match.pk, carol)
    assert (await receive(socket, "error"))["code"] == "not_a_player"
    assert await closed_with(socket) == protocol.CLOSE_NOT_A_PLAYER


async def test_an_unknown_room_is_refused(closed_with, receive, connect, alice) -> None:
    socket = await connect(uuid.uuid4(), alice)
    assert (await receive(socket, "error"))["code"] == "no_such_room"
    assert await closed_with(socket) == protocol.CLOSE_NO_SUCH_ROOM


async def test_a_second_socket_replaces_the_first(
    closed_with, receive, connect, match, alice
) -> None:
    first = await connect(match.pk, alice)
    await receive(first, "snapshot")
    second = await connect(match.pk, alice)
    await receive(second, "snapshot")
    assert (await receive(first, "error"))["code"] == "replaced"
    assert await closed_with(first) == protocol.CLOSE_REPLACED
    await second.send_to(text_data='{"type":"input","seq":1,"data":{"column":2}}')
    assert (await receive(second, "diff"))["acks"][0] == 1


async def test_a_player_who_reconnects_keeps_their_seat_and_state(
    receive, connect, match, alice, bob
) -> None:
    alice_socket, bob_socket = await connect(match.pk, alice), await connect(match.pk, bob)
    await receive(bob_socket, "snapshot")
    await alice_socket.send_to(text_data='{"type":"input","seq":1,"data":{"column":3}}')
    await receive(bob_socket, "diff")
    await alice_socket.disconnect()
    presence = await receive(bob_socket, "presence")
    assert presence["players"][str(alice.pk)]["connected"] is False
    again = await connect(match.pk, alice)
    snapshot = await receive(again, "snapshot")
    assert snapshot["state"]["cells"] == {"0,3": str(alice.pk)}
    assert snapshot["acks"][0] == 1
    presence = await receive(bob_socket, "presence")
    assert presence["players"][str(alice.pk)]["connected"] is True


async def test_a_match_played_to_the_end_is_recorded_once(
    closed_with, receive, connect, match, alice, bob
) -> None:
    sockets = {alice: await connect(match.pk, alice), bob: await connect(match.pk, bob)}
    # Alice drops four in column 0 while Bob plays column 1.
    moves = [(alice, 0), (bob, 1), (alice, 0), (bob, 1), (alice, 0), (bob, 1), (alice, 0)]
    for seq, (player, column) in enumerate(moves, start=1):
        text = orjson.dumps({"type": "input", "seq": seq, "data": {"column": column}}).decode()
        await sockets[player].send_to(text_data=text)
        await receive(sockets[player], "diff")
    end = await receive(sockets[bob], "end")
    assert end["result"]["reason"] == "four_in_a_row"
    assert end["result"]["placements"] == {str(alice.pk): 1, str(bob.pk): 2}

    def recorded() -> tuple[str, list[tuple[str, int, int]]]:
        match.refresh_from_db()
        seats = [(p.user.username, p.placement, p.score) for p in match.players.all()]
        return match.state, seats

    for _ in range(50):
        state, seats = await sync_to_async(recorded)()
        if state == Match.State.FINISHED:
            break
        await _receive_nothing(sockets[alice])
    assert (state, seats) == ("finished", [("alice", 1, 1), ("bob", 2, 0)])
    assert match.duration is not None
    assert await closed_with(sockets[bob]) == protocol.CLOSE_ROOM_OVER
    late = await connect(match.pk, bob)
    assert (await receive(late, "error"))["code"] == "room_over"
    assert await closed_with(late) == protocol.CLOSE_ROOM_OVER


async def _receive_nothing(socket: WebsocketCommunicator) -> None:
    await socket.receive_nothing(timeout=0.1)


async def test_players_connecting_at_the_same_moment_both_get_their_seat(
    receive, connect, match, alice, bob
) -> None:
    alice_socket, bob_socket = await asyncio.gather(
        connect(match.pk, alice), connect(match.pk, bob)
    )
    for socket, player in ((alice_socket, alice), (bob_socket, bob)):
        assert (await receive(socket, "snapshot"))["room"]["you"] == str(player.pk)
    await alice_socket.send_to(text_data='{"type":"input","seq":1,"data":{"column":3}}')
    assert (await receive(bob_socket, "diff"))["diff"]["cells"] == {"0,3": str(alice.pk)}


async def test_a_socket_that_cannot_reach_redis_is_told_to_try_again(
    closed_with, settings, session_cookie, match, alice
) -> None:
    nobody_listens = f"redis://127.0.0.1:{free_port()}/0"
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [{"address": nobody_listens, "socket_connect_timeout": 1}]},
        }
    }
    cookie = await sync_to_async(session_cookie)(alice)
    socket = WebsocketCommunicator(
        application, f"/ws/play/{match.pk}/", headers=[ORIGIN, (b"cookie", cookie)]
    )
    connected, _ = await socket.connect()
    assert connected
    error = orjson.loads(await socket.receive_from(timeout=5))
    assert (error["type"], error["code"]) == ("error", "unavailable")
    assert await closed_with(socket) == protocol.CLOSE_TRY_AGAIN
