"""A play page that finds the server speaking another protocol version (an upgrade while
it was open) loads itself again, once: the new page plays on; a page that still gets
another version after that says so and stays as it is."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import WebSocketRoute, expect

from games.engine.frames import PROTOCOL_VERSION
from tests.browser.conftest import Player, PlayerFactory, play_the_computer

pytestmark = [pytest.mark.browser, pytest.mark.page_only]
# The version after the one this page speaks: what an upgraded server would send.
NEXT = PROTOCOL_VERSION + 1


def serve_version(player: Player, version: int, sockets: int) -> list[int]:
    """Passes the page's play sockets through, with the protocol version of the snapshots
    of the first `sockets` of them changed to `version`; returns the versions each socket
    got, as they come."""
    served: list[int] = []

    def route(socket: WebSocketRoute) -> None:
        server = socket.connect_to_server()
        changed = len(served) < sockets
        served.append(version if changed else 0)

        def from_server(message: str | bytes) -> None:
            if changed and isinstance(message, str):
                frame = json.loads(message)
                if frame["type"] == "snapshot":
                    message = json.dumps({**frame, "v": version})
            socket.send(message)

        server.on_message(from_server)
        socket.on_message(server.send)

    player.page.route_web_socket(re.compile(r"/ws/play/"), route)
    return served


def navigation(player: Player) -> str:
    return player.page.evaluate("() => performance.getEntriesByType('navigation')[0].type")


def test_a_page_the_server_outgrew_loads_again_and_plays_on(players: PlayerFactory) -> None:
    visitor = players("visitor")
    served = serve_version(visitor, NEXT, sockets=1)
    play_the_computer(visitor, "connect_four")
    # The first socket heard the next version: the page loaded again, and its new socket plays.
    expect(visitor.page.locator("#play-status")).to_have_attribute("data-status", "connected")
    expect(visitor.page.locator("#c4-turn")).to_have_attribute("data-mine", "true")
    assert navigation(visitor) == "reload"
    assert served == [NEXT, 0]
    visitor.page.locator(".c4-drop").nth(3).click()
    expect(visitor.page.locator(".c4-cell.p1:not(.preview)")).to_have_count(1)


def test_a_page_still_outgrown_after_loading_again_says_so_and_stops(
    players: PlayerFactory,
) -> None:
    visitor = players("visitor")
    served = serve_version(visitor, NEXT, sockets=10)
    play_the_computer(visitor, "connect_four")
    status = visitor.page.locator("#play-status")
    expect(status).to_have_attribute("data-status", "outdated")
    expect(status).to_have_text("This page is out of date: reload it to play on.")
    expect(visitor.page.locator("#play-alert")).to_have_text(
        "This page is out of date: reload it to play on."
    )
    assert navigation(visitor) == "reload"
    # No third page, and no socket after the second page's.
    visitor.page.wait_for_timeout(1000)
    assert served == [NEXT, NEXT]
