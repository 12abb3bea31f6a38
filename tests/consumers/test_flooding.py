"""Every frame a socket sends counts toward the flood close: inputs, snapshot requests,
pings and bad frames alike. A burst far over the rate is closed with 4429, unanswered."""

from __future__ import annotations

import asyncio

import orjson
import pytest

from games import protocol
from games.models import Match
from games.services import match_create

pytestmark = pytest.mark.django_db(transaction=True)

# Far more than five times the rate below, even if a second boundary splits the burst.
BURST = 400


@pytest.fixture
def match(alice, bob) -> Match:
    return match_create(game="connect_four", settings={}, players=[alice, bob])


async def _answers_until_closed(socket) -> tuple[list[dict], int]:
    frames = []
    while (message := await socket.receive_output(timeout=5))["type"] == "websocket.send":
        frames.append(orjson.loads(message["text"]))
    return frames, message["code"]


@pytest.mark.parametrize(
    ("frame", "answer"),
    [('{"type":"ping","t":1}', "pong"), ("not json", "error"), ("x" * 2000, "error")],
    ids=["ping", "malformed", "oversized"],
)
async def test_a_burst_of_frames_of_any_kind_is_closed_as_a_flood(
    settings, receive, connect, match, alice, frame: str, answer: str
) -> None:
    settings.INPUT_RATE_PER_SECOND = 5
    socket = await connect(match.pk, alice)
    await receive(socket, "snapshot")
    for _ in range(BURST):
        await socket.send_to(text_data=frame)
    frames, code = await _answers_until_closed(socket)
    assert code == protocol.CLOSE_FLOODING
    assert frames[-1]["code"] == "flooding"
    answered = [sent for sent in frames[:-1] if sent["type"] == answer]
    # Up to five times the rate in each of at most two seconds, not the whole burst.
    assert 0 < len(answered) <= 2 * 5 * 5


async def test_pings_at_a_normal_pace_are_all_answered(receive, connect, match, alice) -> None:
    socket = await connect(match.pk, alice)
    await receive(socket, "snapshot")
    for t in range(20):
        await socket.send_to(text_data=f'{{"type":"ping","t":{t}}}')
    assert [(await receive(socket, "pong"))["t"] for _ in range(20)] == list(range(20))


async def test_nothing_a_flooded_socket_sends_is_read_even_in_the_next_second(
    settings, receive, connect, match, alice
) -> None:
    """Frames queued behind the close (or sent while it is under way) are not answered,
    however long they take to arrive: a new second used to give them a new budget."""
    settings.INPUT_RATE_PER_SECOND = 5
    socket = await connect(match.pk, alice)
    await receive(socket, "snapshot")
    for _ in range(BURST):
        await socket.send_to(text_data='{"type":"ping","t":1}')
    _, code = await _answers_until_closed(socket)
    assert code == protocol.CLOSE_FLOODING
    await asyncio.sleep(1.1)
    await socket.send_to(text_data='{"type":"ping","t":2}')
    assert await socket.receive_nothing(timeout=0.5)
