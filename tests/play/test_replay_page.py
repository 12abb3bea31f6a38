"""`/replay/<match>/`: a finished match played back in the browser, for those who could
watch it; the page carries the players' names and the result, and fetches the frames the
replayer made from the API (tests/lobby/test_api_replays.py has the API's own cases)."""

from __future__ import annotations

import gzip
import json
import re
import uuid

import orjson
import pytest
from django.test import Client

from games.engine.diff import apply_patch
from games.models import Match, MatchReplay
from games.services import match_create
from lobby.models import Lobby
from tests.replay_check import finish_through_a_room

pytestmark = pytest.mark.django_db


@pytest.fixture
def match(alice, bob) -> Match:
    lobby = Lobby.objects.create(
        code="REPLAY", name="replays", host=alice, game="connect_four", max_players=2
    )
    return match_create(game="connect_four", settings={}, players=[alice, bob], lobby=lobby)


@pytest.fixture
def finished(match, alice, bob) -> Match:
    inputs = [(str(alice.pk), {"column": 3}), (str(bob.pk), {"column": 4})]
    finish_through_a_room(str(match.pk), inputs=inputs, ticks=3)
    return match


def _script(page: str, element_id: str) -> object:
    found = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', page)
    assert found, f"no {element_id} in the page"
    return json.loads(found[1])


def _frames(client: Client, page: str) -> object:
    """The frames from the URL the page fetches them from, as a browser gets them."""
    url = re.search(r'data-frames-url="([^"]+)"', page)
    assert url, "no frames URL in the page"
    response = client.get(url[1], headers={"accept-encoding": "gzip, deflate, br"})
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    return orjson.loads(gzip.decompress(response.content))


def test_a_player_gets_the_game_renderer_the_frames_the_names_and_the_result(
    client: Client, finished, alice, bob
) -> None:
    client.force_login(bob)
    response = client.get(f"/replay/{finished.pk}/")
    page = response.content.decode()

    assert response.status_code == 200
    assert 'data-renderer-url="/static/js/games/connect_four.js"' in page
    assert f'data-frames-url="/api/matches/{finished.pk}/replay/frames/"' in page
    assert "js/replay.js" in page
    details = _script(page, "replay-details")
    assert [player["name"] for player in details["players"]] == ["Alice", "Bob"]
    assert details["result"]["reason"] == "ended_by_admin"
    frames = _frames(client, page)
    state = frames["start"]
    for _tick, patch in frames["diffs"]:
        state = apply_patch(state, patch)
    assert state["cells"] == {"0,3": str(alice.pk), "0,4": str(bob.pk)}


def test_the_frames_are_made_at_the_first_request_and_kept_for_the_next(
    client: Client, finished, alice, bob
) -> None:
    client.force_login(bob)
    page = client.get(f"/replay/{finished.pk}/").content.decode()
    assert MatchReplay.objects.get(match=finished).frames is None
    first = _frames(client, page)

    kept = MatchReplay.objects.get(match=finished).frames
    assert kept is not None
    assert orjson.loads(gzip.decompress(kept)) == first
    # What the next request gets is what was kept, not a new replay: kept frames changed
    # by hand show as changed.
    changed = {"start": {"kept": True}, "diffs": []}
    MatchReplay.objects.filter(match=finished).update(frames=gzip.compress(orjson.dumps(changed)))
    client.force_login(alice)
    assert _frames(client, page) == changed


def test_no_string_in_the_frames_reaches_the_page_or_is_read_as_one(
    client: Client, finished, alice
) -> None:
    hostile = "</script><script>alert(1)</script> & <!--"
    MatchReplay.objects.filter(match=finished).update(
        frames=gzip.compress(orjson.dumps({"start": {"name": hostile}, "diffs": []}))
    )
    client.force_login(alice)
    page = client.get(f"/replay/{finished.pk}/").content.decode()
    frames = client.get(f"/api/matches/{finished.pk}/replay/frames/")

    assert "alert(1)" not in page
    # JSON, which a browser never sniffs as a page of its own.
    assert frames["Content-Type"] == "application/json"
    assert frames["X-Content-Type-Options"] == "nosniff"
    assert frames.json() == {"start": {"name": hostile}, "diffs": []}


def test_controls_for_play_speed_and_any_tick(client: Client, finished, alice) -> None:
    client.force_login(alice)
    page = client.get(f"/replay/{finished.pk}/").content.decode()

    assert 'id="replay-play"' in page
    for speed in ("0.5", "1", "2", "4"):
        assert f'<option value="{speed}"' in page
    assert 'type="range" id="replay-tick" min="0" max="3"' in page


def test_someone_who_could_not_watch_the_match_is_refused_with_a_reason(
    client: Client, finished, carol
) -> None:
    client.force_login(carol)
    response = client.get(f"/replay/{finished.pk}/")

    assert response.status_code == 403
    assert "players and those its lobby let watch it" in response.content.decode()
    assert "data-frames-url" not in response.content.decode()


def test_a_running_match_has_no_replay_page_yet(client: Client, match, alice) -> None:
    client.force_login(alice)
    response = client.get(f"/replay/{match.pk}/")

    assert response.status_code == 409
    assert "still being played" in response.content.decode()


def test_an_unknown_match_is_not_found(client: Client, alice) -> None:
    client.force_login(alice)
    assert client.get(f"/replay/{uuid.uuid4()}/").status_code == 404


def test_a_replay_of_other_rules_is_refused_naming_the_versions(
    client: Client, finished, alice
) -> None:
    MatchReplay.objects.filter(match=finished).update(game_version="0")
    client.force_login(alice)
    response = client.get(f"/replay/{finished.pk}/")

    assert response.status_code == 409
    assert "version 0 of Connect Four" in response.content.decode()


def test_the_play_pages_end_panel_links_to_the_replay(client: Client, match, alice) -> None:
    client.force_login(alice)
    page = client.get(f"/play/{match.pk}/").content.decode()

    assert f'href="/replay/{match.pk}/" id="play-replay"' in page


def test_it_asks_for_a_log_in_first(client: Client, finished) -> None:
    response = client.get(f"/replay/{finished.pk}/")

    assert response.status_code == 302


def test_staff_see_each_replay_in_the_admin_with_its_size_and_a_link(
    client: Client, finished, django_user_model
) -> None:
    staff = django_user_model.objects.create_superuser(username="root", password="x" * 12)
    client.force_login(staff)

    listing = client.get("/admin/games/matchreplay/").content.decode()
    page = client.get(f"/admin/games/matchreplay/{finished.pk}/change/").content.decode()

    assert "KiB" in listing
    assert f'href="/replay/{finished.pk}/"' in page
    assert "ended_by_admin" in page
