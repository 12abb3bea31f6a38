"""A dozen queued players of spread ratings: matched only within their windows, which
widen with the time waited (the clock pinned, never slept on), each in one match started
as a lobby's, so rematches, history and ratings work as for any lobby."""

from __future__ import annotations

from datetime import timedelta

import pytest
from prometheus_client import REGISTRY

from games.models import Match, MatchPlayer
from lobby.models import Lobby
from ranked.models import QueueEntry
from ranked.services import queue_match, queue_status, queue_window

pytestmark = pytest.mark.django_db

# Five pairs within 100 points of each other, and two players 400 points apart.
SPREAD = [700, 760, 850, 900, 1000, 1010, 1100, 1180, 1300, 1350, 1500, 1900]


def shown_ratings(match: Match) -> list[int]:
    return sorted(
        seat.user.ratings.get(game=match.game).displayed
        for seat in match.players.select_related("user")
    )


def still_waiting() -> set[int]:
    return set(QueueEntry.objects.filter(match__isnull=True).values_list("rating", flat=True))


def test_the_window_starts_narrow_and_widens_with_the_wait_up_to_its_most(settings) -> None:
    settings.RANKED_WINDOW_START, settings.RANKED_WINDOW_PER_SECOND = 100, 10
    settings.RANKED_WINDOW_MAX = 1000
    assert [queue_window(seconds) for seconds in (0, 1, 30, 90, 600)] == [100, 110, 400, 1000, 1000]


def test_a_dozen_players_are_matched_only_within_their_windows(queued, since) -> None:
    queued(SPREAD)

    matches = queue_match(game="connect_four", now=since)

    assert sorted(shown_ratings(match) for match in matches) == [
        [700, 760],
        [850, 900],
        [1000, 1010],
        [1100, 1180],
        [1300, 1350],
    ]
    assert still_waiting() == {1500, 1900}


def test_the_farthest_two_meet_once_their_windows_widened_enough(queued, since) -> None:
    queued(SPREAD)
    queue_match(game="connect_four", now=since)

    for waited in (10, 20, 29):
        now = since + timedelta(seconds=waited)
        QueueEntry.objects.update(seen_at=now)
        assert queue_match(game="connect_four", now=now) == [], f"matched after {waited} s"
    now = since + timedelta(seconds=30)
    QueueEntry.objects.update(seen_at=now)
    (match,) = queue_match(game="connect_four", now=now)

    assert shown_ratings(match) == [1500, 1900]
    assert still_waiting() == set()


def test_nobody_is_in_two_matches_and_each_match_has_a_lobby_in_game(queued, since) -> None:
    users = queued([1000] * 12)

    matches = queue_match(game="connect_four", now=since)
    matches += queue_match(game="connect_four", now=since)

    assert len(matches) == 6
    seats = list(MatchPlayer.objects.values_list("user_id", flat=True))
    assert sorted(seats) == sorted(user.pk for user in users)
    for match in matches:
        assert match.lobby.state == Lobby.State.IN_GAME
        assert not match.lobby.is_public
        assert set(match.lobby.memberships.values_list("user_id", flat=True)) == set(
            match.players.values_list("user_id", flat=True)
        )


def test_a_matched_player_is_told_where_to_play(queued, since) -> None:
    alice, _ = queued([1000, 1050])
    (match,) = queue_match(game="connect_four", now=since)

    place = queue_status(user=alice, now=since)

    assert place is not None
    assert (place["state"], place["match_id"]) == ("matched", str(match.pk))
    assert place["play_url"] == f"/play/{match.pk}/"


def test_a_bigger_game_waits_for_its_most_players_then_starts_with_fewer(
    queued, since, settings
) -> None:
    settings.RANKED_FULL_WAIT_SECONDS = 20
    queued([1000, 1020, 1040], game="arena")

    assert queue_match(game="arena", now=since) == []
    later = since + timedelta(seconds=20)
    QueueEntry.objects.update(seen_at=later)
    (match,) = queue_match(game="arena", now=later)

    assert shown_ratings(match) == [1000, 1020, 1040]


def test_a_player_not_heard_from_leaves_the_queue_and_is_not_matched(
    queued, since, settings
) -> None:
    settings.RANKED_PRESENCE_SECONDS = 30
    alice, _ = queued([1000, 1000])
    later = since + timedelta(seconds=31)
    QueueEntry.objects.filter(user=alice).update(seen_at=later)

    assert queue_match(game="connect_four", now=later) == []
    assert list(QueueEntry.objects.values_list("user_id", flat=True)) == [alice.pk]


def test_a_player_of_another_running_match_is_not_matched(queued, since) -> None:
    alice, bob, carol = queued([1000, 1000, 1000])
    (first,) = queue_match(game="connect_four", now=since)
    free = (
        {alice.pk, bob.pk, carol.pk} - set(first.players.values_list("user_id", flat=True))
    ).pop()
    # The one still queued waits: the others play, and a fourth player comes.
    (dave,) = queued([1000], prefix="d")

    (second,) = queue_match(game="connect_four", now=since)

    assert set(second.players.values_list("user_id", flat=True)) == {free, dave.pk}


def _matchings(game: str) -> float:
    return REGISTRY.get_sample_value("game_ranked_matchings_total", {"game": game}) or 0.0


def test_waiting_players_reads_run_the_matching_once_per_interval(queued, since, settings) -> None:
    # An hour's window (rate windows start on the hour): the reads fall in one.
    settings.RANKED_MATCHING_SECONDS = 3600
    players = queued([700, 1300, 1900])
    before = _matchings("connect_four")

    places = [queue_status(user=user, now=since) for _ in range(10) for user in players]

    # Thirty reads of three players too far apart to match: each answered its place, and
    # the first of them ran the matching.
    assert [place["state"] for place in places if place] == ["waiting"] * 30
    assert _matchings("connect_four") - before == 1


def test_a_read_just_after_a_join_matches_at_once_whatever_the_interval(
    queued, since, settings
) -> None:
    # An hour's window (rate windows start on the hour): the reads fall in one.
    settings.RANKED_MATCHING_SECONDS = 3600
    (alice,) = queued([1000])
    assert queue_status(user=alice, now=since)["state"] == "waiting"
    (bob,) = queued([1050], prefix="q")
    before = _matchings("connect_four")

    read = queue_status(user=bob, now=since)
    first_turn = queue_status(user=bob, now=since, just_joined=True)

    # A read within the interval left the matching to the next; a socket's first turn
    # ran it, and found the pair.
    assert (read["state"], first_turn["state"]) == ("waiting", "matched")
    assert _matchings("connect_four") - before == 1
