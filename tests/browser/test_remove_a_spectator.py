"""The host of a lobby that allows spectators sees who watches the match and removes one
from the play page, with the keyboard; the spectator's page says so, and the game goes on."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    Player,
    PlayerFactory,
    create_lobby,
    join_by_invite,
    start_match,
    watch_by_invite,
)
from tests.browser.contrast import contrast_failures
from tests.browser.test_keyboard import tab_to

pytestmark = pytest.mark.browser

REMOVED = "You were removed from this game by the host."


def display_name(player: Player) -> str:
    """The name the site gives the signed-in guest, as its header shows it."""
    shown = player.page.locator(".site-header nav a", has_text="(guest)").first.inner_text()
    return shown.removesuffix(" (guest)")


def test_the_host_removes_a_spectator_and_plays_on(players: PlayerFactory) -> None:
    host, friend, fan = players("host"), players("friend"), players("fan")
    host.sign_in_as_guest()
    invite = create_lobby(host, "connect_four", spectators=True)
    join_by_invite(friend, invite)
    start_match(host, friend)
    for player in (host, friend):
        expect(player.page.locator("#play-spectators")).to_be_hidden()

    watch_by_invite(fan, invite)
    name = display_name(fan)

    # Everyone sees who watches; only the host may remove them.
    remove = host.page.get_by_role("button", name=f"Remove {name}", exact=True)
    expect(host.page.locator("#play-spectators")).to_have_text(
        re.compile(rf"^\s*Watching:\s*{re.escape(name)}\s*Remove\s*$")
    )
    expect(remove).to_have_text("Remove")
    expect(friend.page.locator("#play-spectators")).to_have_text(
        re.compile(rf"^\s*Watching:\s*{re.escape(name)}\s*$")
    )
    expect(fan.page.locator("#play-spectators")).to_contain_text(f"{name} (you)")
    for player in (friend, fan):
        expect(player.page.get_by_role("button", name=re.compile("^Remove"))).to_have_count(0)
    failures = contrast_failures(host.page) + contrast_failures(friend.page)

    # With the keyboard alone: Tab reaches the button, its focus shows, Enter removes.
    tab_to(host, remove)
    host.page.keyboard.press("Enter")

    expect(fan.page.locator("#play-alert")).to_have_text(REMOVED)
    expect(fan.page.locator("#play-status")).to_have_attribute("data-status", "refused")
    expect(fan.page.locator("#play-status")).to_have_text(REMOVED)
    # Removed for good: the page does not try again, and coming back is refused.
    connection = "() => [window.playConnection.closedForGood, window.playConnection.socket]"
    assert fan.page.evaluate(connection) == [True, None]
    failures += contrast_failures(fan.page)
    for player in (host, friend, fan):
        expect(player.page.locator("#play-spectators")).to_be_hidden()

    # The host's game goes on: a disc each, seen on both sides.
    expect(host.page.locator("#c4-turn")).to_have_attribute("data-mine", "true")
    host.page.locator(".c4-drop").nth(3).click()
    expect(friend.page.locator("#c4-turn")).to_have_attribute("data-mine", "true")
    friend.page.locator(".c4-drop").nth(4).click()
    for player in (host, friend):
        # Placed discs: the host's pointer still over a column previews their next one.
        expect(player.page.locator(".c4-cell.p1:not(.preview)")).to_have_count(1)
        expect(player.page.locator(".c4-cell.p2:not(.preview)")).to_have_count(1)
        expect(player.page.locator("#play-alert")).to_be_hidden()

    fan.page.reload()
    expect(fan.page.locator(".play-refused .error")).to_contain_text("You do not have a seat")
    assert not failures, "\n".join(failures)
