"""Closing lobbies: by the host, and by the idle sweep (service and management command)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from lobby import services
from lobby.models import Lobby, Membership
from lobby.services import LobbyError

pytestmark = pytest.mark.django_db


def _age(lobby: Lobby, seconds: int) -> None:
    Lobby.objects.filter(pk=lobby.pk).update(
        last_activity_at=timezone.now() - timedelta(seconds=seconds)
    )


def test_the_host_closes_the_lobby_and_everyone_is_out(arena_lobby, alice, bob):
    services.lobby_join(code=arena_lobby.code, user=bob)
    services.lobby_close(lobby=arena_lobby, user=alice)
    arena_lobby.refresh_from_db()
    assert arena_lobby.state == Lobby.State.CLOSED
    assert not Membership.objects.exists()


def test_a_member_cannot_close(arena_lobby, bob):
    services.lobby_join(code=arena_lobby.code, user=bob)
    with pytest.raises(LobbyError, match="NOT_HOST"):
        services.lobby_close(lobby=arena_lobby, user=bob)


def test_idle_lobbies_close_after_the_configured_time(arena_lobby, settings):
    settings.LOBBY_IDLE_SECONDS = 600
    _age(arena_lobby, 601)
    assert services.lobby_close_idle() == 1
    assert Lobby.objects.get(pk=arena_lobby.pk).state == Lobby.State.CLOSED


def test_recently_active_lobbies_stay_open(arena_lobby, settings):
    settings.LOBBY_IDLE_SECONDS = 600
    _age(arena_lobby, 599)
    assert services.lobby_close_idle() == 0
    assert Lobby.objects.get(pk=arena_lobby.pk).state == Lobby.State.OPEN


def test_empty_open_lobbies_close_at_once(alice):
    empty = Lobby.objects.create(code="AAAAAA", name="e", host=alice, game="arena", max_players=2)
    assert services.lobby_close_idle(idle_seconds=3600) == 1
    assert Lobby.objects.get(pk=empty.pk).state == Lobby.State.CLOSED


def test_lobbies_in_game_are_left_to_the_engine(arena_lobby, alice, bob):
    services.lobby_join(code=arena_lobby.code, user=bob)
    services.lobby_set_ready(lobby=arena_lobby, user=bob, ready=True)
    services.lobby_start(lobby=arena_lobby, user=alice)
    _age(arena_lobby, 10_000)
    assert services.lobby_close_idle(idle_seconds=60) == 0


def test_the_management_command_closes_idle_lobbies(arena_lobby, capsys):
    _age(arena_lobby, 120)
    call_command("close_idle_lobbies", "--idle-seconds", "60")
    assert Lobby.objects.get(pk=arena_lobby.pk).state == Lobby.State.CLOSED
    assert "Closed 1 lobby" in capsys.readouterr().out


@pytest.mark.parametrize("path", ["/lobbies/", "/api/lobbies/"])
def test_idle_lobbies_close_by_themselves_when_the_list_is_read(
    arena_lobby, settings, client, fresh_cache, path: str
):
    settings.LOBBY_IDLE_SECONDS = 600
    _age(arena_lobby, 601)
    assert client.get(path).status_code == 200
    assert Lobby.objects.get(pk=arena_lobby.pk).state == Lobby.State.CLOSED


def test_the_sweep_runs_at_most_once_a_minute(arena_lobby, settings, fresh_cache):
    settings.LOBBY_IDLE_SECONDS = 600
    assert services.lobby_close_idle_if_due() == 0
    _age(arena_lobby, 601)
    assert services.lobby_close_idle_if_due() == 0
    assert Lobby.objects.get(pk=arena_lobby.pk).state == Lobby.State.OPEN
