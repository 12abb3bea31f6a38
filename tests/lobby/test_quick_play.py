"""Play now: the fullest open public lobby of the game with a free seat, or a new one."""

from __future__ import annotations

import pytest

from lobby import services
from lobby.models import Lobby

pytestmark = pytest.mark.django_db


def test_it_picks_the_fullest_lobby_with_a_free_seat(alice, bob, carol, dave):
    emptier = services.lobby_create(host=alice, game="arena")
    fuller = services.lobby_create(host=bob, game="arena")
    services.lobby_join(code=fuller.code, user=carol)
    membership = services.lobby_quick_play(user=dave, game="arena")
    assert membership.lobby == fuller
    assert emptier.memberships.count() == 1


def test_it_skips_full_private_and_other_game_lobbies(alice, bob, carol, dave, make_user):
    full = services.lobby_create(host=alice, game="connect_four")
    services.lobby_join(code=full.code, user=bob)
    services.lobby_create(host=carol, game="connect_four", is_public=False)
    services.lobby_create(host=make_user("erin"), game="arena")
    membership = services.lobby_quick_play(user=dave, game="connect_four")
    assert membership.lobby.host == dave
    assert Lobby.objects.filter(game="connect_four", state="open").count() == 3


def test_it_skips_a_lobby_the_player_was_kicked_from(alice, bob):
    lobby = services.lobby_create(host=alice, game="arena")
    services.lobby_join(code=lobby.code, user=bob)
    services.lobby_kick(lobby=lobby, user=alice, target=bob)
    assert services.lobby_quick_play(user=bob, game="arena").lobby != lobby


def test_it_creates_a_lobby_with_default_settings(alice):
    membership = services.lobby_quick_play(user=alice, game="connect_four")
    assert membership.lobby.settings == {"move_seconds": 0, "on_timeout": "skip"}
    assert membership.lobby.is_public


def test_it_keeps_a_player_in_their_open_lobby_of_that_game(arena_lobby, alice):
    assert services.lobby_quick_play(user=alice, game="arena").lobby == arena_lobby


def test_an_unknown_game_is_refused(alice):
    with pytest.raises(services.LobbyError, match="UNKNOWN_GAME"):
        services.lobby_quick_play(user=alice, game="chess")
