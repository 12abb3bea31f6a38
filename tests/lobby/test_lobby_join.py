"""Joining by code: seats, full lobbies, kicked users, second tabs, one lobby per user."""

from __future__ import annotations

import pytest

from games.services import match_create
from lobby import services
from lobby.models import Lobby, LobbyBan, Membership
from lobby.services import LobbyError

pytestmark = pytest.mark.django_db


def test_it_seats_the_player_after_the_host(arena_lobby, bob):
    membership = services.lobby_join(code=arena_lobby.code, user=bob)
    assert membership.lobby == arena_lobby
    assert membership.seat == 1
    assert membership.is_ready is False


def test_the_code_is_case_insensitive(arena_lobby, bob):
    services.lobby_join(code=f" {arena_lobby.code.lower()} ", user=bob)
    assert Membership.objects.filter(user=bob, lobby=arena_lobby).exists()


def test_a_wrong_code_is_lobby_not_found(bob):
    with pytest.raises(LobbyError, match="LOBBY_NOT_FOUND"):
        services.lobby_join(code="XXXXXX", user=bob)


def test_a_closed_lobby_is_lobby_not_found(arena_lobby, alice, bob):
    services.lobby_close(lobby=arena_lobby, user=alice)
    with pytest.raises(LobbyError, match="LOBBY_NOT_FOUND"):
        services.lobby_join(code=arena_lobby.code, user=bob)


def test_a_full_lobby_refuses_with_lobby_full(alice, bob, carol):
    lobby = services.lobby_create(host=alice, game="connect_four")
    services.lobby_join(code=lobby.code, user=bob)
    with pytest.raises(LobbyError, match="LOBBY_FULL"):
        services.lobby_join(code=lobby.code, user=carol)
    assert not Membership.objects.filter(user=carol).exists()


def test_a_kicked_user_cannot_rejoin(arena_lobby, alice, bob):
    services.lobby_join(code=arena_lobby.code, user=bob)
    services.lobby_kick(lobby=arena_lobby, user=alice, target=bob)
    with pytest.raises(LobbyError, match="KICKED"):
        services.lobby_join(code=arena_lobby.code, user=bob)
    assert LobbyBan.objects.filter(lobby=arena_lobby, user=bob).exists()


def test_joining_a_lobby_in_game_is_wrong_state(arena_lobby, alice, bob, carol):
    services.lobby_join(code=arena_lobby.code, user=bob)
    services.lobby_set_ready(lobby=arena_lobby, user=bob, ready=True)
    services.lobby_start(lobby=arena_lobby, user=alice)
    with pytest.raises(LobbyError, match="WRONG_STATE"):
        services.lobby_join(code=arena_lobby.code, user=carol)


def test_joining_twice_keeps_the_same_seat(arena_lobby, bob):
    first = services.lobby_join(code=arena_lobby.code, user=bob)
    second = services.lobby_join(code=arena_lobby.code, user=bob)
    assert first.pk == second.pk
    assert arena_lobby.memberships.count() == 2


def test_joining_another_lobby_leaves_the_first(arena_lobby, bob, carol):
    services.lobby_join(code=arena_lobby.code, user=bob)
    other = services.lobby_create(host=carol, game="arena")
    services.lobby_join(code=other.code, user=bob)
    assert Membership.objects.get(user=bob).lobby == other
    assert not arena_lobby.memberships.filter(user=bob).exists()


def test_a_refused_join_keeps_the_player_in_their_lobby(arena_lobby, alice, bob, carol):
    services.lobby_join(code=arena_lobby.code, user=bob)
    full = services.lobby_create(host=carol, game="connect_four")
    services.lobby_join(code=full.code, user=alice)
    with pytest.raises(LobbyError, match="LOBBY_FULL"):
        services.lobby_join(code=full.code, user=bob)
    assert Membership.objects.get(user=bob).lobby == arena_lobby


def test_members_hear_of_the_join(arena_lobby, bob, sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.lobby_join(code=arena_lobby.code, user=bob)
    event = sent.events(arena_lobby)[-1]
    assert event["type"] == "member_joined"
    assert event["user_id"] == bob.pk
    assert [m["name"] for m in event["lobby"]["members"]] == ["Alice", "Bob"]
    assert sent.list_changes()[-1]["players"] == 2


def test_a_refused_join_tells_nobody(alice, bob, carol, sent, django_capture_on_commit_callbacks):
    lobby = services.lobby_create(host=alice, game="connect_four")
    services.lobby_join(code=lobby.code, user=bob)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(LobbyError):
        services.lobby_join(code=lobby.code, user=carol)
    assert sent.messages == []


def test_match_create_records_the_lobby(arena_lobby, alice, bob):
    # The seam with the engine: a match points back at its lobby.
    match = match_create(game="arena", settings={}, players=[alice, bob], lobby=arena_lobby)
    assert list(Lobby.objects.get(pk=arena_lobby.pk).matches.all()) == [match]
