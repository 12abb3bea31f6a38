"""`manage.py startgame` in a checkout writes a game that two guests then play in the
browser to its end, with no other edit: a copy of this checkout, the command, its server."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import (
    Player,
    PlayerFactory,
    create_lobby,
    join_by_invite,
    players_of,
    recorded_match,
    start_match,
)
from tests.servers import LiveDatabase, RedisServer, ServerProcess, checkout_with_a_new_game

pytestmark = [pytest.mark.browser, pytest.mark.page_only]

GAME = "tic_tac_toe"


@pytest.fixture(scope="module")
def new_game_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveDatabase]:
    """A database of its own: no other server meets a game it does not offer."""
    database = LiveDatabase(tmp_path_factory.mktemp("new_game"))
    yield database
    database.drop()


@pytest.fixture(scope="module")
def new_game_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """With REDIS_URL, a Redis of its own too: servers that share a Redis share users and
    lobbies, which servers on different databases must not."""
    if not os.getenv("REDIS_URL"):
        yield {}
        return
    redis = RedisServer(tmp_path_factory.mktemp("new_game_redis"))
    yield {"REDIS_URL": redis.url}
    redis.stop()


@pytest.fixture(scope="module")
def new_game_server(
    new_game_database: LiveDatabase,
    new_game_redis: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[ServerProcess]:
    """A copy of this checkout where `manage.py startgame tic_tac_toe` ran, served as is."""
    checkout = checkout_with_a_new_game(tmp_path_factory.mktemp("checkout"), GAME)
    log = tmp_path_factory.mktemp("logs") / "new-game.log"
    server = ServerProcess(new_game_database, log=log, checkout=checkout, **new_game_redis)
    yield server
    server.stop()


@pytest.fixture
def players(
    browser: Browser, new_game_server: ServerProcess, request: pytest.FixtureRequest
) -> Iterator[PlayerFactory]:
    yield from players_of(new_game_server, browser, request)


def mark(player: Player, cell: int) -> None:
    """Waits for the player's turn, then marks a cell (1 is the top left, 9 the bottom right)."""
    expect(player.page.locator(f".{GAME}-turn")).to_have_attribute("data-mine", "true")
    player.click(f"Cell {cell}: empty")


def test_two_guests_play_the_game_startgame_wrote_to_its_end(
    players: PlayerFactory, new_game_database: LiveDatabase
) -> None:
    host, friend = players("host"), players("friend")
    host.sign_in_as_guest()
    invite = create_lobby(host, GAME)
    join_by_invite(friend, invite)
    match_id = start_match(host, friend)
    expect(host.page.locator("h1.play-title")).to_have_text("Tic Tac Toe")

    mark(host, 1)
    # Out of turn, and on a taken cell, the game's own words answer. (Cells are only
    # aria-disabled then: a click still reaches the server, which refuses it.)
    host.page.get_by_role("button", name="Cell 2: empty").click(force=True)
    expect(host.page.locator("#play-alert")).to_have_text("It is not your turn yet.")
    expect(friend.page.locator(f".{GAME}-turn")).to_have_attribute("data-mine", "true")
    friend.page.get_by_role("button", name=re.compile(r"^Cell 1: X, ")).click(force=True)
    expect(friend.page.locator("#play-alert")).to_have_text("That cell is taken. Pick another one.")
    mark(friend, 5)
    mark(host, 2)
    mark(friend, 9)
    mark(host, 3)

    for player in (host, friend):
        expect(player.page.locator(f".{GAME}-cell.win")).to_have_count(3)
        expect(player.page.locator("#play-end")).to_be_visible()
        expect(player.page.locator("#play-end-reason")).to_have_text("Three in a row!")
        places = player.page.locator("#play-placements li")
        expect(places.nth(0)).to_have_text(re.compile(r"^1st: .+, 1 point$"))
        expect(places.nth(1)).to_have_text(re.compile(r"^2nd: .+, 0 points$"))
    expect(host.page.locator("#play-end-title")).to_have_text("You win!")
    expect(friend.page.locator("#play-end-title")).to_have_text("Game over")

    record = recorded_match(new_game_database, match_id)
    assert record.split() == ["finished", "three_in_a_row", "0:1:1", "1:2:0"], record
