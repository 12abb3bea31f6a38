"""On a phone, the arena's on-screen stick steers the player with touch alone."""

from __future__ import annotations

import math

import pytest
from playwright.sync_api import CDPSession, expect

from tests.browser.arena_page import (
    drawn,
    hide_tab,
    server_body,
    show_tab,
    start_arena_match,
    wait_for_drawn,
)
from tests.browser.conftest import PlayerFactory

pytestmark = [pytest.mark.browser, pytest.mark.page_only]


def touch(session: CDPSession, kind: str, x: float = 0, y: float = 0) -> None:
    """One finger, as the phone's touch screen reports it: touchStart, touchMove, touchEnd."""
    points = [] if kind == "touchEnd" else [{"x": x, "y": y, "id": 1}]
    session.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})


def test_a_phone_player_steers_with_the_stick_and_stops_on_letting_go(
    players: PlayerFactory,
) -> None:
    match = start_arena_match(players, friend_phone=True)
    friend, friend_id = match.friend, match.friend_id
    stick = friend.page.locator(".arena-stick")
    expect(stick).to_be_visible()
    box = stick.bounding_box()
    assert box is not None
    centre_x, centre_y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    reach = box["width"] / 2
    session = friend.page.context.new_cdp_session(friend.page)
    # Standing still, the friend stands at the origin of their segment.
    start = server_body(friend.page, friend_id)

    # The friend (on the left of the field) puts a thumb on the stick and drags it up-right.
    touch(session, "touchStart", centre_x, centre_y)
    touch(session, "touchMove", centre_x + reach * 0.5, centre_y - reach * 0.5)
    touch(session, "touchMove", centre_x + reach, centre_y - reach)
    # The server steers them that way (the stick reports directions in steps of 0.05; the
    # first move's half-way direction may come first), and the host sees them go up and
    # to the right.
    friend.page.wait_for_function(
        """(player) => {
            const [x, y] = window.playConnection.state.players[player].dir;
            return Math.abs(x - Math.SQRT1_2) < 0.03 && Math.abs(y + Math.SQRT1_2) < 0.03;
        }""",
        arg=friend_id,
    )
    body = server_body(friend.page, friend_id)
    assert body["dir"] == pytest.approx([math.sqrt(0.5), -math.sqrt(0.5)], abs=0.03), body
    assert body["vx"] > 0
    wait_for_drawn(
        match.host.page, friend_id, f"at.x > {start['ox'] + 60} && at.y < {start['oy'] - 60}"
    )

    # Letting go stops them.
    touch(session, "touchEnd")
    friend.page.wait_for_function(
        "(player) => window.playConnection.state.players[player].vx === 0",
        arg=friend_id,
    )
    assert server_body(friend.page, friend_id)["dir"] == [0, 0]

    # A thumb still on the stick when the phone locks never lifts for the page: the player
    # stops all the same, and stays stopped when the page is shown again.
    touch(session, "touchStart", centre_x, centre_y)
    touch(session, "touchMove", centre_x, centre_y + reach)
    friend.page.wait_for_function(
        "(player) => window.playConnection.state.players[player].vy > 0",
        arg=friend_id,
    )
    hide_tab(friend.page)
    friend.page.wait_for_function(
        "(player) => window.playConnection.state.players[player].vy === 0",
        arg=friend_id,
        polling=50,
    )
    expect(friend.page.locator(".arena-knob")).to_have_css("transform", "none")
    show_tab(friend.page)
    stopped = server_body(friend.page, friend_id)
    wait_for_drawn(friend.page, friend_id, f"at.x === {stopped['ox']} && at.y === {stopped['oy']}")
    assert drawn(friend.page, friend_id) == {"x": stopped["ox"], "y": stopped["oy"]}
    touch(session, "touchEnd")
