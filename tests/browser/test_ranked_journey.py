"""Two signed-in players click "Ranked Connect Four" on the lobby list and land in the
same match, which starts by itself."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PlayerFactory

pytestmark = pytest.mark.browser

PLAY_PAGE = re.compile(r"/play/([0-9a-f-]{36})/$")


def test_two_players_click_ranked_and_land_in_the_same_match(players: PlayerFactory) -> None:
    first, second = players("first"), players("second")
    for player in (first, second):
        player.sign_in_as_guest()
        player.open("/lobbies/")

    first.click("Ranked Connect Four", role="link")
    expect(first.page.locator("#ranked-status")).to_contain_text("players within 100 of your 1000")
    second.click("Ranked Connect Four", role="link")

    for player in (first, second):
        expect(player.page).to_have_url(PLAY_PAGE)
        expect(player.page.locator("#play-status")).to_have_attribute("data-status", "connected")
    assert first.page.url == second.page.url
    # A lobby's match: the way back leads to its lobby, for a rematch.
    expect(first.page.locator("#play-back")).to_have_attribute("href", re.compile(r"^/lobby/"))
