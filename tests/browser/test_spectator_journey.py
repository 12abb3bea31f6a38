"""A guest with the invite link of a private lobby that allows spectators watches its match:
sees it played, cannot play, and is shown no help on controls they cannot use."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    PlayerFactory,
    create_lobby,
    join_by_invite,
    start_match,
    watch_by_invite,
)

pytestmark = pytest.mark.browser


def test_a_guest_with_the_invite_link_watches_the_match_and_cannot_play(
    players: PlayerFactory,
) -> None:
    host, friend, fan = players("host"), players("friend"), players("fan")
    host.sign_in_as_guest()
    invite = create_lobby(host, "connect_four", spectators=True)
    join_by_invite(friend, invite)
    start_match(host, friend)

    watch_by_invite(fan, invite)
    # The help on playing is for those who play.
    expect(host.page.locator(".controls-help")).to_be_visible()
    expect(fan.page.locator(".controls-help")).to_be_hidden()

    expect(host.page.locator("#c4-turn")).to_have_attribute("data-mine", "true")
    host.page.locator(".c4-drop").nth(3).click()
    expect(fan.page.locator(".c4-cell.p1")).to_have_count(1)
    expect(fan.page.locator("#c4-turn")).to_contain_text("'s turn")

    # Clicks and keys send nothing: no input leaves the page, and no error comes back.
    fan.page.locator(".c4-drop").nth(0).click(force=True)
    fan.page.keyboard.press("2")
    sent = "() => [window.playConnection.spectator, window.playConnection.unacked().length]"
    assert fan.page.evaluate(sent) == [True, 0]
    expect(fan.page.locator("#play-alert")).to_be_hidden()
    expect(friend.page.locator(".c4-cell.p1, .c4-cell.p2")).to_have_count(1)


def test_a_spectator_on_a_phone_gets_no_touch_controls_in_the_arena(
    players: PlayerFactory,
) -> None:
    host, friend, fan = players("host"), players("friend", phone=True), players("fan", phone=True)
    host.sign_in_as_guest()
    invite = create_lobby(host, "arena", spectators=True)
    join_by_invite(friend, invite)
    start_match(host, friend)

    watch_by_invite(fan, invite)
    for control in (".arena-stick", ".arena-dash", ".controls-help"):
        expect(friend.page.locator(control)).to_be_visible()
        expect(fan.page.locator(control)).to_be_hidden()
    # Nor does a screen reader tell them how to steer.
    expect(friend.page.locator("canvas")).to_have_attribute("aria-label", re.compile("Steer"))
    expect(fan.page.locator("canvas")).to_have_attribute("aria-label", "Arena field.")
