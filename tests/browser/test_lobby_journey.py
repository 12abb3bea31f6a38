"""The lobby page in Chromium: a kicked player is told so, on a phone-sized screen; a
friend whose page connects just after the start is still taken to the game; the state
drawn again keeps what the host is editing, and keeps its buttons when nothing changed."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import WebSocketRoute, expect

from tests.browser.conftest import Player, PlayerFactory, create_lobby, join_by_invite

pytestmark = pytest.mark.browser


def held_lobby_sockets(player: Player) -> list[WebSocketRoute]:
    """From now on the player's lobby sockets wait to reach the server until the test
    lets them (`connect_to_server()`); returns the list they are added to, in order."""
    waiting: list[WebSocketRoute] = []

    def hold(socket: WebSocketRoute) -> None:
        waiting.append(socket)

    player.page.route_web_socket(re.compile(r"/ws/lobby/"), hold)
    return waiting


def socket_of_the_page_after_ready(player: Player, waiting: list[WebSocketRoute]) -> WebSocketRoute:
    """The held socket of the lobby page the Ready click loaded: the second, after the one
    of the page the join loaded. The test waits for it, as seeing that page's "Not ready"
    button does not mean its script has opened its socket yet."""
    for _ in range(250):
        if len(waiting) >= 2:
            break
        player.page.wait_for_timeout(20)
    assert len(waiting) == 2, (
        f"{len(waiting)} lobby sockets held, not the two of the join and Ready"
    )
    return waiting[1]


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
    waiting = held_lobby_sockets(friend)
    host.sign_in_as_guest()
    join_by_invite(friend, create_lobby(host, "connect_four"))
    reloaded = socket_of_the_page_after_ready(friend, waiting)

    # The friend clicked Ready; the host starts before the reloaded page's socket is through.
    friend_row = host.page.locator(f'.members li[data-user-id="{friend.user_id()}"]')
    expect(friend_row.locator(".badge.ready")).to_be_visible()
    host.click("Start game")
    expect(host.page).to_have_url(re.compile(r"/play/[0-9a-f-]{36}/$"))
    expect(friend.page.locator(".in-game")).to_have_count(0)
    reloaded.connect_to_server()
    expect(friend.page).to_have_url(host.page.url)


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
    waiting = held_lobby_sockets(friend)
    host.sign_in_as_guest()
    join_by_invite(friend, create_lobby(host, "connect_four"))
    reloaded = socket_of_the_page_after_ready(friend, waiting)
    friend.page.evaluate("window.kept = document.querySelector('#lobby-state button.primary')")

    with friend.page.expect_response(re.compile(r"/state/$")) as fetched:
        reloaded.connect_to_server()
    fetched.value.finished()
    # The page compares the copy with what it shows once the body is read: a moment later.
    friend.page.wait_for_timeout(250)
    assert friend.page.evaluate("window.kept.isConnected && window.kept.textContent") == "Not ready"
