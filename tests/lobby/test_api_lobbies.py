"""Every lobby call of the JSON API, with its errors (docs/api.md)."""

from __future__ import annotations

import pytest

from games.models import Match
from lobby import services
from lobby.models import Lobby, Membership

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_alice(api_for, alice):
    return api_for(alice)


@pytest.fixture
def as_bob(api_for, bob):
    return api_for(bob)


@pytest.fixture
def code(as_alice):
    return as_alice.post("/api/lobbies/", {"game": "arena", "name": "Arena night"}).json()["lobby"][
        "code"
    ]


def _error(response, status):
    assert response.status_code == status, response.content
    return response.json()["error"]["code"]


def test_games_lists_the_catalogue_with_settings_schemas(client):
    games = {game["slug"]: game for game in client.get("/api/games/").json()["games"]}
    assert games["connect_four"]["max_players"] == 2
    assert games["connect_four"]["settings"][0]["name"] == "move_seconds"


def test_create_returns_the_lobby(as_alice):
    response = as_alice.post(
        "/api/lobbies/",
        {"game": "connect_four", "name": "C4", "settings": {"move_seconds": 30}, "public": False},
    )
    assert response.status_code == 201
    lobby = response.json()["lobby"]
    assert lobby["name"] == "C4"
    assert lobby["settings"] == {"move_seconds": 30, "on_timeout": "skip"}
    assert lobby["public"] is False
    assert lobby["members"][0]["host"] is True
    assert lobby["socket_url"] == f"/ws/lobby/{lobby['code']}/"
    assert response.json()["left"] is None


def test_create_allows_spectators_only_when_asked(as_alice, as_bob):
    default = as_alice.post("/api/lobbies/", {"game": "arena"}).json()["lobby"]
    allowed = as_bob.post("/api/lobbies/", {"game": "arena", "allow_spectators": True})
    assert default["allow_spectators"] is False
    assert allowed.json()["lobby"]["allow_spectators"] is True


def test_create_with_allow_spectators_not_a_boolean_is_bad_request(as_alice):
    response = as_alice.post("/api/lobbies/", {"game": "arena", "allow_spectators": "yes"})
    assert _error(response, 400) == "BAD_REQUEST"
    assert response.json()["error"]["field"] == "allow_spectators"
    assert not Lobby.objects.exists()


def test_create_with_bad_settings_is_bad_settings(as_alice):
    response = as_alice.post("/api/lobbies/", {"game": "arena", "settings": {"duration": 1}})
    assert _error(response, 400) == "BAD_SETTINGS"
    assert response.json()["error"]["field"] == "duration"
    assert not Lobby.objects.exists()


def test_create_without_a_game_is_bad_request(as_alice):
    assert _error(as_alice.post("/api/lobbies/", {}), 400) == "BAD_REQUEST"


def test_create_with_an_unknown_game_is_unknown_game(as_alice):
    assert _error(as_alice.post("/api/lobbies/", {"game": "chess"}), 400) == "UNKNOWN_GAME"


def test_create_with_max_players_out_of_range_is_bad_max_players(as_alice):
    response = as_alice.post("/api/lobbies/", {"game": "arena", "max_players": 9})
    assert _error(response, 400) == "BAD_MAX_PLAYERS"


def test_create_with_a_wrongly_typed_field_is_bad_request(as_alice):
    response = as_alice.post("/api/lobbies/", {"game": "arena", "max_players": "4"})
    assert _error(response, 400) == "BAD_REQUEST"


def test_create_anonymously_is_auth_required(client):
    response = client.post("/api/lobbies/", {"game": "arena"}, content_type="application/json")
    assert _error(response, 401) == "AUTH_REQUIRED"


def test_list_shows_public_open_lobbies(client, code, as_bob):
    as_bob.post("/api/lobbies/", {"game": "arena", "public": False})
    lobbies = client.get("/api/lobbies/").json()["lobbies"]
    assert [(lobby["code"], lobby["players"], lobby["host"]) for lobby in lobbies] == [
        (code, 1, "Alice")
    ]


def test_list_filters_by_game(client, code):
    assert client.get("/api/lobbies/?game=connect_four").json()["lobbies"] == []


def test_read_a_lobby(as_bob, code):
    lobby = as_bob.get(f"/api/lobbies/{code}/").json()["lobby"]
    assert (lobby["code"], lobby["state"], lobby["game"]) == (code, "open", "arena")


def test_read_an_unknown_lobby_is_lobby_not_found(as_bob):
    assert _error(as_bob.get("/api/lobbies/ZZZZZZ/"), 404) == "LOBBY_NOT_FOUND"


def test_join_by_code(as_bob, code):
    response = as_bob.post(f"/api/lobbies/{code.lower()}/join/")
    assert response.status_code == 200
    assert [m["name"] for m in response.json()["lobby"]["members"]] == ["Alice", "Bob"]


