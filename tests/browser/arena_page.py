"""What the arena page shows, read through its debug hooks, for the arena browser tests.

`window.__arena.drawn[player]` is where (in field units) a player was last drawn;
`window.playConnection.state` is the state the server last sent, which holds each
player's segment (a player standing still stands at its origin, `ox`, `oy`).
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from typing import Any

from playwright.sync_api import Page, WebSocket

from tests.browser.conftest import (
    Player,
    PlayerFactory,
    create_lobby,
    join_by_invite,
    start_match,
)

# Field units (the field is 1000 wide; a player moves 300 a second, 5 a frame at 60 fps).
# One frame may move a player speed times the frame's time; anything over that by more than
# EXCESS_ALLOWED is a visible snap. A frame that moves anyone more than JUMP_ALLOWED came
# late (over 130 ms): one such frame in a sample is the machine holding the browser back
# (tests run two at a time on two cores), more is a page that stutters.
SPEED = 300
EXCESS_ALLOWED = 12
JUMP_ALLOWED = 40
LONG_FRAMES_ALLOWED = 1
FPS_REQUIRED = 30

# Runs in the page: records, at every animation frame for `ms`, where each player was drawn.
START_SAMPLING = """(ms) => {
  const samples = [];
  window.__samples = null;
  const first = performance.now();
  function sample(now) {
    samples.push([now, JSON.parse(JSON.stringify(window.__arena.drawn))]);
    if (now - first < ms) requestAnimationFrame(sample);
    else window.__samples = samples;
  }
  requestAnimationFrame(sample);
}"""

# The drawn player stands still where the server last said they stopped.
AT_REST = (
    "(({vx, vy, ox, oy}) => !vx && !vy && ox === at.x && oy === at.y)"
    "(window.playConnection.state.players[player])"
)


# Runs in the page: the state the server last sent and, for each player in it, where the
# page's own `position` (static/js/games/arena.js, preloaded) puts them at the next ticks.
PAGE_POSITIONS = """async (count) => {
  const { position } = await import(document.querySelector("link[rel=modulepreload]").href);
  const state = structuredClone(window.playConnection.state);
  const ticks = Array.from({ length: count }, (_, step) => window.playConnection.tick + step);
  const at = {};
  for (const [player, body] of Object.entries(state.players)) {
    at[player] = ticks.map((tick) => {
      const { x, y } = position(body, tick, state);
      return [x, y];
    });
  }
  return { state, ticks, at };
}"""


def page_positions(page: Page, count: int) -> dict[str, Any]:
    """The state the page holds, `count` ticks from its tick on, and where the page puts
    each player at each of them."""
    return page.evaluate(PAGE_POSITIONS, count)


def drawn(page: Page, player: str) -> dict[str, float] | None:
    return page.evaluate("(player) => window.__arena && window.__arena.drawn[player]", player)


def wait_for_drawn(page: Page, player: str, condition: str, timeout: float | None = None) -> None:
    """Waits until `condition` (a JS expression over `at`) holds for the drawn player."""
    page.wait_for_function(
        f"(player) => {{ const at = window.__arena && window.__arena.drawn[player];"
        f" return !!at && ({condition}); }}",
        arg=player,
        timeout=timeout,
    )


def server_body(page: Page, player: str) -> dict[str, Any]:
    """The player as the server last sent them to this page."""
    return page.evaluate("(player) => window.playConnection.state.players[player]", player)


def start_sampling(page: Page, ms: int) -> None:
    page.evaluate(START_SAMPLING, ms)


def collect_samples(page: Page, player: str, ms: int) -> dict[str, Any]:
    """For one player sampled since `start_sampling`: the largest move between two frames,
    how many frames moved more than JUMP_ALLOWED, the largest excess over the speed, frames
    a second, how far they went along x and along y, and
    the first position drawn."""
    page.wait_for_function("() => window.__samples !== null", timeout=ms + 5000)
    samples = [
        (now, at[player]["x"], at[player]["y"])
        for now, at in page.evaluate("() => window.__samples")
        if player in at
    ]
    assert len(samples) > 10, samples
    jumps = []
    excesses = []
    for (t0, x0, y0), (t1, x1, y1) in itertools.pairwise(samples):
        jump = ((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5
        jumps.append(jump)
        excesses.append(jump - SPEED * (t1 - t0) / 1000)
    seconds = (samples[-1][0] - samples[0][0]) / 1000
    return {
        "max_jump": max(jumps),
        "long_frames": sum(jump > JUMP_ALLOWED for jump in jumps),
        "max_excess": max(excesses),
        "fps": (len(samples) - 1) / seconds,
        "moved": abs(samples[-1][1] - samples[0][1]),
        "moved_y": abs(samples[-1][2] - samples[0][2]),
        "first": {"x": samples[0][1], "y": samples[0][2]},
    }


@dataclass
class ArenaMatch:
    host: Player
    friend: Player
    host_id: str
    friend_id: str
    # The `data` of every input the friend's page sent, in order.
    friend_inputs: list[dict[str, Any]]


def start_arena_match(players: PlayerFactory, *, friend_phone: bool = False) -> ArenaMatch:
    """A host and a friend (on a phone if asked) in a running arena match of 90 s, each
    page drawing both players; the friend's page records the inputs it sends."""
    host, friend = players("host"), players("friend", phone=friend_phone)
    inputs = watch_inputs(friend.page)
    host.sign_in_as_guest()
    join_by_invite(friend, create_lobby(host, "arena"))
    start_match(host, friend)
    match = ArenaMatch(host, friend, host.user_id(), friend.user_id(), inputs)
    for player in (host, friend):
        for someone in (match.host_id, match.friend_id):
            wait_for_drawn(player.page, someone, "true")
    return match


