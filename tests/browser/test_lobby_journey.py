"""The lobby page in Chromium: a kicked player is told so, on a phone-sized screen; a
friend whose page connects just after the start is still taken to the game; the state
drawn again keeps what the host is editing, and keeps its buttons when nothing changed."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, WebSocketRoute, expect

from tests.browser.conftest import Player, PlayerFactory, create_lobby, join_by_invite

pytestmark = pytest.mark.browser


def lobby_tab_held(player: Player) -> tuple[Page, WebSocketRoute]:
    """The lobby page the player is on, opened again in a second tab whose lobby socket
    waits to reach the server until the test lets it (`connect_to_server()`).

    A tab of its own, loaded once, holds exactly one socket. Holding the sockets of the
    player's own page would hold one per lobby page it loaded, and whether a page's
    script opened its socket before the next click took the page away is a race."""
    tab = player.page.context.new_page()
    held: list[WebSocketRoute] = []

    def hold(socket: WebSocketRoute) -> None:
        held.append(socket)

    tab.route_web_socket(re.compile(r"/ws/lobby/"), hold)
    tab.goto(player.page.url)
    for _ in range(250):
        if held:
            break
        tab.wait_for_timeout(20)
    assert len(held) == 1, f"the tab's lobby sockets: {len(held)}, not 1"
    return tab, held[0]


def test_a_kicked_player_is_told_so_on_the_lobby_page(players: PlayerFactory) -> None:
    host, friend = players("host"), players("friend", phone=True)
    host.sign_in_as_guest()
    invite = create_lobby(host, "arena")
    join_by_invite(friend, invite)
    friend.assert_no_horizontal_scroll()

    friend_row = host.page.locator(f'.members li[data-user-id="{friend.user_id()}"]')
    friend_row.get_by_role("button", name="Kick").click()

    notice = friend.page.locator("#lobby-notice")
    expect(notice).to_have_text("The host removed you from this lobby.")
    expect(notice).to_have_class("notice error")
    expect(friend.page.locator("#lobby-state button").first).to_be_disabled()
    expect(host.page.locator(".members li")).to_have_count(1)
    friend.assert_no_horizontal_scroll()

    # The invite link no longer lets them in, and says why.
    friend.open(invite)
    friend.click("Join lobby")
    expect(friend.page.locator(".messages li.error")).to_have_text(
        "You were removed from this lobby and cannot join it again."
    )


def test_a_friend_whose_lobby_page_connects_after_the_start_still_goes_to_the_game(
    players: PlayerFactory,
) -> None:
    host, friend = players("host"), players("friend")
    host.sign_in_as_guest()
    join_by_invite(friend, create_lobby(host, "connect_four"))
    tab, held = lobby_tab_held(friend)

    # The friend is ready; the host starts before the tab's socket is through.
    friend_row = host.page.locator(f'.members li[data-user-id="{friend.user_id()}"]')
    expect(friend_row.locator(".badge.ready")).to_be_visible()
    host.click("Start game")
    expect(host.page).to_have_url(re.compile(r"/play/[0-9a-f-]{36}/$"))
    expect(tab.locator(".in-game")).to_have_count(0)
    held.connect_to_server()
    expect(tab).to_have_url(host.page.url)


def test_settings_the_host_is_editing_survive_a_friend_joining(players: PlayerFactory) -> None:
    host, friend = players("host"), players("friend")
    host.sign_in_as_guest()
    invite = create_lobby(host, "arena")
    settings = host.page.locator("#lobby-state details")
    settings.locator("summary").click()
    length = settings.get_by_label("Match length (seconds)")
    length.fill("45")
    dash = settings.get_by_label("Allow dashing")
    dash.uncheck()

    # The friend joins: the lobby's state is drawn again around the host's edits.
    join_by_invite(friend, invite)
    expect(host.page.locator(f'.members li[data-user-id="{friend.user_id()}"]')).to_be_visible()
    expect(settings).to_have_attribute("open", "")
    expect(length).to_have_value("45")
    expect(dash).not_to_be_checked()


def test_a_fresh_copy_that_shows_nothing_new_leaves_the_buttons_alone(
    players: PlayerFactory,
) -> None:
    """The socket's first message has the page fetch the lobby's state again. When
    nothing changed, the buttons stay the very same elements: a click that lands as the
    copy arrives is not lost to a button swapped between its press and its release."""
    host, friend = players("host"), players("friend")
    host.sign_in_as_guest()
    join_by_invite(friend, create_lobby(host, "connect_four"))
    tab, held = lobby_tab_held(friend)
    tab.evaluate("window.kept = document.querySelector('#lobby-state button.primary')")

    with tab.expect_response(re.compile(r"/state/$")) as fetched:
        held.connect_to_server()
    fetched.value.finished()
    # The page compares the copy with what it shows once the body is read: a moment later.
    tab.wait_for_timeout(250)
    assert tab.evaluate("window.kept.isConnected && window.kept.textContent") == "Not ready"
