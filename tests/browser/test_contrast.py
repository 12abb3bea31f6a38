"""Every page's text has WCAG AA contrast, in the states a player sees it in."""

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
)
from tests.browser.contrast import contrast_failures

pytestmark = [pytest.mark.browser, pytest.mark.page_only]


def check(player: Player, failures: list[str]) -> None:
    """Collects the page's contrast failures (the test reports them all at the end)."""
    failures.extend(contrast_failures(player.page))


def test_pages_outside_a_match_have_enough_contrast(players: PlayerFactory) -> None:
    visitor, host, friend = players("visitor"), players("host"), players("friend", phone=True)
    failures: list[str] = []

    for path in (
        "/",
        "/lobbies/",
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
    ):
        visitor.open(path)
        check(visitor, failures)
    # A failed sign-in shows its error.
    visitor.open("/accounts/login/")
    visitor.page.get_by_label("Username").fill("nobody")
    visitor.page.get_by_label("Password").fill("wrong password")
    visitor.click("Sign in")
    expect(visitor.page.locator(".error").first).to_be_visible()
    check(visitor, failures)

    host.sign_in_as_guest()
    check(host, failures)
    for path in ("/lobbies/", "/lobbies/new/?game=arena", "/lobbies/new/?game=connect_four"):
        host.open(path)
        check(host, failures)
    invite = create_lobby(host, "connect_four")
    friend.open(invite)
    check(friend, failures)
    join_by_invite(friend, invite)
    # The lobby with a chat line and a notice, a friend ready and one not: both sides.
    host.page.get_by_role("button", name="Copy").click()
    expect(host.page.locator("#lobby-notice")).to_be_visible()
    friend.page.get_by_label("Message").fill("Hello there")
    friend.page.get_by_label("Message").press("Enter")
    expect(host.page.locator("#chat-log li")).to_have_count(1)
    check(host, failures)
    check(friend, failures)
    friend.click("Not ready")
    expect(host.page.locator(".badge.waiting")).to_be_visible()
    host.page.locator("summary").click()
    check(host, failures)
    check(friend, failures)

    # The host removes the friend: a message for one, an error notice for the other.
    friend_row = host.page.locator(f'.members li[data-user-id="{friend.user_id()}"]')
    friend_row.get_by_role("button", name="Kick").click()
    expect(host.page.locator(".messages li")).to_be_visible()
    expect(friend.page.locator("#lobby-notice.error")).to_be_visible()
    check(host, failures)
    check(friend, failures)
    # A wrong lobby code, and a saved display name.
    host.open("/lobbies/")
    host.page.get_by_label("Lobby code").fill("NOSUCH")
    host.click("Join")
    expect(host.page.locator(".messages li.error")).to_be_visible()
    check(host, failures)
    host.open("/accounts/profile/")
    host.click("Save display name")
    expect(host.page.locator(".messages li")).to_be_visible()
    check(host, failures)
    assert not failures, "\n".join(failures)


def test_play_pages_have_enough_contrast(players: PlayerFactory) -> None:
    host, friend = players("host"), players("friend", phone=True)
    failures: list[str] = []
    host.sign_in_as_guest()
    join_by_invite(friend, create_lobby(host, "connect_four"))
    start_match(host, friend)

    # Connect four: the host to move, the friend told it is not their turn.
    expect(host.page.locator("#c4-turn")).to_have_attribute("data-mine", "true")
    friend.page.keyboard.press("3")
    expect(friend.page.locator("#play-alert")).to_be_visible()
    check(host, failures)
    check(friend, failures)
    # Played to a win: the end panel, and the match in the host's history.
    for column in (0, 1, 0, 1, 0, 1, 0):
        player = host if column == 0 else friend
        expect(player.page.locator("#c4-turn")).to_have_attribute("data-mine", "true")
        player.page.keyboard.press(str(column + 1))
    for player in (host, friend):
        expect(player.page.locator("#play-end")).to_be_visible()
        check(player, failures)
    host.open("/accounts/profile/")
    expect(host.page.locator(".match-history")).to_be_visible()
    check(host, failures)

    # Arena, the friend on a phone (with the stick and the dash button).
    invite = create_lobby(host, "arena")
    friend.open(invite)
    friend.click("Join lobby")
    friend.click("Ready")
    start_match(host, friend)
    for player in (host, friend):
        expect(player.page.locator(".arena-scores li")).to_have_count(2)
        expect(player.page.locator("#play-ping")).to_have_text(re.compile(r"\d+ ms"))
        check(player, failures)
    expect(friend.page.get_by_role("button", name="Dash")).to_be_visible()
    # The connection drops: the status line says so until it is back.
    friend.page.evaluate("() => window.playConnection.socket.close()")
    expect(friend.page.locator("#play-status")).to_have_attribute("data-status", "lost")
    check(friend, failures)
    assert not failures, "\n".join(failures)
