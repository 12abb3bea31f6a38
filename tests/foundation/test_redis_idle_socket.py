"""An idle socket stays open on the Redis channel layer.

redis-py 8 cuts reads at 5 s by default, the same time the channel layer blocks on an
idle read, which used to close every idle socket with 1011 (channels_redis#422).
"""

from __future__ import annotations

import runpy
import uuid
from pathlib import Path

import pytest
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator

from game_server.asgi import application
from lobby.consumers import LOBBY_LIST_GROUP

# Channels closes stale database connections before each message it dispatches, in the
# thread other tests' database work ran in: database access must be allowed here.
pytestmark = pytest.mark.django_db(transaction=True)

SETTINGS_FILE = Path(__file__).resolve().parents[2] / "game_server" / "settings.py"
ORIGIN = [(b"origin", b"http://127.0.0.1:8000")]


@pytest.fixture(params=["core", "pubsub", "pipelined"])
def redis_layer(request, redis_url: str, settings, monkeypatch: pytest.MonkeyPatch) -> None:
    # The layer exactly as the settings module builds it from REDIS_URL.
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("CHANNEL_LAYER", request.param)
    layers = runpy.run_path(str(SETTINGS_FILE))["CHANNEL_LAYERS"]
    # A prefix of its own: Redis pub/sub ignores the database number, so lobby-list news
    # from tests running beside this one would otherwise reach its idle socket.
    layers["default"]["CONFIG"]["prefix"] = f"idle{uuid.uuid4().hex}"
    settings.CHANNEL_LAYERS = layers


@pytest.mark.timeout(60)
async def test_an_idle_socket_stays_open_for_12_seconds(redis_layer: None) -> None:
    communicator = WebsocketCommunicator(application, "/ws/lobbies/", headers=ORIGIN)
    connected, _ = await communicator.connect()
    assert connected
    assert await communicator.receive_nothing(timeout=12, interval=0.5)
    lobby = {"code": "ABCD", "name": "still here"}
    await get_channel_layer().group_send(
        LOBBY_LIST_GROUP, {"type": "lobby.list.changed", "lobby": lobby}
    )
    assert await communicator.receive_json_from(timeout=5) == {"type": "lobby_list", "lobby": lobby}
    await communicator.disconnect()
