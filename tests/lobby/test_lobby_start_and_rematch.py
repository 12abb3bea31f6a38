"""Starting a match from the lobby, and the lobby opening again when the match ends."""

from __future__ import annotations

import pytest

from games.models import Match
from lobby import services
from lobby.models import Lobby, Membership
from lobby.services import LobbyError

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready_lobby(arena_lobby, bob, carol):
    for user in (bob, carol):
        services.lobby_join(code=arena_lobby.code, user=user)
        services.lobby_set_ready(lobby=arena_lobby, user=user, ready=True)
    return arena_lobby


def test_the_host_starts_a_match_with_members_in_seat_order(ready_lobby, alice, bob, carol):
    match = services.lobby_start(lobby=ready_lobby, user=alice)
    ready_lobby.refresh_from_db()
    assert ready_lobby.state == Lobby.State.IN_GAME
    assert match.lobby == ready_lobby
    assert match.state == Match.State.RUNNING
    assert [p.user for p in match.players.order_by("seat")] == [alice, bob, carol]
    assert match.settings == ready_lobby.settings


def test_the_snapshot_points_at_the_game_page(ready_lobby, alice):
    match = services.lobby_start(lobby=ready_lobby, user=alice)
    snapshot = services.lobby_snapshot(Lobby.objects.get(pk=ready_lobby.pk))
    assert snapshot["match_id"] == str(match.id)
    assert snapshot["play_url"] == f"/play/{match.id}/"


def test_members_are_sent_to_the_game(ready_lobby, alice, sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        match = services.lobby_start(lobby=ready_lobby, user=alice)
    event = sent.events(ready_lobby)[-1]
    assert event["type"] == "started"
    assert event["match_id"] == str(match.id)
    assert event["play_url"] == f"/play/{match.id}/"


def test_only_the_host_starts(ready_lobby, bob):
    with pytest.raises(LobbyError, match="NOT_HOST"):
        services.lobby_start(lobby=ready_lobby, user=bob)
    assert not Match.objects.exists()


def test_an_unready_member_blocks_the_start(ready_lobby, alice, carol):
    services.lobby_set_ready(lobby=ready_lobby, user=carol, ready=False)
    with pytest.raises(LobbyError) as error:
        services.lobby_start(lobby=ready_lobby, user=alice)
    assert error.value.code == "NOT_READY"
    assert "Carol" in error.value.message
    assert not Match.objects.exists()
    assert Lobby.objects.get(pk=ready_lobby.pk).state == Lobby.State.OPEN


def test_too_few_players_cannot_start(arena_lobby, alice):
    with pytest.raises(LobbyError, match="TOO_FEW_PLAYERS"):
        services.lobby_start(lobby=arena_lobby, user=alice)
    assert not Match.objects.exists()


def test_a_lobby_in_game_cannot_start_again(ready_lobby, alice):
    services.lobby_start(lobby=ready_lobby, user=alice)
    with pytest.raises(LobbyError, match="WRONG_STATE"):
        services.lobby_start(lobby=ready_lobby, user=alice)


def test_ready_cannot_change_during_a_game(ready_lobby, alice, bob):
    services.lobby_start(lobby=ready_lobby, user=alice)
    with pytest.raises(LobbyError, match="WRONG_STATE"):
        services.lobby_set_ready(lobby=ready_lobby, user=bob, ready=False)


def _finished(match: Match) -> None:
    Match.objects.filter(pk=match.pk).update(state=Match.State.FINISHED)


def test_match_ended_opens_the_lobby_with_the_same_members(ready_lobby, alice):
    _finished(services.lobby_start(lobby=ready_lobby, user=alice))
    services.lobby_match_ended(lobby_id=ready_lobby.pk)
    ready_lobby.refresh_from_db()
    assert ready_lobby.state == Lobby.State.OPEN
    assert ready_lobby.memberships.count() == 3
    assert not Membership.objects.filter(lobby=ready_lobby, is_ready=True).exists()


def test_members_hear_that_the_match_ended(
    ready_lobby, alice, sent, django_capture_on_commit_callbacks
):
    _finished(services.lobby_start(lobby=ready_lobby, user=alice))
    with django_capture_on_commit_callbacks(execute=True):
        services.lobby_match_ended(lobby_id=ready_lobby.pk, reason="won")
    [event] = sent.events(ready_lobby)
    assert (event["type"], event["reason"]) == ("match_ended", "won")


def test_a_rematch_starts_a_second_match(ready_lobby, alice, bob, carol):
    first = services.lobby_start(lobby=ready_lobby, user=alice)
    _finished(first)
    services.lobby_match_ended(lobby_id=ready_lobby.pk)
    for user in (bob, carol):
        services.lobby_set_ready(lobby=ready_lobby, user=user, ready=True)
    second = services.lobby_start(lobby=ready_lobby, user=alice)
    assert second.pk != first.pk
    assert ready_lobby.matches.count() == 2


def test_match_ended_closes_a_lobby_everyone_left(ready_lobby, alice, bob, carol):
    services.lobby_start(lobby=ready_lobby, user=alice)
    # Leaving during a game is allowed; the last one out closes the lobby at once.
    for user in (alice, bob, carol):
        services.lobby_leave(lobby=ready_lobby, user=user)
    services.lobby_match_ended(lobby_id=ready_lobby.pk)
    assert Lobby.objects.get(pk=ready_lobby.pk).state == Lobby.State.CLOSED


def test_match_ended_ignores_an_unknown_or_open_lobby(arena_lobby):
    services.lobby_match_ended(lobby_id=arena_lobby.pk + 1000)
    services.lobby_match_ended(lobby_id=arena_lobby.pk)
    assert Lobby.objects.get(pk=arena_lobby.pk).state == Lobby.State.OPEN
