"""Lobby actions share one budget per user over the lobby socket, the API and the pages."""

from __future__ import annotations

from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from lobby import services
from lobby.models import Lobby, User


@pytest.fixture(autouse=True)
def _small_budget(settings: Any) -> None:
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "game_server.local_layer.LocalChannelLayer"}}
    settings.LOBBY_ACTIONS_PER_WINDOW = 3
    settings.LOBBY_ACTION_WINDOW_SECONDS = 60


@pytest.fixture
def lobby(alice: User, bob: User) -> Lobby:
    lobby = services.lobby_create(host=alice, game="arena")
    services.lobby_join(code=lobby.code, user=bob)
    return lobby


async def _answer(communicator: WebsocketCommunicator, frame: dict[str, Any]) -> dict[str, Any]:
    """The first frame back after sending one that is either refused or broadcast."""
    await communicator.send_json_to(frame)
    return await communicator.receive_json_from(timeout=5)


@pytest.mark.django_db(transaction=True)
async def test_the_socket_refuses_actions_over_the_budget(lobby, bob, member_socket):
    communicator = await member_socket(bob, lobby.code)
    answers = [await _answer(communicator, {"type": "ready", "ready": True}) for _ in range(4)]

    assert [answer["type"] for answer in answers] == ["ready", "ready", "ready", "error"]
    assert (answers[3]["code"], answers[3]["action"]) == ("RATE_LIMITED", "ready")
    await communicator.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_unknown_and_malformed_frames_spend_the_budget_too(lobby, bob, member_socket):
    communicator = await member_socket(bob, lobby.code)
    await _answer(communicator, {"type": "dance"})
    await _answer(communicator, {"no": "type"})
    await communicator.send_to(text_data="[1, 2]")
    await communicator.receive_json_from(timeout=5)

    answer = await _answer(communicator, {"type": "ready", "ready": True})

    assert answer["code"] == "RATE_LIMITED"
    await communicator.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_chat_keeps_its_own_budget(lobby, bob, member_socket):
    communicator = await member_socket(bob, lobby.code)
    for _ in range(4):
        await _answer(communicator, {"type": "dance"})

    answer = await _answer(communicator, {"type": "chat", "text": "still here"})

    assert (answer["type"], answer["text"]) == ("chat", "still here")
    await communicator.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_the_socket_and_the_api_share_one_budget(lobby, bob, api_for, member_socket):
    api = await database_sync_to_async(api_for)(bob)
    communicator = await member_socket(bob, lobby.code)
    for _ in range(3):
        await _answer(communicator, {"type": "ready", "ready": True})

    response = await database_sync_to_async(api.post)(
        f"/api/lobbies/{lobby.code}/ready/", {"ready": False}
    )

    assert response.status_code == 429
    assert response.json()["error"]["code"] == "RATE_LIMITED"
    assert 0 < int(response["Retry-After"]) <= 60
    await communicator.disconnect()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("ready/", {"ready": True}),
        ("settings/", {"name": "Renamed"}),
        ("host/", None),
        ("kick/", None),
        ("start/", {}),
        ("leave/", {}),
        ("close/", {}),
        ("join/", {}),
    ],
)
def test_every_api_lobby_action_is_counted(lobby, alice, bob, api_for, path, body):
    api = api_for(alice)
    for _ in range(3):
        api.post(f"/api/lobbies/{lobby.code}/ready/", {"ready": True})
    if body is None:
        body = {"user_id": bob.pk}

    response = api.post(f"/api/lobbies/{lobby.code}/{path}", body)

    assert response.status_code == 429, response.content
    assert response.json()["error"]["code"] == "RATE_LIMITED"
    assert response.has_header("Retry-After")
    lobby.refresh_from_db()
    assert (lobby.state, lobby.host_id, lobby.memberships.count()) == ("open", alice.pk, 2)


@pytest.mark.django_db
def test_creating_and_quick_play_are_counted(alice, api_for):
    api = api_for(alice)
    for _ in range(3):
        assert api.post("/api/quick-play/", {"game": "arena"}).status_code == 200

    created = api.post("/api/lobbies/", {"game": "arena"})

    assert created.status_code == 429
    assert Lobby.objects.count() == 1


@pytest.mark.django_db
def test_api_chat_over_its_budget_says_when_to_retry(lobby, bob, api_for, settings):
    settings.LOBBY_CHAT_MESSAGES_PER_WINDOW = 1
    api = api_for(bob)
    api.post(f"/api/lobbies/{lobby.code}/chat/", {"text": "one"})

    response = api.post(f"/api/lobbies/{lobby.code}/chat/", {"text": "two"})

    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= settings.LOBBY_CHAT_WINDOW_SECONDS


@pytest.mark.django_db
def test_the_lobby_page_says_to_wait_over_the_budget(lobby, client, bob):
    client.force_login(bob)
    for _ in range(3):
        client.post(f"/lobby/{lobby.code}/ready/", {"ready": "1"})

    response = client.post(f"/lobby/{lobby.code}/ready/", {"ready": "0"}, follow=True)

    assert "Too many lobby actions at once. Wait a few seconds." in response.content.decode()
    assert lobby.memberships.get(user=bob).is_ready is True


@pytest.mark.django_db
def test_joining_creating_and_quick_play_on_the_pages_are_counted(lobby, client, carol):
    client.force_login(carol)
    for _ in range(3):
        client.post("/play-now/connect_four/")

    joined = client.post(f"/l/{lobby.code}/join/")
    form = {"game": "arena", "max_players": 2, "setting_tick_rate": 20, "setting_duration": 60}
    created = client.post("/lobbies/new/?game=arena", {**form, "setting_pellets": 10})
    quick = client.post("/play-now/arena/", follow=True)

    assert joined.status_code == 429
    assert "Too many lobby actions at once." in created.content.decode()
    assert "Too many lobby actions at once." in quick.content.decode()
    assert not lobby.memberships.filter(user=carol).exists()
    assert Lobby.objects.filter(host=carol).count() == 1
