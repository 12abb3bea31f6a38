"""A visitor picks connect four and the hard bot, clicks "Play against the computer",
becomes a guest, plays to the end and loses; the bot is marked as a bot wherever its name
shows."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PlayerFactory, play_the_computer, recorded_match
from tests.servers import LiveDatabase

pytestmark = pytest.mark.browser


def test_a_visitor_plays_connect_four_against_the_hard_bot_and_loses(
    players: PlayerFactory, live_database: LiveDatabase
) -> None:
    visitor = players("visitor")
    match_id = play_the_computer(visitor, "connect_four", level="hard")
    expect(visitor.page.locator("#play-status")).to_have_attribute("data-status", "connected")

    turn = visitor.page.locator("#c4-turn")
    end = visitor.page.locator("#play-end")
    moves = 0
    while not end.is_visible():
        # The visitor (red, first) waits for the bot's answer, then drops a disc in the
        # leftmost column with room; the bot answers by itself.
        visitor.page.wait_for_function(
            "() => document.querySelector('#c4-turn').dataset.mine === 'true'"
            " || !document.querySelector('#play-end').hidden"
        )
        if end.is_visible():
            break
        open_column = visitor.page.locator(".c4-drop:not([aria-label$='full'])").first
        open_column.click()
        moves += 1
        expect(visitor.page.locator(".c4-cell.p1:not(.preview)")).to_have_count(moves)
        assert moves <= 21

    # The bot played each of its moves and won: "[bot]" beside its name everywhere.
    expect(turn).to_have_text("Bot 2 (hard) [bot] wins.")
    expect(visitor.page.locator("#play-end-title")).to_have_text("Game over")
    expect(visitor.page.locator("#play-placements")).to_contain_text("1st: Bot 2 (hard) [bot]")
    expect(visitor.page.locator(".c4-cell.p2:not(.preview)")).to_have_count(moves)
    assert recorded_match(live_database, match_id).startswith("finished four_in_a_row 0:2:0 1:1:1")