def test_join_reports_the_lobby_left(as_bob, code):
    other = as_bob.post("/api/lobbies/", {"game": "arena"}).json()["lobby"]["code"]
    assert as_bob.post(f"/api/lobbies/{code}/join/").json()["left"] == other


def test_join_a_full_lobby_is_lobby_full(as_alice, as_bob, api_for, carol):
    code = as_alice.post("/api/lobbies/", {"game": "connect_four"}).json()["lobby"]["code"]
    as_bob.post(f"/api/lobbies/{code}/join/")
    assert _error(api_for(carol).post(f"/api/lobbies/{code}/join/"), 409) == "LOBBY_FULL"


def test_join_after_a_kick_is_kicked(as_alice, as_bob, bob, code):
    as_bob.post(f"/api/lobbies/{code}/join/")
    as_alice.post(f"/api/lobbies/{code}/kick/", {"user_id": bob.pk})
    assert _error(as_bob.post(f"/api/lobbies/{code}/join/"), 403) == "KICKED"


def test_join_a_wrong_code_is_lobby_not_found(as_bob):
    assert _error(as_bob.post("/api/lobbies/ZZZZZZ/join/"), 404) == "LOBBY_NOT_FOUND"


def test_leave(as_bob, bob, code):
    as_bob.post(f"/api/lobbies/{code}/join/")
    assert as_bob.post(f"/api/lobbies/{code}/leave/").json() == {"left": code}
    assert not Membership.objects.filter(user=bob).exists()


def test_leave_when_not_a_member_is_not_member(as_bob, code):
    assert _error(as_bob.post(f"/api/lobbies/{code}/leave/"), 403) == "NOT_MEMBER"


def test_ready_and_unready(as_bob, code):
    as_bob.post(f"/api/lobbies/{code}/join/")
    members = as_bob.post(f"/api/lobbies/{code}/ready/", {"ready": True}).json()["lobby"]["members"]
    assert members[1]["ready"] is True
    members = as_bob.post(f"/api/lobbies/{code}/ready/", {"ready": False}).json()["lobby"][
        "members"
    ]
    assert members[1]["ready"] is False


def test_ready_when_not_a_member_is_not_member(as_bob, code):
    assert _error(as_bob.post(f"/api/lobbies/{code}/ready/", {"ready": True}), 403) == "NOT_MEMBER"


def test_settings_by_the_host(as_alice, code):
    response = as_alice.post(
        f"/api/lobbies/{code}/settings/", {"settings": {"dash": False}, "max_players": 3}
    )
    lobby = response.json()["lobby"]
    assert (lobby["settings"]["dash"], lobby["max_players"]) == (False, 3)


def test_settings_turn_spectators_on_and_off(as_alice, code):
    def allowed_after(body):
        return as_alice.post(f"/api/lobbies/{code}/settings/", body).json()["lobby"][
            "allow_spectators"
        ]

    assert allowed_after({"allow_spectators": True}) is True
    assert allowed_after({"name": "kept"}) is True
    assert allowed_after({"allow_spectators": False}) is False


def test_create_and_settings_let_spectators_chat_only_when_asked(as_alice, as_bob, code):
    created = as_bob.post("/api/lobbies/", {"game": "arena", "spectators_may_chat": True})
    assert created.json()["lobby"]["spectators_may_chat"] is True

    def chat_after(body):
        return as_alice.post(f"/api/lobbies/{code}/settings/", body).json()["lobby"][
            "spectators_may_chat"
        ]

    assert chat_after({"name": "quiet"}) is False
    assert chat_after({"spectators_may_chat": True}) is True
    assert chat_after({"spectators_may_chat": False}) is False


def test_settings_by_a_member_is_not_host(as_bob, code):
    as_bob.post(f"/api/lobbies/{code}/join/")
    response = as_bob.post(f"/api/lobbies/{code}/settings/", {"name": "mine"})
    assert _error(response, 403) == "NOT_HOST"


def test_settings_outside_the_schema_is_bad_settings(as_alice, code):
    response = as_alice.post(f"/api/lobbies/{code}/settings/", {"settings": {"pellets": 1000}})
    assert _error(response, 400) == "BAD_SETTINGS"


def test_kick_by_a_member_is_not_host(as_bob, alice, code):
    as_bob.post(f"/api/lobbies/{code}/join/")
    response = as_bob.post(f"/api/lobbies/{code}/kick/", {"user_id": alice.pk})
    assert _error(response, 403) == "NOT_HOST"


def test_kick_yourself_is_cannot_kick_self(as_alice, alice, code):
    response = as_alice.post(f"/api/lobbies/{code}/kick/", {"user_id": alice.pk})
    assert _error(response, 400) == "CANNOT_KICK_SELF"


def test_kick_without_user_id_is_bad_request(as_alice, code):
    assert _error(as_alice.post(f"/api/lobbies/{code}/kick/", {}), 400) == "BAD_REQUEST"


