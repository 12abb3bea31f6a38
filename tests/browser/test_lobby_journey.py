"""The lobby page in Chromium: a kicked player is told so, on a phone-sized screen."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PlayerFactory, create_lobby, join_by_invite

pytestmark = pytest.mark.browser


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
