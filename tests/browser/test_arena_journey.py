"""Two guests meet through an invite link and play a short arena match in Chromium."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from games.rules.arena import position
from tests.browser.arena_page import (
    AT_REST,
    EXCESS_ALLOWED,
    FPS_REQUIRED,
    LONG_FRAMES_ALLOWED,
    SPEED,
    collect_samples,
    drawn,
    page_positions,
    start_sampling,
    wait_for_drawn,
)
from tests.browser.conftest import (
    PlayerFactory,
    create_lobby,
    join_by_invite,
    recorded_match,
    start_match,
)
from tests.replay_check import replayed_in_the_live_database
from tests.servers import LiveDatabase

pytestmark = pytest.mark.browser

SAMPLE_MS = 2000
# On the replay page: the drawn player stands where the replayed state has them stopped.
REPLAY_AT_REST = (
    "(({vx, vy, ox, oy}) => !vx && !vy && ox === at.x && oy === at.y)"
    "(window.replayPlayback.state.players[player])"
)


def test_two_guests_play_an_arena_match_to_the_end(
    players: PlayerFactory, live_database: LiveDatabase
) -> None:
    host, friend = players("host"), players("friend")
    host.sign_in_as_guest()
    invite = create_lobby(host, "arena", **{"Match length (seconds)": "15"})

    join_by_invite(friend, invite)
    match_id = start_match(host, friend)
    # From the invite link to the game: guest, join, ready; the host's start brings them in.
    assert friend.clicks <= 3
    started = time.monotonic()

    host_id, friend_id = host.user_id(), friend.user_id()
    for player in (host, friend):
        for someone in (host_id, friend_id):
            wait_for_drawn(player.page, someone, "true")
    host_start, friend_start = drawn(host.page, host_id), drawn(friend.page, friend_id)

    # Each steers toward the far side (the host starts on the right, the friend on the left).
    friend.page.keyboard.down("KeyD")
    host.page.keyboard.down("ArrowLeft")
    wait_for_drawn(host.page, friend_id, f"at.x > {friend_start['x'] + 60}")
    wait_for_drawn(friend.page, host_id, f"at.x < {host_start['x'] - 60}")

    # Both watch the other move, at every animation frame, for two seconds.
    start_sampling(host.page, SAMPLE_MS)
    start_sampling(friend.page, SAMPLE_MS)
    seen_by_host = collect_samples(host.page, friend_id, SAMPLE_MS)
    seen_by_friend = collect_samples(friend.page, host_id, SAMPLE_MS)
    # At every tick the page puts each player where the server's rules do, to the digit.
    held = page_positions(host.page, 60)
    state = held["state"]
    for player, body in state["players"].items():
        expected = [list(position(body, tick, state["tick_rate"])) for tick in held["ticks"]]
        assert held["at"][player] == expected, (player, body)
    friend.page.keyboard.up("KeyD")
    host.page.keyboard.up("ArrowLeft")
    print(f"\nsmoothness: host sees friend {seen_by_host}; friend sees host {seen_by_friend}")
    for seen in (seen_by_host, seen_by_friend):
        assert seen["moved"] > SPEED * SAMPLE_MS / 1000 / 2, seen
        assert seen["max_excess"] <= EXCESS_ALLOWED, seen
        assert seen["long_frames"] <= LONG_FRAMES_ALLOWED, seen
        assert seen["fps"] >= FPS_REQUIRED, seen

    # A phone-sized screen shows the running game without scrolling sideways.
    friend.page.set_viewport_size({"width": 375, "height": 667})
    expect(friend.page.locator("canvas.arena-canvas")).to_be_visible()
    friend.assert_no_horizontal_scroll()

    # Mid-match the friend reloads: back in their seat where they stood, and still steering
    # (their inputs must carry on above the sequence number the room last acknowledged).
    wait_for_drawn(host.page, friend_id, AT_REST)
    stood = drawn(host.page, friend_id)
    friend.page.reload()
    expect(friend.page.locator("#play-status")).to_have_attribute("data-status", "connected")
    wait_for_drawn(friend.page, friend_id, "true")
    here = drawn(friend.page, friend_id)
    assert (here["x"], here["y"]) == pytest.approx((stood["x"], stood["y"]), abs=1)
    friend.page.keyboard.down("KeyS")
    wait_for_drawn(host.page, friend_id, f"at.y > {stood['y'] + 60}")
    friend.page.keyboard.up("KeyS")

    for player in (host, friend):
        expect(player.page.locator("#play-end")).to_be_visible(timeout=25_000)
        expect(player.page.locator("#play-end-reason")).to_have_text("Time is up.")
        expect(player.page.locator("#play-placements li")).to_have_count(2)
    print(f"match ended {time.monotonic() - started:.1f} s after the start")

    # Back in the lobby, open again for a rematch.
    friend.click("Back to lobby", role="link")
    expect(friend.page).to_have_url(invite.replace("/l/", "/lobby/"))
    expect(friend.page.get_by_role("button", name="Ready", exact=True)).to_be_visible()

    record = recorded_match(live_database, match_id)
    state, reason, *seats = record.split()
    assert (state, reason) == ("finished", "time_up"), record
    assert len(seats) == 2, record
    assert all(seat.split(":")[1] in {"1", "2"} for seat in seats), record

    # The host watches the replay, which the server plays again to the record, and jumps
    # to its end: both players drawn where the match left them standing.
    assert replayed_in_the_live_database(live_database, match_id) == "equal"
    host.click("Watch the replay", role="link")
    expect(host.page).to_have_url(re.compile(f"/replay/{match_id}/$"))
    host.page.get_by_role("slider", name="Tick").focus()
    host.page.keyboard.press("End")
    for someone in (host_id, friend_id):
        wait_for_drawn(host.page, someone, REPLAY_AT_REST)
