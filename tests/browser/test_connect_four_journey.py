"""Two guests play connect four to a win; one of them, on a phone, reloads mid-match."""

from __future__ import annotations

import re

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
from tests.servers import LiveDatabase

pytestmark = pytest.mark.browser


def drop(player: Player, column: int) -> None:
    """Waits for the player's turn, then drops a disc in a column (0 is the leftmost)."""
    expect(player.page.locator("#c4-turn")).to_have_attribute("data-mine", "true")
    player.page.locator(".c4-drop").nth(column).click()


def discs(player: Player) -> int:
    return player.page.locator(".c4-cell.p1, .c4-cell.p2").count()


def test_two_guests_play_connect_four_to_a_win_through_a_reload(
    players: PlayerFactory, live_database: LiveDatabase
) -> None:
    host, friend = players("host"), players("friend", phone=True)
    host.sign_in_as_guest()
    invite = create_lobby(host, "connect_four")

    join_by_invite(friend, invite)
    friend.assert_no_horizontal_scroll()
    match_id = start_match(host, friend)
    assert friend.clicks <= 3
    friend.assert_no_horizontal_scroll()

    # The host (red, first) stacks column 1; the friend (yellow) answers in column 2.
    for move in range(3):
        drop(host, 0)
        drop(friend, 1)
        # The disc the room placed, not the preview of it under the pointer.
        expect(friend.page.locator(".c4-cell.p2:not(.preview)")).to_have_count(move + 1)

    # Mid-match, the friend reloads: same seat, same board, and it is still the host's turn.
    friend.page.reload()
    expect(friend.page.locator("#play-status")).to_have_attribute("data-status", "connected")
    expect(friend.page.locator(".c4-cell.p1")).to_have_count(3)
    expect(friend.page.locator(".c4-cell.p2")).to_have_count(3)
    expect(friend.page.locator("#c4-turn")).to_have_attribute("data-mine", "false")
    assert friend.page.evaluate("() => window.playConnection.you") == friend.user_id()

    # The friend tries to move out of turn and is told so.
    friend.page.keyboard.press("5")
    expect(friend.page.locator("#play-alert")).to_have_text("It is not your turn yet.")

    drop(host, 0)
    for player in (host, friend):
        expect(player.page.locator(".c4-cell.win")).to_have_count(4)
        expect(player.page.locator("#c4-turn")).to_contain_text("wins.")
        expect(player.page.locator("#play-end")).to_be_visible()
        expect(player.page.locator("#play-end-reason")).to_have_text("Four in a row!")
    expect(host.page.locator("#play-end-title")).to_have_text("You win!")
    expect(friend.page.locator("#play-end-title")).to_have_text("Game over")
    # The winning line is the host's column, rows 1 to 4.
    winning = host.page.locator(".c4-cell.win")
    for index in range(4):
        expect(winning.nth(index)).to_have_attribute(
            "aria-label", re.compile(f"^Row {4 - index}, column 1: ")
        )
    assert discs(friend) == 7
    friend.assert_no_horizontal_scroll()

    record = recorded_match(live_database, match_id)
    assert record.split()[:2] == ["finished", "four_in_a_row"], record
    assert [seat.split(":")[:2] for seat in record.split()[2:]] == [["0", "1"], ["1", "2"]]
