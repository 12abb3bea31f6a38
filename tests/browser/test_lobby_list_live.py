"""The lobby list page follows the list socket: rows come, and go by their opaque id."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PlayerFactory

pytestmark = pytest.mark.browser


def test_a_public_lobby_appears_live_and_leaves_when_it_turns_private(
    players: PlayerFactory,
) -> None:
    watcher, host = players("watcher"), players("host")
    watcher.open("/lobbies/")
    expect(watcher.page.locator("#lobby-list")).to_have_attribute("data-live", "true")
    rows = watcher.page.locator("#lobby-list tbody tr").filter(has_text="Live arena")

    host.sign_in_as_guest()
    host.open("/lobbies/new/?game=arena")
    host.page.get_by_label("Name").fill("Live arena")
    host.click("Create lobby")
    expect(rows).to_have_count(1)
    host.page.get_by_text("Change settings").click()
    host.page.get_by_label("Public: listed for everyone to join").uncheck()
    host.click("Save settings")

    expect(rows).to_have_count(0)
    expect(watcher.page.locator("#lobby-list-empty")).to_be_visible()
