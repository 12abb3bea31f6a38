"""The arena plays on when its tab is hidden mid-move, frozen a while, and shown again."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.arena_page import (
    AT_REST,
    EXCESS_ALLOWED,
    FPS_REQUIRED,
    JUMP_ALLOWED,
    LONG_FRAMES_ALLOWED,
    SPEED,
    collect_samples,
    drawn,
    freeze_on_next_ping,
    hide_tab,
    server_body,
    show_tab,
    start_arena_match,
    start_sampling,
    wait_for_drawn,
)
from tests.browser.conftest import PlayerFactory

pytestmark = [pytest.mark.browser, pytest.mark.page_only]

FROZEN_MS = 2500
SAMPLE_MS = 1500
# At most 199 ms, for a ping on the test's own machine; one that counts the freeze is longer.
PING_ALLOWED = re.compile(r"^ping 1?\d?\d ms$")


def test_a_tab_hidden_mid_move_stops_its_player_and_plays_on_when_shown(
    players: PlayerFactory,
) -> None:
    match = start_arena_match(players)
    host, friend, host_id, friend_id = match.host, match.friend, match.host_id, match.friend_id
    start = drawn(friend.page, friend_id)

    # The friend runs right and switches tabs with the key still down: its key-up never comes.
    friend.page.keyboard.down("KeyD")
    wait_for_drawn(friend.page, friend_id, f"at.x > {start['x'] + 60}")
    last_seen = drawn(friend.page, friend_id)
    sent_before = len(match.friend_inputs)
    hide_tab(friend.page)
    # While the friend is away the host runs up, and the hidden tab is frozen a while.
    host.page.keyboard.down("ArrowUp")
    freeze_on_next_ping(friend.page, FROZEN_MS)
    # Hidden, the page sent one thing: a stop.
    assert match.friend_inputs[sent_before:] == [{"dir": [0, 0]}]

    show_tab(friend.page)
    host.page.keyboard.up("ArrowUp")
    host.page.keyboard.down("ArrowLeft")
    # At once the ping shown is measured afresh, not across the freeze.
    ping = friend.page.locator("#play-ping")
    expect(ping).to_have_text(PING_ALLOWED, timeout=1000)

    # From the first frame after, the page draws at frame rate again: the friend standing
    # still close to where they were last drawn (no snap, no run to the wall), the host
    # running left smoothly.
    start_sampling(friend.page, SAMPLE_MS)
    own = collect_samples(friend.page, friend_id, SAMPLE_MS)
    seen = collect_samples(friend.page, host_id, SAMPLE_MS)
    print(f"\nafter the tab is shown: own {own}; host {seen}")
    assert (own["moved"], own["moved_y"], own["max_jump"]) == (0, 0, 0), own
    assert abs(own["first"]["x"] - last_seen["x"]) <= JUMP_ALLOWED, (own, last_seen)
    assert own["fps"] >= FPS_REQUIRED, own
    assert seen["moved"] > SPEED * SAMPLE_MS / 1000 / 2, seen
    assert seen["max_excess"] <= EXCESS_ALLOWED, seen
    assert seen["long_frames"] <= LONG_FRAMES_ALLOWED, seen
    # That is where the server has the friend, standing: the stop reached it.
    wait_for_drawn(friend.page, friend_id, AT_REST)
    body = server_body(friend.page, friend_id)
    assert (body["vx"], body["vy"]) == (0, 0), body
    host.page.keyboard.up("ArrowLeft")

    # Nothing the page held from before the freeze was sent after it, and the friend steers on.
    assert not [data for data in match.friend_inputs[sent_before + 1 :] if data != {"dir": [0, 0]}]
    friend.page.keyboard.up("KeyD")
    friend.page.keyboard.down("KeyS")
    wait_for_drawn(host.page, friend_id, f"at.y > {body['oy'] + 60}")
    friend.page.keyboard.up("KeyS")


def test_a_tab_hidden_while_its_connection_is_down_stops_its_player_once_back(
    players: PlayerFactory,
) -> None:
    match = start_arena_match(players)
    friend, friend_id = match.friend, match.friend_id
    start = drawn(friend.page, friend_id)
    status = friend.page.locator("#play-status")
    friend.page.keyboard.down("KeyD")
    wait_for_drawn(friend.page, friend_id, f"at.x > {start['x'] + 60}")

    # The phone loses its connection as it locks: the stop has nowhere to go. The room keeps
    # the seat, and the player running, until the page reconnects.
    friend.page.evaluate("() => window.playConnection.socket.close()")
    expect(status).to_have_attribute("data-status", "lost")
    hide_tab(friend.page)
    expect(status).to_have_attribute("data-status", "connected")
    friend.page.wait_for_function(
        "(player) => window.playConnection.state.players[player].vx === 0",
        arg=friend_id,
        polling=50,
        timeout=2000,
    )
    show_tab(friend.page)
    wait_for_drawn(friend.page, friend_id, AT_REST)
    assert server_body(friend.page, friend_id)["vx"] == 0
    friend.page.keyboard.up("KeyD")
