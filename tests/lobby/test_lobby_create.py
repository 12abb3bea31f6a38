"""Creating a lobby: the host is seated, the game's settings and player range are enforced."""

from __future__ import annotations

import pytest

from lobby import services
from lobby.models import CODE_ALPHABET, Lobby, Membership
from lobby.services import LobbyError

pytestmark = pytest.mark.django_db


def test_it_seats_the_host_in_a_new_open_lobby(alice):
    lobby = services.lobby_create(host=alice, game="arena", name="Fun")
    assert lobby.state == Lobby.State.OPEN
    assert lobby.host == alice
    assert list(lobby.memberships.values_list("user__username", flat=True)) == ["alice"]


def test_it_gives_a_six_character_code_of_unambiguous_characters(alice):
    lobby = services.lobby_create(host=alice, game="arena")
    assert len(lobby.code) == 6
    assert set(lobby.code) <= set(CODE_ALPHABET)


def test_it_fills_in_the_game_defaults_and_max_players(alice):
    lobby = services.lobby_create(host=alice, game="connect_four")
    assert lobby.settings == {"move_seconds": 0, "on_timeout": "skip"}
    assert lobby.max_players == 2
    assert lobby.name == "Alice's Connect Four"


def test_spectators_are_off_unless_the_host_allows_them(alice, bob):
    assert services.lobby_create(host=alice, game="arena").allow_spectators is False
    lobby = services.lobby_create(host=bob, game="arena", allow_spectators=True)
    assert Lobby.objects.get(pk=lobby.pk).allow_spectators is True


def test_it_refuses_settings_outside_the_schema(alice):
    with pytest.raises(LobbyError) as error:
        services.lobby_create(host=alice, game="connect_four", settings={"move_seconds": 9999})
    assert error.value.code == "BAD_SETTINGS"
    assert error.value.field == "move_seconds"
    assert not Lobby.objects.exists()


def test_it_refuses_an_unknown_setting(alice):
    with pytest.raises(LobbyError, match="BAD_SETTINGS"):
        services.lobby_create(host=alice, game="arena", settings={"cheats": True})


def test_it_refuses_max_players_outside_the_games_range(alice):
    with pytest.raises(LobbyError) as error:
        services.lobby_create(host=alice, game="connect_four", max_players=3)
    assert error.value.code == "BAD_MAX_PLAYERS"
    assert not Lobby.objects.exists()


def test_it_refuses_an_unknown_game(alice):
    with pytest.raises(LobbyError, match="UNKNOWN_GAME"):
        services.lobby_create(host=alice, game="chess")


def test_it_refuses_a_name_that_is_too_long(alice):
    with pytest.raises(LobbyError, match="BAD_NAME"):
        services.lobby_create(host=alice, game="arena", name="x" * 61)


def test_creating_a_second_lobby_leaves_the_first(alice, bob):
    first = services.lobby_create(host=alice, game="arena")
    services.lobby_join(code=first.code, user=bob)
    second = services.lobby_create(host=alice, game="arena")
    first.refresh_from_db()
    assert Membership.objects.get(user=alice).lobby == second
    assert first.host == bob


def test_it_tells_the_list_page(alice, sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        lobby = services.lobby_create(host=alice, game="arena")
    assert sent.list_changes()[-1]["code"] == lobby.code
    assert sent.list_changes()[-1]["visible"] is True