def watch_inputs(page: Page) -> list[dict[str, Any]]:
    """A list that fills with the `data` of each input the page sends on a play socket."""
    inputs: list[dict[str, Any]] = []

    def sent(payload: str | bytes) -> None:
        frame = json.loads(payload)
        if frame.get("type") == "input":
            inputs.append(frame["data"])

    def opened(socket: WebSocket) -> None:
        if "/ws/play/" in socket.url:
            socket.on("framesent", sent)

    page.on("websocket", opened)
    return inputs


# Headless Chromium keeps every page visible (and CDP cannot freeze a visible page), so a
# hidden tab is played in the page, as when the player switches tabs or locks the phone:
# `document.visibilityState` reads "hidden", visibilitychange fires, and animation frames
# stop until the tab is shown again (then the ones asked for meanwhile run).
HIDE_TAB = """() => {
  Object.defineProperty(document, "visibilityState", {configurable: true, get: () => "hidden"});
  Object.defineProperty(document, "hidden", {configurable: true, get: () => true});
  const held = [];
  const ask = window.requestAnimationFrame;
  window.requestAnimationFrame = (callback) => held.push(callback);
  window.__showTab = () => {
    window.requestAnimationFrame = ask;
    delete document.visibilityState;
    delete document.hidden;
    document.dispatchEvent(new Event("visibilitychange"));
    for (const callback of held) ask(callback);
  };
  document.dispatchEvent(new Event("visibilitychange"));
}"""
SHOW_TAB = "() => window.__showTab()"

# A browser freezes a hidden tab, or throttles it hard: nothing runs, and the frames and
# pongs that arrive meanwhile are all handled at once when it thaws. Played by blocking the
# page's main thread for `ms`, from the moment it sends its next ping, so that one pong is
# in flight during the freeze. window.__thawed turns true after.
FREEZE_ON_NEXT_PING = """(ms) => {
  window.__thawed = false;
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    send.call(this, data);
    if (String(data).includes('"ping"')) {
      WebSocket.prototype.send = send;
      const until = performance.now() + ms;
      while (performance.now() < until);
      setTimeout(() => (window.__thawed = true));
    }
  };
}"""


def hide_tab(page: Page) -> None:
    page.evaluate(HIDE_TAB)


def show_tab(page: Page) -> None:
    page.evaluate(SHOW_TAB)


def freeze_on_next_ping(page: Page, ms: int) -> None:
    """Freezes the page for `ms` from its next ping (within 2 s); returns once it thawed."""
    page.evaluate(FREEZE_ON_NEXT_PING, ms)
    page.wait_for_function("() => window.__thawed", polling=50, timeout=ms + 5000)
