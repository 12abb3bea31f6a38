"""Two players chat during an arena match: lines and reactions show over the game, and
typing a message full of steering keys does not steer."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from tests.browser.arena_page import start_arena_match
from tests.browser.conftest import PlayerFactory

pytestmark = pytest.mark.browser

# Every arena steering key (WASD and the arrows' letters) in one message.
STEERING_MESSAGE = "wasd WASD dash now"


def test_two_players_chat_during_an_arena_match_without_steering(players: PlayerFactory) -> None:
    match = start_arena_match(players)
    host, friend = match.host, match.friend
    sent_before = len(match.friend_inputs)

    # Enter opens the chat; the message, arrows included, goes into it and not to the game.
    friend.page.keyboard.press("Enter")
    chat_input = friend.page.get_by_role("textbox", name="Chat", exact=True)
    expect(chat_input).to_be_focused()
    friend.page.keyboard.type(STEERING_MESSAGE)
    for key in ("ArrowLeft", "ArrowUp", "ArrowRight", "ArrowDown", "Space"):
        friend.page.keyboard.press(key)
    friend.page.keyboard.press("Enter")

    # Both see the line over the game, named, as text (never markup).
    for player in (host, friend):
        expect(player.page.locator("#play-chat-log li").last).to_contain_text(STEERING_MESSAGE)
    expect(friend.page.locator("#play-chat-log li").last).to_contain_text("(you)")
    expect(chat_input).to_have_value("")
    expect(chat_input).not_to_be_focused()
    assert match.friend_inputs[sent_before:] == []

    # Markup stays text.
    host.page.keyboard.press("Enter")
    host.page.keyboard.type("<b>gl</b> hf")
    host.page.keyboard.press("Enter")
    expect(friend.page.locator("#play-chat-log li").last).to_contain_text("<b>gl</b> hf")
    assert friend.page.locator("#play-chat-log b").count() == 0

    # Escape leaves the chat without sending, and the keys steer again.
    friend.page.keyboard.press("Enter")
    friend.page.keyboard.type("never sent")
    friend.page.keyboard.press("Escape")
    expect(chat_input).not_to_be_focused()
    expect(chat_input).to_have_value("")
    friend.page.keyboard.down("KeyD")
    deadline = time.monotonic() + 5
    while {"dir": [1, 0]} not in match.friend_inputs and time.monotonic() < deadline:
        friend.page.wait_for_timeout(50)
    friend.page.keyboard.up("KeyD")
    assert {"dir": [1, 0]} in match.friend_inputs[sent_before:]

    # A quick reaction is one click, seen by both.
    friend.click("GG")
    for player in (host, friend):
        expect(player.page.locator("#play-chat-log li").last).to_contain_text("GG")
    shown = host.page.locator("#play-chat-log li").all_text_contents()
    assert not any("never sent" in line for line in shown)
