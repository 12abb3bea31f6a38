"""Closing lobbies: by the host, and by the idle sweep (service and management command),
which also aborts matches nobody opened and opens again lobbies whose match is over."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from games.models import Match
from games.services import match_room_spec
from lobby import services
from lobby.models import Lobby, Membership
from lobby.services import IdleSweep, LobbyError

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
    assert services.lobby_close_idle() == IdleSweep(lobbies_closed=1)
    assert Lobby.objects.get(pk=arena_lobby.pk).state == Lobby.State.CLOSED


def test_recently_active_lobbies_stay_open(arena_lobby, settings):
    settings.LOBBY_IDLE_SECONDS = 600
    _age(arena_lobby, 599)
    assert services.lobby_close_idle() == IdleSweep()
    assert Lobby.objects.get(pk=arena_lobby.pk).state == Lobby.State.OPEN


def test_empty_open_lobbies_close_at_once(alice):
    empty = Lobby.objects.create(code="AAAAAA", name="e", host=alice, game="arena", max_players=2)
    assert services.lobby_close_idle(idle_seconds=3600) == IdleSweep(lobbies_closed=1)
    assert Lobby.objects.get(pk=empty.pk).state == Lobby.State.CLOSED


@pytest.fixture
def playing(arena_lobby, alice, bob) -> Match:
    """Alice's lobby in a game with Bob."""
    services.lobby_join(code=arena_lobby.code, user=bob)
    services.lobby_set_ready(lobby=arena_lobby, user=bob, ready=True)
    return services.lobby_start(lobby=arena_lobby, user=alice)


def _started_ago(match: Match, seconds: int) -> None:
    Match.objects.filter(pk=match.pk).update(started_at=timezone.now() - timedelta(seconds=seconds))


def test_lobbies_in_a_match_someone_opened_are_left_to_the_engine(arena_lobby, playing):
    assert match_room_spec(match_id=str(playing.pk)) is not None
    _started_ago(playing, 10_000)
    _age(arena_lobby, 10_000)
    assert services.lobby_close_idle(idle_seconds=60) == IdleSweep()
    assert Lobby.objects.get(pk=arena_lobby.pk).state == Lobby.State.IN_GAME
    assert Match.objects.get(pk=playing.pk).state == Match.State.RUNNING


def test_a_match_nobody_opens_in_time_is_aborted_and_its_lobby_opens_again(
    arena_lobby, playing, settings, sent, django_capture_on_commit_callbacks
):
    settings.MATCH_OPEN_SECONDS = 60
    _started_ago(playing, 61)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.lobby_close_idle() == IdleSweep(matches_aborted=1)
    playing.refresh_from_db()
    assert (playing.state, playing.reason) == (Match.State.ABORTED, "not_opened")
    assert Lobby.objects.get(pk=arena_lobby.pk).state == Lobby.State.OPEN
    [event] = sent.events(arena_lobby)
    assert (event["type"], event["reason"]) == ("match_ended", "not_opened")
    # Its room never starts now: the match is over.
    assert match_room_spec(match_id=str(playing.pk)) is None


def test_a_match_still_within_its_open_time_is_left(arena_lobby, playing, settings):
    settings.MATCH_OPEN_SECONDS = 60
    _started_ago(playing, 59)
    assert services.lobby_close_idle() == IdleSweep()
    assert Match.objects.get(pk=playing.pk).state == Match.State.RUNNING


def test_the_first_socket_asking_for_the_room_opens_the_match(playing, settings):
    settings.MATCH_OPEN_SECONDS = 60
    assert Match.objects.get(pk=playing.pk).opened_at is None
    match_room_spec(match_id=str(playing.pk))
    _started_ago(playing, 61)
    assert services.lobby_close_idle() == IdleSweep()
    assert Match.objects.get(pk=playing.pk).opened_at is not None


def test_a_lobby_whose_match_is_over_opens_again(arena_lobby, playing):
    # The match was recorded over, but the lobby never heard (its process died between).
    Match.objects.filter(pk=playing.pk).update(state=Match.State.FINISHED)
    assert services.lobby_close_idle() == IdleSweep(lobbies_reopened=1)
    assert Lobby.objects.get(pk=arena_lobby.pk).state == Lobby.State.OPEN
    assert arena_lobby.memberships.count() == 2


def test_an_empty_lobby_whose_match_is_gone_closes(arena_lobby, playing):
    # Members removed with their accounts (a purged guest), and the match deleted.
    Membership.objects.filter(lobby=arena_lobby).delete()
    playing.delete()
    assert services.lobby_close_idle() == IdleSweep(lobbies_closed=1)
    assert Lobby.objects.get(pk=arena_lobby.pk).state == Lobby.State.CLOSED


def test_the_management_command_closes_idle_lobbies(arena_lobby, capsys):
    _age(arena_lobby, 120)
    call_command("close_idle_lobbies", "--idle-seconds", "60")
    assert Lobby.objects.get(pk=arena_lobby.pk).state == Lobby.State.CLOSED
    assert capsys.readouterr().out == (
        "Aborted 0 matches nobody opened, reopened 0 lobbies, closed 1 lobby.\n"
    )


def test_the_management_command_aborts_matches_nobody_opened(
    arena_lobby, playing, settings, capsys
):
    settings.MATCH_OPEN_SECONDS = 60
    _started_ago(playing, 61)
    call_command("close_idle_lobbies")
    assert Match.objects.get(pk=playing.pk).state == Match.State.ABORTED
    assert Lobby.objects.get(pk=arena_lobby.pk).state == Lobby.State.OPEN
    assert "Aborted 1 match nobody opened" in capsys.readouterr().out


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
    assert services.lobby_close_idle_if_due() == IdleSweep()
    _age(arena_lobby, 601)
    assert services.lobby_close_idle_if_due() == IdleSweep()
    assert Lobby.objects.get(pk=arena_lobby.pk).state == Lobby.State.OPEN
