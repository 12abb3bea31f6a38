"""Two guests set up a lobby and play connect four with the keyboard alone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, expect

from tests.browser.conftest import Player, PlayerFactory

pytestmark = [pytest.mark.browser, pytest.mark.page_only]

# More Tab presses than any page here needs to reach any control.
TABS_ALLOWED = 30


def tab_to(player: Player, target: Locator, *, backwards: bool = False) -> None:
    """Presses Tab (or Shift+Tab) until the target has the focus, which must be visible: as
    a person who uses no mouse would, never clicking."""
    for _ in range(TABS_ALLOWED):
        player.page.keyboard.press("Shift+Tab" if backwards else "Tab")
        if target.evaluate("(element) => element === document.activeElement"):
            break
    else:
        raise AssertionError(f"{TABS_ALLOWED} Tabs never reach {target} on {player.page.url}")
    outline = target.evaluate(
        "(element) => element.matches(':focus-visible')"
        " && getComputedStyle(element).outlineStyle !== 'none'"
    )
    assert outline, f"{target} has the focus on {player.page.url} but shows no outline"


def press(player: Player, role: str, name: str | re.Pattern[str], key: str = "Enter") -> None:
    """Tabs to a control by its role and name, then presses a key on it."""
    tab_to(player, player.page.get_by_role(role, name=name, exact=isinstance(name, str)))
    player.page.keyboard.press(key)


def drop(player: Player, column: int) -> None:
    """Waits for the player's turn; tabs into the column buttons, arrows to the column
    (1 is the leftmost) and presses Enter."""
    expect(player.page.locator("#c4-turn")).to_have_attribute("data-mine", "true")
    columns = player.page.get_by_role("button", name=re.compile(r"^Column \d"))
    if not columns.evaluate_all("(all) => all.includes(document.activeElement)"):
        tab_to(player, player.page.locator(".c4-drop[tabindex='0']"))
    focused = player.page.locator(":focus")
    for _ in range(7):
        if focused.get_attribute("aria-label").startswith(f"Column {column}:"):
            break
        player.page.keyboard.press("ArrowRight")
    expect(focused).to_have_attribute("aria-label", re.compile(f"^Column {column}:"))
    player.page.keyboard.press("Enter")


def test_two_guests_set_up_and_play_connect_four_with_the_keyboard_alone(
    players: PlayerFactory,
) -> None:
    host, friend = players("host"), players("friend")
    host.open("/")
    press(host, "button", "Play as guest")
    press(host, "link", "Create a lobby")
    # One link per game: Enter on connect four's picks it.
    press(host, "link", "Connect Four")
    expect(host.page).to_have_url(re.compile(r"game=connect_four"))
    expect(host.page.get_by_role("link", name="Connect Four")).to_have_attribute(
        "aria-current", "page"
    )
    press(host, "checkbox", "Public: listed for everyone to join", "Space")
    expect(host.page.get_by_label("Public: listed for everyone to join")).not_to_be_checked()
    press(host, "button", "Create lobby")
    expect(host.page.locator("#lobby")).to_be_visible()
    invite = host.page.locator("#invite-link").input_value()

    # The host opens the settings while the friend joins: the lobby updates around them, the
    # settings stay open and the focus where it was.
    settings = host.page.locator("details")
    tab_to(host, settings.locator("summary"))
    host.page.keyboard.press("Enter")
    expect(settings).to_have_attribute("open", "")
    friend.open(invite)
    press(friend, "button", "Play as guest")
    press(friend, "button", "Join lobby")
    expect(friend.page.locator("#lobby")).to_be_visible()
    friend_row = host.page.locator(f'.members li[data-user-id="{friend.user_id()}"]')
    expect(friend_row).to_be_visible()
    expect(settings).to_have_attribute("open", "")
    expect(settings.locator("summary")).to_be_focused()
    # Then waits on Start game while the friend gets ready.
    tab_to(host, host.page.get_by_role("button", name="Start game", exact=True), backwards=True)
    press(friend, "button", "Ready")
    expect(friend_row.locator(".badge.ready")).to_be_visible()
    host.page.keyboard.press("Enter")
    for player in (host, friend):
        expect(player.page).to_have_url(re.compile(r"/play/[0-9a-f-]{36}/$"))

    # Host in column 1, friend in column 2, until the host has four in a row.
    for _ in range(3):
        drop(host, 1)
        drop(friend, 2)
    drop(host, 1)
    expect(host.page.locator("#play-end-title")).to_have_text("You win!")
    # The end panel takes the focus; one Tab on is the way back to the lobby.
    expect(friend.page.locator("#play-end")).to_be_focused()
    friend.page.keyboard.press("Tab")
    expect(friend.page.get_by_role("link", name="Back to lobby")).to_be_focused()
    friend.page.keyboard.press("Enter")
    expect(friend.page.get_by_role("button", name="Ready", exact=True)).to_be_visible()
