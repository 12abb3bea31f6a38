"""Headless Chromium for the browser journeys: one browser per session, one context per player.

Debian's chromium drives the pages through Playwright's Python API; `playwright install`
is never run. Without /usr/bin/chromium the tests skip (and fail under REQUIRE_SERVICES=1,
as in CI, which installs it). A failing test leaves a screenshot of every player's page in
test-artifacts/, and the test's report lists the last frames each page's play sockets
sent and received.
"""

from __future__ import annotations

import collections
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, WebSocket, expect, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.conftest import missing_service
from tests.servers import ROOT, LiveDatabase, ServerProcess

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # Two players share one browser: a page behind the other must keep its frame rate.
    "--disable-background-timer-throttling",
    "--disable-renderer-backgrounding",
    "--disable-backgrounding-occluded-windows",
]
# Play-socket frames each player keeps for a failing test's report.
FRAMES_KEPT = 60
PHONE = {"viewport": {"width": 375, "height": 667}, "is_mobile": True, "has_touch": True}

expect.set_options(timeout=10_000)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


# Module scope, not session: Playwright's sync API keeps an asyncio loop running while it
# is started, and async tests that run later on the same worker would find it and fail.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        missing_service(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


class Player:
    """One person at one browser: their own context (cookies), one page, a click count."""

    def __init__(self, name: str, page: Page, base_url: str, *, phone: bool = False) -> None:
        self.name = name
        self.phone = phone
        self.page = page
        self.base_url = base_url
        self.clicks = 0
        # (seconds since the player was made, ">" sent or "<" received, the frame's text)
        self.frames: collections.deque[tuple[float, str, str]] = collections.deque(
            maxlen=FRAMES_KEPT
        )
        self._made_at = time.monotonic()
        page.on("websocket", self._watch)

    def _watch(self, socket: WebSocket) -> None:
        if "/ws/play/" not in socket.url:
            return
        self._note("opened", socket.url)
        socket.on("framesent", lambda text: self._note(">", text))
        socket.on("framereceived", lambda text: self._note("<", text))
        socket.on("close", lambda _: self._note("closed", socket.url))

    def _note(self, way: str, text: str | bytes) -> None:
        self.frames.append((time.monotonic() - self._made_at, way, str(text)[:300]))

    def open(self, path_or_url: str) -> None:
        url = path_or_url if "://" in path_or_url else f"{self.base_url}{path_or_url}"
        self.page.goto(url)

    def click(self, name: str, role: str = "button") -> None:
        """Clicks a control by its visible name, as a person would, and counts the click."""
        self.page.get_by_role(role, name=name, exact=True).click()
        self.clicks += 1

    def sign_in_as_guest(self) -> None:
        self.open("/")
        self.click("Play as guest")
        expect(self.page.get_by_role("button", name="Log out")).to_be_visible()

    def user_id(self) -> str:
        """The signed-in user's id, from the lobby page or the play page."""
        return self.page.evaluate(
            "() => (document.querySelector('#lobby') || {dataset: {}}).dataset.userId"
            " || (document.querySelector('#play') || {dataset: {}}).dataset.playerId"
        )

    def assert_no_horizontal_scroll(self) -> None:
        """The page fits the viewport's width (after any pending layout, such as a resize)."""
        fits = "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        try:
            self.page.wait_for_function(fits, timeout=3000)
        except PlaywrightTimeoutError:
            widths = self.page.evaluate(
                "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
            )
            raise AssertionError(
                f"{self.page.url} scrolls sideways: {widths[0]} px wide in {widths[1]} px"
            ) from None


PlayerFactory = Callable[..., Player]


@pytest.fixture
def players(
    browser: Browser, daphne_server: ServerProcess, request: pytest.FixtureRequest
) -> Iterator[PlayerFactory]:
    """Makes players of the shared server (tests/conftest.py)."""
    yield from players_of(daphne_server, browser, request)


