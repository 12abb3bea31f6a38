"""Two guests play a rated connect four match: both profiles show what it did to their
rating, and the leaderboard tells them their rating is provisional."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    Player,
    PlayerFactory,
    create_lobby,
    join_by_invite,
    recorded_match,
    start_match,
)
from tests.browser.contrast import contrast_failures
from tests.browser.test_connect_four_journey import drop
from tests.servers import LiveDatabase

pytestmark = pytest.mark.browser


def open_profile_once_rated(player: Player) -> None:
    """The profile, reloaded until the match's rating shows: ratings are written just
    after the result, off the room's loop."""
    deadline = time.monotonic() + 10
    player.open("/accounts/profile/")
    while not player.page.locator(".rated-matches").count() and time.monotonic() < deadline:
        time.sleep(0.3)
        player.page.reload()
    expect(player.page.locator(".rated-matches tbody tr")).to_have_count(1)


def test_a_rated_match_shows_on_both_profiles_and_the_leaderboard(
    players: PlayerFactory, live_database: LiveDatabase
) -> None:
    host, friend = players("host"), players("friend", phone=True)
    host.sign_in_as_guest()
    invite = create_lobby(host, "connect_four")
    join_by_invite(friend, invite)
    match_id = start_match(host, friend)
    for _ in range(3):
        drop(host, 0)
        drop(friend, 1)
    drop(host, 0)
    expect(host.page.locator("#play-end-title")).to_have_text("You win!")
    assert recorded_match(live_database, match_id).startswith("finished")
    failures: list[str] = []

    open_profile_once_rated(host)
    expect(host.page.locator(".rated-matches .rating-change")).to_have_text(re.compile(r"^\+\d+$"))
    failures.extend(contrast_failures(host.page))
    open_profile_once_rated(friend)
    expect(friend.page.locator(".rated-matches .rating-change")).to_have_text(
        re.compile("^\N{MINUS SIGN}\\d+$")
    )

    host.click("Leaderboards", role="link")
    failures.extend(contrast_failures(host.page))
    host.click("See the Connect Four leaderboard", role="link")
    expect(host.page.locator("#your-standing")).to_contain_text(
        "It is provisional, so it is not listed yet: play 4 more rated matches"
    )
    failures.extend(contrast_failures(host.page))
    friend.open("/leaderboards/connect_four/")
    friend.assert_no_horizontal_scroll()
    assert not failures, "\n".join(failures)
