"""Two guests play connect four to a win, then one watches its replay: play, pause, a
jump to any tick with the keyboard, another speed, the players' names and the result; and
a replay whose frames do not load says so."""

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
from tests.replay_check import replayed_in_the_live_database
from tests.servers import LiveDatabase

pytestmark = pytest.mark.browser


def drop(player: Player, column: int) -> None:
    expect(player.page.locator("#c4-turn")).to_have_attribute("data-mine", "true")
    player.page.locator(".c4-drop").nth(column).click()


def shown_tick(player: Player) -> int:
    return int(player.page.locator("#replay-tick").input_value())


def test_a_player_watches_the_replay_of_the_match_they_just_won(
    players: PlayerFactory, live_database: LiveDatabase
) -> None:
    host, friend = players("host"), players("friend")
    host.sign_in_as_guest()
    join_by_invite(friend, create_lobby(host, "connect_four"))
    match_id = start_match(host, friend)
    for _ in range(3):
        drop(host, 0)
        drop(friend, 1)
    drop(host, 0)
    expect(host.page.locator("#play-end")).to_be_visible()
    names = [
        host.page.evaluate(f"() => window.playConnection.players['{player.user_id()}'].name")
        for player in (host, friend)
    ]
    assert replayed_in_the_live_database(live_database, match_id) == "equal"

    page = host.page
    with page.expect_response(re.compile(r"/replay/frames/$")) as frames:
        host.click("Watch the replay", role="link")
    # The frames come from the API, as they were kept: gzip-compressed.
    assert frames.value.status == 200
    assert frames.value.headers["content-encoding"] == "gzip"
    expect(page).to_have_url(re.compile(f"/replay/{match_id}/$"))
    expect(page.locator("#replay-result")).to_contain_text(f"1st: {names[0]}, 1 point")
    expect(page.locator("#replay-result")).to_contain_text(f"2nd: {names[1]}, 0 points")
    expect(page.locator("#replay-reason")).to_have_text("Four in a row!")
    # Nobody plays a replay: no help on the game's controls.
    expect(page.locator(".controls-help")).to_be_hidden()
    # Tick 0: an empty board, the names as the match seated them.
    expect(page.locator(".c4-cell.p1, .c4-cell.p2")).to_have_count(0)
    expect(page.locator("#c4-turn")).to_have_text(f"{names[0]}'s turn (red).")
    last = int(page.locator("#replay-tick").get_attribute("max"))

    host.click("Play")
    expect(page.get_by_role("button", name="Pause")).to_have_attribute("aria-pressed", "true")
    page.wait_for_function("() => window.replayPlayback.tick > 0")
    host.click("Pause")
    paused_at = shown_tick(host)
    page.wait_for_timeout(300)
    assert shown_tick(host) == paused_at

    # The scrubber, by keyboard: the end, then back one tick at a time.
    scrubber = page.get_by_role("slider", name="Tick")
    scrubber.focus()
    page.keyboard.press("End")
    assert shown_tick(host) == last
    expect(page.locator(".c4-cell.win")).to_have_count(4)
    expect(page.locator("#c4-turn")).to_have_text(f"{names[0]} wins.")
    expect(page.locator("#replay-time")).to_contain_text(f"Tick {last} of {last}")
    page.keyboard.press("Home")
    expect(page.locator(".c4-cell.p1, .c4-cell.p2")).to_have_count(0)

    # At 4x from the start, the whole match plays in a quarter of its time.
    page.get_by_label("Speed").select_option("4")
    started = page.evaluate("() => performance.now()")
    host.click("Play")
    page.wait_for_function("() => !window.replayPlayback.playing", timeout=30_000)
    seconds = (page.evaluate("() => performance.now()") - started) / 1000
    assert shown_tick(host) == last
    expect(page.locator(".c4-cell.p1, .c4-cell.p2")).to_have_count(7)
    assert seconds < last / 10 / 2, f"{last} ticks at 4x took {seconds:.1f} s"

    # Frames that cannot be fetched (the network dropped): the page says so, and its
    # controls stay off.
    page.route(re.compile(r"/replay/frames/$"), lambda route: route.abort())
    page.reload()
    expect(page.locator("#play-alert")).to_have_text(
        "The replay did not load: check your connection, then reload the page."
    )
    expect(page.get_by_role("button", name="Play")).to_be_disabled()
