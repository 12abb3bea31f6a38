"""Ready flags, and the host changing settings (which clears everyone's ready flag)."""

from __future__ import annotations

import pytest

from lobby import services
from lobby.models import Membership
from lobby.services import LobbyError

pytestmark = pytest.mark.django_db


def test_a_member_sets_and_clears_ready(arena_lobby, bob):
    services.lobby_join(code=arena_lobby.code, user=bob)
    assert services.lobby_set_ready(lobby=arena_lobby, user=bob, ready=True).is_ready
    assert not services.lobby_set_ready(lobby=arena_lobby, user=bob, ready=False).is_ready


def test_a_non_member_cannot_set_ready(arena_lobby, bob):
    with pytest.raises(LobbyError, match="NOT_MEMBER"):
        services.lobby_set_ready(lobby=arena_lobby, user=bob, ready=True)


def test_the_host_changes_settings_and_clears_ready(arena_lobby, alice, bob):
    services.lobby_join(code=arena_lobby.code, user=bob)
    services.lobby_set_ready(lobby=arena_lobby, user=bob, ready=True)
    lobby = services.lobby_update_settings(
        lobby=arena_lobby, user=alice, settings={"duration": 30}, name="Quick one", max_players=4
    )
    assert lobby.settings["duration"] == 30
    assert (lobby.name, lobby.max_players) == ("Quick one", 4)
    assert not Membership.objects.get(user=bob).is_ready


def test_the_host_allows_spectators_and_stops_them_again(arena_lobby, alice):
    lobby = services.lobby_update_settings(lobby=arena_lobby, user=alice, allow_spectators=True)
    assert services.lobby_snapshot(lobby)["allow_spectators"] is True
    services.lobby_update_settings(lobby=arena_lobby, user=alice, name="Renamed")
    arena_lobby.refresh_from_db()
    assert arena_lobby.allow_spectators is True
    services.lobby_update_settings(lobby=arena_lobby, user=alice, allow_spectators=False)
    arena_lobby.refresh_from_db()
    assert arena_lobby.allow_spectators is False


def test_only_the_host_changes_settings(arena_lobby, bob):
    services.lobby_join(code=arena_lobby.code, user=bob)
    with pytest.raises(LobbyError, match="NOT_HOST"):
        services.lobby_update_settings(lobby=arena_lobby, user=bob, name="Mine")


def test_settings_outside_the_schema_change_nothing(arena_lobby, alice):
    before = dict(arena_lobby.settings)
    with pytest.raises(LobbyError, match="BAD_SETTINGS"):
        services.lobby_update_settings(lobby=arena_lobby, user=alice, settings={"duration": -1})
    arena_lobby.refresh_from_db()
    assert arena_lobby.settings == before


def test_max_players_below_the_members_seated_is_refused(arena_lobby, alice, bob, carol):
    services.lobby_join(code=arena_lobby.code, user=bob)
    services.lobby_join(code=arena_lobby.code, user=carol)
    with pytest.raises(LobbyError, match="BAD_MAX_PLAYERS"):
        services.lobby_update_settings(lobby=arena_lobby, user=alice, max_players=2)


def test_settings_cannot_change_during_a_game(arena_lobby, alice, bob):
    services.lobby_join(code=arena_lobby.code, user=bob)
    services.lobby_set_ready(lobby=arena_lobby, user=bob, ready=True)
    services.lobby_start(lobby=arena_lobby, user=alice)
    with pytest.raises(LobbyError, match="WRONG_STATE"):
        services.lobby_update_settings(lobby=arena_lobby, user=alice, name="x")
