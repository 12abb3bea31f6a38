"""A user plays at most one running match: a lobby cannot start while a member still holds
a seat in another, and quick play waits for the match to end."""

from __future__ import annotations

import pytest

from games.models import Match
from games.rules.base import Result
from games.services import match_finish
from lobby import services
from lobby.models import Lobby, Membership
from lobby.services import LobbyError

pytestmark = pytest.mark.django_db


def _ready(lobby: Lobby, *users) -> None:
    for user in users:
        services.lobby_join(code=lobby.code, user=user)
        services.lobby_set_ready(lobby=lobby, user=user, ready=True)


@pytest.fixture
def bob_playing(arena_lobby, alice, bob) -> Match:
    """Bob sits in Alice's running match, then leaves its lobby (allowed mid-game)."""
    _ready(arena_lobby, bob)
    match = services.lobby_start(lobby=arena_lobby, user=alice)
    services.lobby_leave(lobby=arena_lobby, user=bob)
    return match


def _end(match: Match) -> None:
    match_finish(match_id=str(match.pk), result=Result(placements={}, scores={}, reason="won"))


def test_it_refuses_to_start_with_a_member_still_in_another_match(bob_playing, bob, carol):
    lobby = services.lobby_create(host=carol, game="arena")
    _ready(lobby, bob)
    with pytest.raises(LobbyError) as refused:
        services.lobby_start(lobby=lobby, user=carol)
    assert refused.value.code == "IN_ANOTHER_MATCH"
    assert refused.value.message == "Bob still plays another match; start when it is over."
    # Nothing changed: the lobby waits, open, with Bob ready in it.
    assert Lobby.objects.get(pk=lobby.pk).state == Lobby.State.OPEN
    assert Membership.objects.get(user=bob).is_ready
    assert list(Match.objects.all()) == [bob_playing]


def test_the_start_goes_ahead_once_that_match_is_over(bob_playing, bob, carol):
    lobby = services.lobby_create(host=carol, game="arena")
    _ready(lobby, bob)
    _end(bob_playing)
    match = services.lobby_start(lobby=lobby, user=carol)
    assert [seat.user for seat in match.players.all()] == [carol, bob]


def test_a_rematch_starts_as_soon_as_the_match_ends(arena_lobby, alice, bob):
    _ready(arena_lobby, bob)
    first = services.lobby_start(lobby=arena_lobby, user=alice)
    _end(first)
    services.lobby_set_ready(lobby=arena_lobby, user=bob, ready=True)
    second = services.lobby_start(lobby=arena_lobby, user=alice)
    assert second.state == Match.State.RUNNING
    assert second.pk != first.pk


def test_quick_play_refuses_a_player_in_a_running_match(arena_lobby, alice, bob, carol):
    _ready(arena_lobby, bob)
    services.lobby_start(lobby=arena_lobby, user=alice)
    services.lobby_create(host=carol, game="arena")
    with pytest.raises(LobbyError, match="IN_ANOTHER_MATCH"):
        services.lobby_quick_play(user=bob, game="arena")
    # Bob keeps his seat in the lobby of the match he plays.
    assert Membership.objects.get(user=bob).lobby == arena_lobby


def test_the_api_says_who_is_still_playing(bob_playing, bob, carol, api_for):
    lobby = services.lobby_create(host=carol, game="arena")
    _ready(lobby, bob)
    response = api_for(carol).post(f"/api/lobbies/{lobby.code}/start/")
    assert response.status_code == 409
    assert response.json()["error"] == {
        "code": "IN_ANOTHER_MATCH",
        "message": "Bob still plays another match; start when it is over.",
    }
