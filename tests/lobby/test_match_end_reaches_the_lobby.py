"""A match's end, recorded by the games app, reaches its lobby (games.signals.match_ended,
which the lobby connects to when it starts)."""

from __future__ import annotations

import pytest

from games.models import Match
from games.rules.base import Result
from games.services import match_finish
from lobby import services
from lobby.models import Lobby, Membership

pytestmark = pytest.mark.django_db


@pytest.fixture
def playing(arena_lobby, alice, bob) -> Match:
    services.lobby_join(code=arena_lobby.code, user=bob)
    services.lobby_set_ready(lobby=arena_lobby, user=bob, ready=True)
    return services.lobby_start(lobby=arena_lobby, user=alice)


def test_a_match_whose_result_is_recorded_opens_its_lobby_again(arena_lobby, playing, bob):
    result = Result(placements={str(bob.pk): 1}, scores={}, reason="won")
    assert match_finish(match_id=str(playing.pk), result=result)
    assert Lobby.objects.get(pk=arena_lobby.pk).state == Lobby.State.OPEN
    assert Membership.objects.filter(lobby=arena_lobby).count() == 2
    assert not Membership.objects.filter(lobby=arena_lobby, is_ready=True).exists()


def test_a_match_that_ends_without_a_lobby_tells_no_lobby(arena_lobby, playing, alice, bob):
    Match.objects.filter(pk=playing.pk).update(lobby=None)
    result = Result(placements={}, scores={}, reason="won")
    assert match_finish(match_id=str(playing.pk), result=result)
    assert Lobby.objects.get(pk=arena_lobby.pk).state == Lobby.State.IN_GAME
