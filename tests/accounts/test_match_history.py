"""Match history on the profile page: each player's recent ended matches."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from games.models import Match
from games.rules.base import Result
from games.services import match_create, match_finish
from lobby.models import User
from tests.replay_check import finish_through_a_room

pytestmark = pytest.mark.django_db


def _played(
    players: list[User],
    *,
    placements: dict[User, int],
    scores: dict[User, int],
    game: str = "connect_four",
    minutes_ago: int = 10,
    seconds: int = 245,
) -> Match:
    """A match that started `minutes_ago` and lasted `seconds`, with its result recorded."""
    match = match_create(game=game, settings={}, players=players)
    result = Result(
        placements={str(user.pk): place for user, place in placements.items()},
        scores={str(user.pk): score for user, score in scores.items()},
        reason="time_up",
    )
    match_finish(match_id=match.pk, result=result, aborted=not placements)
    started_at = timezone.now() - timedelta(minutes=minutes_ago)
    Match.objects.filter(pk=match.pk).update(
        started_at=started_at, ended_at=started_at + timedelta(seconds=seconds)
    )
    return match


def _history(client: Client, user: User) -> list:
    client.force_login(user)
    return client.get("/accounts/profile/").context["history"]


def test_a_finished_match_shows_on_the_profile_page(client: Client, alice, bob) -> None:
    _played([alice, bob], placements={alice: 1, bob: 2}, scores={alice: 1, bob: 0})
    client.force_login(alice)
    page = client.get("/accounts/profile/").content.decode()
    for text in ("Connect Four", "4:05", "1st", "Alice, Bob", "finished"):
        assert text in page


def test_each_player_sees_their_own_placement_and_score(client: Client, alice, bob) -> None:
    _played([alice, bob], placements={alice: 1, bob: 2}, scores={alice: 7, bob: 3})
    [row] = _history(client, bob)
    assert (row.placement_text, row.score, row.state) == ("2nd", 3, "finished")


def test_a_row_names_the_game_and_every_player_in_seat_order(
    client: Client, alice, bob, carol
) -> None:
    placements = {carol: 1, alice: 2, bob: 3}
    _played([carol, alice, bob], game="arena", placements=placements, scores=placements)
    [row] = _history(client, alice)
    assert (row.game, row.players) == ("Arena", ["Carol", "Alice", "Bob"])


def test_an_aborted_match_shows_without_a_placement(client: Client, alice, bob) -> None:
    _played([alice, bob], placements={}, scores={})
    [row] = _history(client, alice)
    assert (row.state, row.placement_text, row.score) == ("aborted", "—", None)


def test_a_running_match_is_not_listed(client: Client, alice, bob) -> None:
    match_create(game="connect_four", settings={}, players=[alice, bob])
    assert _history(client, alice) == []


def test_only_the_players_own_matches_are_listed(client: Client, alice, bob, carol) -> None:
    _played([bob, carol], placements={bob: 1, carol: 2}, scores={bob: 1, carol: 0})
    assert _history(client, alice) == []


def test_the_newest_twenty_are_listed_newest_first(client: Client, alice, bob) -> None:
    for minutes_ago in range(1, 23):
        scores = {alice: minutes_ago, bob: 0}
        _played([alice, bob], placements={alice: 1, bob: 2}, scores=scores, minutes_ago=minutes_ago)
    rows = _history(client, alice)
    assert [row.score for row in rows] == list(range(1, 21))


def test_long_matches_show_hours(client: Client, alice, bob) -> None:
    _played([alice, bob], placements={alice: 1, bob: 1}, scores={alice: 0, bob: 0}, seconds=3723)
    assert _history(client, alice)[0].duration_text == "1:02:03"


def _queries_for_profile(client: Client) -> int:
    with CaptureQueriesContext(connection) as queries:
        client.get("/accounts/profile/")
    return len(queries)


def test_the_history_costs_the_same_queries_for_one_match_or_many(
    client: Client, alice, bob, carol
) -> None:
    client.force_login(alice)
    _played([alice, bob], placements={alice: 1, bob: 2}, scores={alice: 1, bob: 0})
    one = _queries_for_profile(client)
    for _ in range(5):
        _played([alice, bob, carol], game="arena", placements={alice: 1}, scores={alice: 1})
    assert _queries_for_profile(client) == one


def test_a_guest_who_keeps_their_account_keeps_their_history(client: Client, bob) -> None:
    client.post("/accounts/guest/")
    guest = User.objects.get(is_guest=True)
    _played([guest, bob], placements={guest: 1, bob: 2}, scores={guest: 1, bob: 0})
    client.post("/accounts/profile/", {"username": "dana", "password": "a sturdy passphrase"})
    kept = User.objects.get(username="dana")
    [row] = _history(client, kept)
    assert (row.placement_text, row.players) == ("1st", [guest.display_name, "Bob"])


def test_a_match_against_the_bot_names_it_marked_as_a_bot(client: Client, alice) -> None:
    match = match_create(game="connect_four", settings={}, players=[alice], bots=["hard"])
    result = Result(placements={"bot1": 1, str(alice.pk): 2}, scores={}, reason="four_in_a_row")
    match_finish(match_id=match.pk, result=result)
    [row] = _history(client, alice)
    assert (row.players, row.placement_text) == (["Alice", "Bot 2 (hard) [bot]"], "2nd")


def test_a_match_with_a_replay_links_to_it_and_one_without_says_so(client, alice, bob) -> None:
    played = match_create(game="connect_four", settings={}, players=[alice, bob])
    finish_through_a_room(str(played.pk))
    _played([alice, bob], placements={alice: 1, bob: 2}, scores={alice: 1, bob: 0})
    client.force_login(alice)
    page = client.get("/accounts/profile/").content.decode()

    assert page.count(f'href="/replay/{played.pk}/"') == 1
    assert page.count("/replay/") == 1
