"""The lobby socket through the project's ASGI application, with the session cookie."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from game_server.asgi import application
from lobby import services

pytestmark = pytest.mark.django_db(transaction=True)


def _session_cookie(user: object) -> bytes:
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}".encode()


async def test_a_browser_member_connects_with_its_session(alice):
    lobby = await database_sync_to_async(services.lobby_create)(host=alice, game="arena")
    cookie = await database_sync_to_async(_session_cookie)(alice)
    communicator = WebsocketCommunicator(
        application,
        f"/ws/lobby/{lobby.code}/",
        headers=[(b"origin", b"http://127.0.0.1:8000"), (b"cookie", cookie)],
    )
    assert (await communicator.connect())[0]
    event = await communicator.receive_json_from()
    assert (event["type"], event["lobby"]["code"]) == ("lobby", lobby.code)
    await communicator.disconnect()
