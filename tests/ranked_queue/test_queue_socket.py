"""The queue socket: open, its user waits and hears their place; closed, they left. Two
players of close ratings, each on a socket, hear the same match. Through the real
router, on both channel layers."""

from __future__ import annotations

import asyncio
import contextlib

import orjson
import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from lobby.models import User
from ranked.models import QueueEntry
from ranked.services import queue_leave
from tests.consumers.conftest import open_socket

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("fresh_cache")]


@pytest.fixture(params=["memory", "pipelined"])
def layer(request, settings) -> None:
    if request.param == "memory":
        settings.CHANNEL_LAYERS = {
            "default": {"BACKEND": "game_server.local_layer.LocalChannelLayer"}
        }
    else:
        settings.CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "game_server.redis_layer.RedisPubSubLayer",
                "CONFIG": {"hosts": [{"address": request.getfixturevalue("redis_url")}]},
            }
        }


async def open_queue(user: User | None, game: str = "connect_four") -> WebsocketCommunicator:
    return await open_socket(f"/ws/queue/{game}/", user)


async def frame(socket: WebsocketCommunicator) -> dict:
    return orjson.loads(await socket.receive_from(timeout=5))


async def close_code(socket: WebsocketCommunicator) -> int:
    while True:
        message = await socket.receive_output(timeout=5)
        if message["type"] == "websocket.close":
            return message.get("code", 1000)


async def entries() -> list[tuple[int, str]]:
    return [entry async for entry in QueueEntry.objects.values_list("user_id", "game")]


@pytest.mark.usefixtures("layer")
async def test_an_open_socket_waits_in_the_queue_and_hears_its_place(alice) -> None:
    socket = await open_queue(alice)

    place = await frame(socket)

    assert (place["type"], place["state"], place["game"]) == ("queue", "waiting", "connect_four")
    assert (place["rating"], place["window"], place["waiting"]) == (1000, 100, 1)
    assert await entries() == [(alice.pk, "connect_four")]
    await socket.disconnect()


@pytest.mark.usefixtures("layer")
async def test_closing_the_socket_leaves_the_queue(alice) -> None:
    socket = await open_queue(alice)
    await frame(socket)

    await socket.disconnect()

    assert await entries() == []


@pytest.mark.usefixtures("layer")
async def test_two_players_on_sockets_hear_the_same_match(alice, bob) -> None:
    alice_socket = await open_queue(alice)
    assert (await frame(alice_socket))["state"] == "waiting"
    bob_socket = await open_queue(bob)

    matched = [await frame(bob_socket), await frame(alice_socket)]
    while matched[1]["type"] == "queue":
        matched[1] = await frame(alice_socket)

    assert [found["type"] for found in matched] == ["matched", "matched"]
    assert matched[0]["match_id"] == matched[1]["match_id"]
    assert matched[0]["play_url"] == f"/play/{matched[0]['match_id']}/"
    assert await close_code(alice_socket) == 1000
    assert await close_code(bob_socket) == 1000


@pytest.mark.usefixtures("layer")
async def test_a_second_socket_takes_over_and_the_first_closing_leaves_it_queued(alice) -> None:
    first = await open_queue(alice)
    await frame(first)
    second = await open_queue(alice)
    assert (await frame(second))["state"] == "waiting"

    await first.send_to(text_data="{}")
    refusal = await frame(first)
    assert refusal["code"] == "REPLACED"
    assert await close_code(first) == 4000
    assert await entries() == [(alice.pk, "connect_four")]
    await second.disconnect()
    assert await entries() == []


@pytest.mark.usefixtures("layer")
async def test_a_socket_left_by_the_api_is_closed(alice) -> None:
    socket = await open_queue(alice)
    await frame(socket)

    await sync_to_async(queue_leave)(user=alice)
    await socket.send_to(text_data="ping")

    assert (await frame(socket))["code"] == "REPLACED"
    assert await close_code(socket) == 4000


@pytest.mark.parametrize(
    ("game", "signed_in", "code", "closed"),
    [
        ("connect_four", False, "AUTH_REQUIRED", 4003),
        ("chess", True, "UNKNOWN_GAME", 4003),
    ],
)
@pytest.mark.usefixtures("layer")
async def test_a_socket_the_queue_refuses_says_why_and_closes(
    alice, game: str, signed_in: bool, code: str, closed: int
) -> None:
    socket = await open_queue(alice if signed_in else None, game)

    refusal = await frame(socket)

    assert (refusal["type"], refusal["code"]) == ("error", code)
    assert await close_code(socket) == closed
    assert await entries() == []


@pytest.mark.usefixtures("layer")
async def test_joining_too_often_is_refused_with_the_wait(alice, settings) -> None:
    settings.RANKED_JOINS_PER_WINDOW = 1
    first = await open_queue(alice)
    await frame(first)
    await first.disconnect()

    second = await open_queue(alice)
    refusal = await frame(second)

    assert refusal["code"] == "RATE_LIMITED"
    assert refusal["retry_after"] >= 1
    assert await close_code(second) == 4029


@pytest.mark.usefixtures("layer")
async def test_a_frame_over_the_limit_is_refused_and_the_socket_leaves_the_queue(
    alice, settings
) -> None:
    socket = await open_queue(alice)
    await frame(socket)

    await socket.send_to(text_data="x" * (settings.LOBBY_SOCKET_MAX_FRAME_BYTES + 1))

    refusal = await frame(socket)
    while refusal["type"] == "queue":
        refusal = await frame(socket)
    assert refusal["code"] == "FRAME_TOO_LARGE"
    assert await close_code(socket) == 4009
    # The close done, the server hears the socket end.
    await socket.disconnect()
    assert await entries() == []


@pytest.mark.usefixtures("layer")
async def test_a_flood_of_frames_brings_a_place_at_most_every_half_second(alice) -> None:
    socket = await open_queue(alice)
    await frame(socket)

    async def flood() -> None:
        for _ in range(75):
            await socket.send_to(text_data="{}")
            await asyncio.sleep(0.02)

    places = []
    flooding = asyncio.create_task(flood())
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(1.6):
            while True:
                places.append(await frame(socket))
    await flooding
    # Frames every 20 ms for a second and a half: each brought the next turn forward,
    # but turns come at most every half second, not once per frame.
    assert 1 <= len(places) <= 4, places
    await socket.disconnect()


@pytest.mark.usefixtures("layer")
async def test_more_queue_sockets_than_a_user_may_hold_are_refused(alice, settings) -> None:
    settings.MAX_LOBBY_SOCKETS_PER_USER = 1
    first = await open_queue(alice)
    await frame(first)

    second = await open_queue(alice)

    refusal = await frame(second)
    assert (refusal["type"], refusal["code"]) == ("error", "TOO_MANY_SOCKETS")
    assert await close_code(second) == 4029
    assert await entries() == [(alice.pk, "connect_four")]
    await first.disconnect()