def players_of(
    server: ServerProcess, browser: Browser, request: pytest.FixtureRequest
) -> Iterator[PlayerFactory]:
    """Makes players of a server, each in a browser context of their own; screenshots them
    when the test fails."""
    made: list[Player] = []

    def make(name: str, *, phone: bool = False) -> Player:
        options = PHONE if phone else {"viewport": {"width": 1200, "height": 900}}
        context = browser.new_context(**options)
        context.set_default_timeout(10_000)
        player = Player(name, context.new_page(), server.url, phone=phone)
        made.append(player)
        return player

    yield make
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        stem = re.sub(r"[^\w.-]+", "_", request.node.name)
        for player in made:
            try:
                player.page.screenshot(path=ARTIFACTS / f"{stem}-{player.name}.png", full_page=True)
            except Exception as error:  # a crashed page must not hide the test's own failure
                print(f"no screenshot of {player.name}: {error}")
            print(f"{player.name}'s last play-socket frames:")
            for at, way, text in player.frames:
                print(f"  {at:8.3f} {way} {text}")
    for player in made:
        player.page.context.close()


def create_lobby(host: Player, game: str, *, spectators: bool = False, **fields: str) -> str:
    """The host creates a private lobby of `game` from the form; returns the invite link."""
    host.open(f"/lobbies/new/?game={game}")
    host.page.get_by_label("Public: listed for everyone to join").uncheck()
    if spectators:
        host.page.get_by_label("Spectators: whoever can see this lobby may watch its games").check()
    for label, value in fields.items():
        host.page.get_by_label(label).fill(value)
    host.click("Create lobby")
    expect(host.page.locator("#lobby")).to_be_visible()
    return host.page.locator("#invite-link").input_value()


def join_by_invite(friend: Player, invite_link: str) -> None:
    """A friend who was never here: invite link, play as guest, join, ready (three clicks)."""
    friend.open(invite_link)
    if friend.phone:
        friend.assert_no_horizontal_scroll()
    friend.click("Play as guest")
    friend.click("Join lobby")
    expect(friend.page.locator("#lobby")).to_be_visible()
    if friend.phone:
        friend.assert_no_horizontal_scroll()
    friend.click("Ready")
    expect(friend.page.get_by_role("button", name="Not ready", exact=True)).to_be_visible()


def watch_by_invite(fan: Player, invite_link: str) -> None:
    """A guest who was never here watches the running match of the invite's lobby, which
    lets spectators watch: invite link, play as guest, watch, connected."""
    fan.open(invite_link)
    fan.click("Play as guest")
    fan.click("Watch the game", role="link")
    expect(fan.page.locator(".play-watching")).to_have_text("Watching")
    expect(fan.page.locator("#play-status")).to_have_attribute("data-status", "connected")


def play_the_computer(visitor: Player, game: str, *, level: str = "") -> str:
    """From the home page, a visitor starts a match of `game` against the computer (at
    `level`, else the form's own) and reaches the play page; returns the match id."""
    visitor.open("/")
    visitor.page.get_by_label("Game").select_option(game)
    if level:
        visitor.page.get_by_label("Level").select_option(level)
    visitor.click("Play against the computer")
    expect(visitor.page).to_have_url(re.compile(r"/play/[0-9a-f-]{36}/$"))
    return visitor.page.url.rstrip("/").rsplit("/", 1)[1]


def start_match(host: Player, friend: Player) -> str:
    """The host waits for the friend to be ready and starts; both reach the play page."""
    friend_row = host.page.locator(f'.members li[data-user-id="{friend.user_id()}"]')
    expect(friend_row.locator(".badge.ready")).to_be_visible()
    host.click("Start game")
    for player in (host, friend):
        expect(player.page).to_have_url(re.compile(r"/play/[0-9a-f-]{36}/$"))
        expect(player.page.locator("#play-status")).to_have_attribute("data-status", "connected")
    return host.page.url.rstrip("/").rsplit("/", 1)[1]


def recorded_match(live_database: LiveDatabase, match_id: str) -> str:
    """`state reason seat:placement:score ...` of a finished match, from the live database.

    Results are written just after the end frame, off the room's loop: wait for them.
    """
    deadline = time.monotonic() + 10
    record = _match_record(live_database, match_id)
    while not record.startswith("finished") and time.monotonic() < deadline:
        time.sleep(0.3)
        record = _match_record(live_database, match_id)
    return record


def _match_record(live_database: LiveDatabase, match_id: str) -> str:
    code = (
        "from games.models import Match; "
        f"m = Match.objects.get(pk='{match_id}'); "
        "print(m.state, m.reason, *[f'{p.seat}:{p.placement}:{p.score}' "
        "for p in m.players.order_by('seat')])"
    )
    # Django 5.2's shell may print a line about its automatic imports first.
    return live_database.manage("shell", "-c", code).strip().splitlines()[-1]
