"""`GET /api/matches/<id>/replay/`: a finished match's replay log, and `.../frames/`, what
the replay page plays, for its players and whoever could have watched it, with a clear
refusal for anyone else or any other match."""

from __future__ import annotations

import gzip
import uuid

import orjson
import pytest
from django.test import Client

from games.models import Match, MatchReplay
from games.rules.base import Result
from games.services import match_create, match_finish
from lobby.models import Lobby, LobbyBan
from lobby.services import api_token_create
from tests.replay_check import finish_through_a_room

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    return Client(headers={"authorization": f"Bearer {api_token_create(user=user)}"})


def _get(user, match_id: object) -> tuple[int, dict]:
    response = _client(user).get(f"/api/matches/{match_id}/replay/")
    return response.status_code, response.json()


@pytest.fixture
def match(alice, bob) -> Match:
    lobby = Lobby.objects.create(
        code="REPLAY", name="replays", host=alice, game="connect_four", max_players=2
    )
    return match_create(game="connect_four", settings={}, players=[alice, bob], lobby=lobby)


@pytest.fixture
def finished(match, alice, bob) -> Match:
    finish_through_a_room(
        str(match.pk),
        inputs=[(str(alice.pk), {"column": 3}), (str(bob.pk), {"column": 3})],
    )
    return match


def test_a_player_gets_the_log_names_result_and_what_replays_it(finished, alice, bob) -> None:
    status, body = _get(bob, finished.pk)

    assert status == 200
    assert (body["game"], body["game_version"], body["seed"]) == (
        "connect_four",
        "1",
        finished.seed,
    )
    assert [(p["id"], p["name"]) for p in body["players"]] == [
        (str(alice.pk), "Alice"),
        (str(bob.pk), "Bob"),
    ]
    assert body["log"] == [
        [1, "input", str(alice.pk), {"column": 3}],
        [1, "input", str(bob.pk), {"column": 3}],
        [5, "end", "", {"reason": "ended_by_admin"}],
    ]
    assert body["ticks"] == 5
    assert body["result"] == {"placements": {}, "scores": {}, "reason": "ended_by_admin"}


def test_whoever_the_lobby_let_watch_gets_it_and_no_one_else(finished, carol, dave) -> None:
    assert _get(carol, finished.pk)[1]["error"]["code"] == "REPLAY_FORBIDDEN"
    Lobby.objects.filter(matches=finished).update(allow_spectators=True)
    LobbyBan.objects.create(lobby=finished.lobby, user=dave)

    assert _get(carol, finished.pk)[0] == 200
    status, body = _get(dave, finished.pk)
    assert (status, body["error"]["code"]) == (403, "REPLAY_FORBIDDEN")
    assert "players" in body["error"]["message"]


def test_a_player_the_host_kicked_may_not_see_it(finished, bob) -> None:
    LobbyBan.objects.create(lobby=finished.lobby, user=bob)

    assert _get(bob, finished.pk)[0] == 403


def test_an_unknown_or_malformed_match_is_not_found(alice) -> None:
    for match_id in (uuid.uuid4(), "not-a-match"):
        status, body = _get(alice, match_id)
        assert (status, body["error"]["code"]) == (404, "MATCH_NOT_FOUND")


def test_a_running_match_has_no_replay_yet(match, alice) -> None:
    status, body = _get(alice, match.pk)

    assert (status, body["error"]["code"]) == (409, "MATCH_RUNNING")
    assert "still being played" in body["error"]["message"]


def test_a_match_that_ended_before_its_room_ran_has_none(match, alice) -> None:
    match_finish(match_id=str(match.pk), result=Result({}, {}, "not_opened"), aborted=True)

    status, body = _get(alice, match.pk)
    assert (status, body["error"]["code"]) == (404, "REPLAY_NOT_RECORDED")


def test_a_replay_of_other_rules_is_refused_naming_both_versions(finished, alice) -> None:
    MatchReplay.objects.filter(match=finished).update(game_version="0")

    status, body = _get(alice, finished.pk)
    assert (status, body["error"]["code"]) == (409, "REPLAY_OLD_VERSION")
    assert body["error"]["message"] == (
        "This match was played with version 0 of Connect Four; this server runs version 1, "
        "which may play the same inputs differently."
    )


def test_it_needs_an_identity(finished) -> None:
    response = Client().get(f"/api/matches/{finished.pk}/replay/")

    assert (response.status_code, response.json()["error"]["code"]) == (401, "AUTH_REQUIRED")


def test_the_frames_come_gzip_compressed_to_who_accepts_it_and_plain_to_others(
    finished, alice, bob
) -> None:
    url = f"/api/matches/{finished.pk}/replay/frames/"
    compressed = _client(bob).get(url, headers={"accept-encoding": "gzip, br"})
    plain = _client(alice).get(url)

    assert (compressed.status_code, plain.status_code) == (200, 200)
    assert compressed["Content-Encoding"] == "gzip"
    assert "Content-Encoding" not in plain
    for response in (compressed, plain):
        assert response["Vary"] == "Accept-Encoding"
        assert response["Cache-Control"] == "private, max-age=3600"
    frames = orjson.loads(gzip.decompress(compressed.content))
    assert plain.json() == frames
    # The empty board at tick 0, then a patch for each tick that changed it: the two
    # discs in column 3, both played at tick 1; the match ran to tick 5 with no change.
    assert frames["start"]["cells"] == {}
    assert frames["diffs"] == [
        [1, {"cells": {"0,3": str(alice.pk), "1,3": str(bob.pk)}, "last_move": "1,3"}]
    ]
    assert len(compressed.content) < len(plain.content)


def test_the_frames_are_refused_as_the_log_is(finished, carol, alice) -> None:
    def frames(user, match_id: object) -> tuple[int, str]:
        response = _client(user).get(f"/api/matches/{match_id}/replay/frames/")
        return response.status_code, response.json()["error"]["code"]

    assert frames(carol, finished.pk) == (403, "REPLAY_FORBIDDEN")
    assert frames(alice, uuid.uuid4()) == (404, "MATCH_NOT_FOUND")
    response = Client().get(f"/api/matches/{finished.pk}/replay/frames/")
    assert (response.status_code, response.json()["error"]["code"]) == (401, "AUTH_REQUIRED")
    assert MatchReplay.objects.get(match=finished).frames is None
