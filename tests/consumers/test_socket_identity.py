"""Who a play socket belongs to: a one-use ticket, else the session cookie, checked once."""

from __future__ import annotations

import orjson
import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from game_server.asgi import application
from games.services import match_create
from lobby.auth import socket_ticket_create
from lobby.services import api_token_create

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = (b"origin", b"http://127.0.0.1:8000")


@pytest.fixture
def match(alice, bob):
    return match_create(game="connect_four", settings={}, players=[alice, bob])


async def _first_frame(path: str, cookie: bytes = b"") -> dict:
    headers = [ORIGIN] + ([(b"cookie", cookie)] if cookie else [])
    socket = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await socket.connect()
    assert connected
    frame = orjson.loads(await socket.receive_from(timeout=5))
    await socket.disconnect()
    return frame


async def test_a_ticket_identifies_the_player(rooms, match, bob) -> None:
    ticket = await sync_to_async(socket_ticket_create)(user=bob)
    frame = await _first_frame(f"/ws/play/{match.pk}/?ticket={ticket}")
    assert (frame["type"], frame["room"]["you"]) == ("snapshot", str(bob.pk))


async def test_a_ticket_wins_over_the_cookie(rooms, match, alice, bob, session_cookie) -> None:
    ticket = await sync_to_async(socket_ticket_create)(user=bob)
    cookie = await sync_to_async(session_cookie)(alice)
    frame = await _first_frame(f"/ws/play/{match.pk}/?ticket={ticket}", cookie)
    assert frame["room"]["you"] == str(bob.pk)


async def test_a_wrong_ticket_is_anonymous_even_with_a_cookie(
    rooms, match, alice, session_cookie
) -> None:
    cookie = await sync_to_async(session_cookie)(alice)
    frame = await _first_frame(f"/ws/play/{match.pk}/?ticket=nope", cookie)
    assert frame["code"] == "not_authenticated"


async def test_a_token_in_the_url_is_refused(rooms, match, bob) -> None:
    token = await sync_to_async(api_token_create)(user=bob)
    frame = await _first_frame(f"/ws/play/{match.pk}/?token={token}")
    assert frame["code"] == "not_authenticated"


async def test_a_session_from_before_a_password_change_is_refused(
    rooms, match, alice, session_cookie
) -> None:
    cookie = await sync_to_async(session_cookie)(alice)

    def change_password() -> None:
        alice.set_password("a brand new passphrase")
        alice.save()

    await sync_to_async(change_password)()
    frame = await _first_frame(f"/ws/play/{match.pk}/", cookie)
    assert frame["code"] == "not_authenticated"
