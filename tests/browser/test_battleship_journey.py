"""Two guests play a quick battleship match to its end: each sees their own fleet and none
of the other's, one fires by mouse and the other by keyboard, and the end shows both."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    Player,
    PlayerFactory,
    join_by_invite,
    recorded_match,
    start_match,
)
from tests.servers import LiveDatabase

pytestmark = pytest.mark.browser

SIZE = 6


def create_quick_lobby(host: Player) -> str:
    """A private lobby of battleship on a 6 x 6 sea with the small fleet (9 ship cells)."""
    host.open("/lobbies/new/?game=battleship")
    host.page.get_by_label("Public: listed for everyone to join").uncheck()
    host.page.get_by_label("Board size (cells a side)").fill(str(SIZE))
    host.page.get_by_label("Fleet", exact=True).select_option("small")
    host.click("Create lobby")
    expect(host.page.locator("#lobby")).to_be_visible()
    return host.page.locator("#invite-link").input_value()


def home_fleet(player: Player) -> set[str]:
    """The "row,column" cells of the player's own ships, as their page shows them."""
    cells = player.page.locator("#bs-home-sea .bs-cell.ship")
    return {cells.nth(index).get_attribute("data-cell") or "" for index in range(cells.count())}


def ship_cells(player: Player, ship: str) -> set[str]:
    """The cells of one of the player's own ships, by the names the page gives them."""
    cells = player.page.locator(f'#bs-home-sea .bs-cell[aria-label$=": your {ship}"]')
    return {cells.nth(index).get_attribute("data-cell") or "" for index in range(cells.count())}


def open_corner(fleet: set[str]) -> tuple[int, int]:
    """A cell with open water to its right and below it: room for a destroyer either way."""
    return next(
        (r, c)
        for r in range(SIZE - 1)
        for c in range(SIZE - 1)
        if not {f"{r},{c}", f"{r},{c + 1}", f"{r + 1},{c}"} & fleet
    )


def water(fleet: set[str]) -> str:
    return next(f"{r},{c}" for r in range(SIZE) for c in range(SIZE) if f"{r},{c}" not in fleet)


def fire(player: Player, cell: str, outcome: str) -> None:
    """Waits for the player's turn, clicks a cell of the enemy waters, sees the outcome."""
    expect(player.page.locator("#bs-status")).to_have_attribute("data-mine", "true")
    target = player.page.locator(f'#bs-target-sea .bs-cell[data-cell="{cell}"]')
    target.click()
    expect(target).to_have_class(re.compile(rf"\b{outcome}\b"))


def test_two_guests_play_battleship_to_the_end_without_seeing_each_others_fleet(
    players: PlayerFactory, live_database: LiveDatabase
) -> None:
    host, friend = players("host"), players("friend", phone=True)
    host.sign_in_as_guest()
    invite = create_quick_lobby(host)
    join_by_invite(friend, invite)
    match_id = start_match(host, friend)
    friend.assert_no_horizontal_scroll()

    # Placing: each has a random fleet of nine cells; the host shuffles it, both get ready.
    for player in (host, friend):
        expect(player.page.locator("#bs-status")).to_have_text(
            "Place your fleet, then press Ready."
        )
        expect(player.page.locator("#bs-home-sea .bs-cell.ship")).to_have_count(9)
        expect(player.page.locator("#bs-target-sea .bs-cell.ship")).to_have_count(0)
    host.click("Random placement")
    expect(host.page.locator("#bs-home-sea .bs-cell.ship")).to_have_count(9)
    host.click("Ready")
    expect(host.page.locator("#bs-status")).to_contain_text("to place their fleet.")
    # The friend moves their destroyer by hand: pick it, click open water, turn it.
    row, column = open_corner(home_fleet(friend))
    home = friend.page.locator("#bs-home-sea")
    home.locator(f'.bs-cell[data-cell="{min(ship_cells(friend, "destroyer"))}"]').click()
    home.locator(f'.bs-cell[data-cell="{row},{column}"]').click()
    expect(home.locator(f'.bs-cell[data-cell="{row},{column}"]')).to_have_attribute(
        "aria-label", f"{'ABCDEF'[column]}{row + 1}: your destroyer"
    )
    moved = ship_cells(friend, "destroyer")
    (stern,) = {f"{row + 1},{column}", f"{row},{column + 1}"} - moved
    friend.click("Turn ship")
    expect(home.locator(f'.bs-cell[data-cell="{stern}"]')).to_have_attribute(
        "aria-label", re.compile(": your destroyer$")
    )
    assert ship_cells(friend, "destroyer") == {f"{row},{column}", stern}
    expect(home.locator(".bs-cell.ship")).to_have_count(9)
    friend.click("Ready")
    host_fleet, friend_fleet = home_fleet(host), home_fleet(friend)
    assert len(host_fleet) == len(friend_fleet) == 9

    # The host fires first and misses.
    fire(host, water(friend_fleet), "miss")
    expect(friend.page.locator("#bs-status")).to_have_text("Your turn: fire at the enemy waters.")
    # The friend fires with the keyboard alone: from A1, arrow keys to open water, Enter.
    target = water(host_fleet)
    row, column = map(int, target.split(","))
    friend.page.locator('#bs-target-sea .bs-cell[data-cell="0,0"]').focus()
    for key in ["ArrowDown"] * row + ["ArrowRight"] * column + ["Enter"]:
        friend.page.keyboard.press(key)
    miss = host.page.locator(f'#bs-home-sea .bs-cell[data-cell="{target}"]')
    expect(miss).to_have_class("bs-cell miss last")
    expect(miss).to_have_attribute("aria-label", f"{'ABCDEF'[column]}{row + 1}: miss")
    # Enter again: the turn has passed.
    friend.page.keyboard.press("Enter")
    expect(friend.page.locator("#play-alert")).to_have_text("It is not your turn yet.")

    # A hit fires again: the host sinks the friend's whole fleet without giving up the turn.
    for cell in sorted(friend_fleet):
        fire(host, cell, "hit")
    expect(host.page.locator("#bs-target-sea .bs-cell.sunk")).to_have_count(9)

    for player in (host, friend):
        expect(player.page.locator("#play-end")).to_be_visible()
        expect(player.page.locator("#play-end-reason")).to_have_text("The whole fleet is sunk!")
    expect(host.page.locator("#play-end-title")).to_have_text("You win!")
    expect(friend.page.locator("#play-end-title")).to_have_text("Game over")
    # Over, the end screen shows the fleet the friend never found.
    expect(friend.page.locator("#bs-target-sea .bs-cell.ship")).to_have_count(9)
    assert home_fleet(host) == host_fleet
    friend.assert_no_horizontal_scroll()

    record = recorded_match(live_database, match_id)
    assert record.split()[:2] == ["finished", "fleet_sunk"], record
    assert [seat.split(":") for seat in record.split()[2:]] == [["0", "1", "3"], ["1", "2", "0"]]
