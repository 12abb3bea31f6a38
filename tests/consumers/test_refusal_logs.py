"""Each play socket the server refuses or closes for a limit is one log line, with its
reason, match and user: information for who may not come in, a warning for a flood."""

from __future__ import annotations

import logging

import pytest

from games import protocol
from games.models import Match
from games.services import match_create

pytestmark = pytest.mark.django_db(transaction=True)

BURST = 400


@pytest.fixture
def match(alice, bob) -> Match:
    return match_create(game="connect_four", settings={}, players=[alice, bob])


def refusals(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records if getattr(record, "event", "") == "socket_refused"]


async def test_a_user_without_a_seat_is_refused_in_one_line_with_their_id(
    caplog, connect, closed_with, match, django_user_model
) -> None:
    carol = await django_user_model.objects.acreate(username="carol")
    caplog.set_level(logging.INFO, "games.consumers")
    socket = await connect(match.pk, carol)
    assert await closed_with(socket) == protocol.CLOSE_NOT_A_PLAYER

    [refused] = refusals(caplog)
    assert refused.levelno == logging.INFO
    assert (refused.match_id, refused.user_id) == (str(match.pk), carol.pk)
    assert (refused.reason, refused.close_code) == ("not_a_player", protocol.CLOSE_NOT_A_PLAYER)


async def test_a_flooding_socket_is_one_warning_however_many_frames_follow(
    caplog, settings, receive, connect, closed_with, match, alice
) -> None:
    settings.INPUT_RATE_PER_SECOND = 5
    caplog.set_level(logging.INFO, "games.consumers")
    socket = await connect(match.pk, alice)
    await receive(socket, "snapshot")
    for _ in range(BURST):
        await socket.send_to(text_data='{"type":"ping","t":1}')
    assert await closed_with(socket) == protocol.CLOSE_FLOODING

    [refused] = refusals(caplog)
    assert refused.levelno == logging.WARNING
    assert (refused.match_id, refused.user_id, refused.reason) == (
        str(match.pk),
        alice.pk,
        "flooding",
    )
