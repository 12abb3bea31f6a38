"""Leaving: the host hands over to the longest-seated member; the last one closes it."""

from __future__ import annotations

import pytest

from lobby import services
from lobby.models import Lobby, Membership
from lobby.services import LobbyError

pytestmark = pytest.mark.django_db


def test_a_member_leaving_frees_their_seat(arena_lobby, bob):
    services.lobby_join(code=arena_lobby.code, user=bob)
    services.lobby_leave(lobby=arena_lobby, user=bob)
    assert not Membership.objects.filter(user=bob).exists()


def test_the_host_leaving_hands_over_to_the_longest_seated(arena_lobby, alice, bob, carol):
    services.lobby_join(code=arena_lobby.code, user=bob)
    services.lobby_join(code=arena_lobby.code, user=carol)
    services.lobby_leave(lobby=arena_lobby, user=alice)
    arena_lobby.refresh_from_db()
    assert arena_lobby.host == bob


def test_the_last_member_leaving_closes_the_lobby(arena_lobby, alice):
    services.lobby_leave(lobby=arena_lobby, user=alice)
    arena_lobby.refresh_from_db()
    assert arena_lobby.state == Lobby.State.CLOSED
    assert arena_lobby.closed_at is not None


def test_a_closed_lobby_frees_its_code(arena_lobby, alice, bob):
    services.lobby_leave(lobby=arena_lobby, user=alice)
    reused = Lobby.objects.create(
        code=arena_lobby.code, name="again", host=bob, game="arena", max_players=2
    )
    assert reused.pk != arena_lobby.pk


def test_leaving_a_lobby_one_is_not_in_is_not_member(arena_lobby, bob):
    with pytest.raises(LobbyError, match="NOT_MEMBER"):
        services.lobby_leave(lobby=arena_lobby, user=bob)


def test_members_hear_who_left_and_who_hosts(
    arena_lobby, alice, bob, sent, django_capture_on_commit_callbacks
):
    services.lobby_join(code=arena_lobby.code, user=bob)
    with django_capture_on_commit_callbacks(execute=True):
        services.lobby_leave(lobby=arena_lobby, user=alice)
    event = sent.events(arena_lobby)[-1]
    assert event["type"] == "member_left"
    assert event["user_id"] == alice.pk
    assert event["lobby"]["host_id"] == bob.pk


def test_members_hear_that_the_lobby_closed(
    arena_lobby, alice, sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.lobby_leave(lobby=arena_lobby, user=alice)
    assert sent.types(arena_lobby) == ["closed"]
    assert sent.list_changes()[-1]["visible"] is False
