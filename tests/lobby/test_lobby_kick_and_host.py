"""The host kicks members and hands the host role over."""

from __future__ import annotations

import pytest

from lobby import services
from lobby.models import Membership
from lobby.services import LobbyError

pytestmark = pytest.mark.django_db


@pytest.fixture
def with_bob(arena_lobby, bob):
    services.lobby_join(code=arena_lobby.code, user=bob)
    return arena_lobby


def test_the_host_kicks_a_member(with_bob, alice, bob):
    services.lobby_kick(lobby=with_bob, user=alice, target=bob)
    assert not Membership.objects.filter(user=bob).exists()


def test_a_member_cannot_kick(with_bob, alice, bob):
    with pytest.raises(LobbyError, match="NOT_HOST"):
        services.lobby_kick(lobby=with_bob, user=bob, target=alice)


def test_the_host_cannot_kick_themselves(with_bob, alice):
    with pytest.raises(LobbyError, match="CANNOT_KICK_SELF"):
        services.lobby_kick(lobby=with_bob, user=alice, target=alice)


def test_kicking_a_non_member_is_not_member(with_bob, alice, carol):
    with pytest.raises(LobbyError, match="NOT_MEMBER"):
        services.lobby_kick(lobby=with_bob, user=alice, target=carol)


def test_the_kicked_member_is_told(with_bob, alice, bob, sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.lobby_kick(lobby=with_bob, user=alice, target=bob)
    event = sent.events(with_bob)[-1]
    assert (event["type"], event["user_id"]) == ("kicked", bob.pk)


def test_the_host_hands_over(with_bob, alice, bob):
    lobby = services.lobby_transfer_host(lobby=with_bob, user=alice, target=bob)
    assert lobby.host == bob
    with pytest.raises(LobbyError, match="NOT_HOST"):
        services.lobby_kick(lobby=with_bob, user=alice, target=bob)


def test_a_member_cannot_take_the_host(with_bob, bob):
    with pytest.raises(LobbyError, match="NOT_HOST"):
        services.lobby_transfer_host(lobby=with_bob, user=bob, target=bob)


def test_host_cannot_go_to_a_non_member(with_bob, alice, carol):
    with pytest.raises(LobbyError, match="NOT_MEMBER"):
        services.lobby_transfer_host(lobby=with_bob, user=alice, target=carol)