def test_kick_an_unknown_user_is_not_member(as_alice, code):
    response = as_alice.post(f"/api/lobbies/{code}/kick/", {"user_id": 999999})
    assert _error(response, 403) == "NOT_MEMBER"


def test_hand_over_host(as_alice, as_bob, bob, code):
    as_bob.post(f"/api/lobbies/{code}/join/")
    lobby = as_alice.post(f"/api/lobbies/{code}/host/", {"user_id": bob.pk}).json()["lobby"]
    assert lobby["host_id"] == bob.pk


def test_hand_over_by_a_member_is_not_host(as_bob, bob, code):
    as_bob.post(f"/api/lobbies/{code}/join/")
    response = as_bob.post(f"/api/lobbies/{code}/host/", {"user_id": bob.pk})
    assert _error(response, 403) == "NOT_HOST"


def test_start_gives_the_match_and_the_play_url(as_alice, as_bob, code):
    as_bob.post(f"/api/lobbies/{code}/join/")
    as_bob.post(f"/api/lobbies/{code}/ready/", {"ready": True})
    body = as_alice.post(f"/api/lobbies/{code}/start/").json()
    match = Match.objects.get()
    assert body["match_id"] == str(match.id)
    assert body["play_url"] == f"/play/{match.id}/"
    assert body["lobby"]["state"] == "in_game"


def test_start_with_an_unready_member_is_not_ready(as_alice, as_bob, code):
    as_bob.post(f"/api/lobbies/{code}/join/")
    assert _error(as_alice.post(f"/api/lobbies/{code}/start/"), 409) == "NOT_READY"


def test_start_alone_is_too_few_players(as_alice, code):
    assert _error(as_alice.post(f"/api/lobbies/{code}/start/"), 409) == "TOO_FEW_PLAYERS"


def test_start_by_a_member_is_not_host(as_bob, code):
    as_bob.post(f"/api/lobbies/{code}/join/")
    assert _error(as_bob.post(f"/api/lobbies/{code}/start/"), 403) == "NOT_HOST"


def test_start_twice_is_wrong_state(as_alice, as_bob, code):
    as_bob.post(f"/api/lobbies/{code}/join/")
    as_bob.post(f"/api/lobbies/{code}/ready/", {"ready": True})
    as_alice.post(f"/api/lobbies/{code}/start/")
    assert _error(as_alice.post(f"/api/lobbies/{code}/start/"), 409) == "WRONG_STATE"


def test_chat(as_alice, code):
    message = as_alice.post(f"/api/lobbies/{code}/chat/", {"text": "gl hf"}).json()["message"]
    assert (message["text"], message["name"]) == ("gl hf", "Alice")


@pytest.mark.parametrize(("text", "expected"), [("  ", "CHAT_EMPTY"), ("x" * 301, "CHAT_TOO_LONG")])
def test_chat_refusals(as_alice, code, text, expected):
    assert _error(as_alice.post(f"/api/lobbies/{code}/chat/", {"text": text}), 400) == expected


def test_chat_too_fast_is_rate_limited(as_alice, code, settings):
    settings.LOBBY_CHAT_MESSAGES_PER_WINDOW = 1
    as_alice.post(f"/api/lobbies/{code}/chat/", {"text": "one"})
    response = as_alice.post(f"/api/lobbies/{code}/chat/", {"text": "two"})
    assert _error(response, 429) == "RATE_LIMITED"


def test_close_by_the_host(as_alice, code):
    assert as_alice.post(f"/api/lobbies/{code}/close/").json() == {"closed": code}
    assert Lobby.objects.get(code=code).state == Lobby.State.CLOSED


def test_close_by_a_member_is_not_host(as_bob, code):
    as_bob.post(f"/api/lobbies/{code}/join/")
    assert _error(as_bob.post(f"/api/lobbies/{code}/close/"), 403) == "NOT_HOST"


def test_quick_play_joins_an_open_lobby(as_bob, code):
    response = as_bob.post("/api/quick-play/", {"game": "arena"})
    assert response.json()["lobby"]["code"] == code


def test_quick_play_an_unknown_game_is_unknown_game(as_bob):
    assert _error(as_bob.post("/api/quick-play/", {"game": "chess"}), 400) == "UNKNOWN_GAME"


def test_the_lobby_reopens_after_the_match(as_alice, as_bob, code):
    as_bob.post(f"/api/lobbies/{code}/join/")
    as_bob.post(f"/api/lobbies/{code}/ready/", {"ready": True})
    as_alice.post(f"/api/lobbies/{code}/start/")
    services.lobby_match_ended(lobby_id=Lobby.objects.get(code=code).pk)
    lobby = as_bob.get(f"/api/lobbies/{code}/").json()["lobby"]
    assert (lobby["state"], lobby["match_id"]) == ("open", None)
