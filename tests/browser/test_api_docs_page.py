"""A developer opens the lobby API's docs page on a machine without internet: it loads
from this server alone, lists every call, and a call tried from the page answers."""

from __future__ import annotations

import pytest
from playwright.sync_api import Route, expect

from tests.browser.conftest import PlayerFactory
from tests.lobby.test_openapi import documented_calls

pytestmark = [pytest.mark.browser, pytest.mark.page_only]


def test_the_docs_page_works_offline_and_tries_a_call(players: PlayerFactory) -> None:
    developer = players("developer")
    page = developer.page
    elsewhere: list[str] = []

    def refuse(route: Route) -> None:
        elsewhere.append(route.request.url)
        route.abort()

    page.context.route(lambda url: not url.startswith(developer.base_url), refuse)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    developer.open("/api/docs/")

    expect(page.get_by_role("heading", name="Game Server lobby API")).to_be_visible()
    summaries = page.locator(".opblock-summary")
    # Every call of docs/api.md (tests/lobby/test_openapi.py checks which).
    expect(summaries).to_have_count(len(documented_calls()))
    games = page.locator("#operations-games-games")
    games.locator(".opblock-summary").click()
    games.get_by_role("button", name="Try it out").click()
    games.get_by_role("button", name="Execute").click()
    answer = games.locator(".live-responses-table tr.response")
    expect(answer.locator(".response-col_status")).to_have_text("200")
    expect(answer).to_contain_text('"slug": "connect_four"')
    assert elsewhere == []
    assert errors == []


def test_a_signed_in_developer_tries_a_write_with_the_session(players: PlayerFactory) -> None:
    developer = players("developer")
    developer.sign_in_as_guest()
    page = developer.page

    developer.open("/api/docs/")

    ticket = page.locator("#operations-identity-socket_ticket")
    ticket.locator(".opblock-summary").click()
    ticket.get_by_role("button", name="Try it out").click()
    ticket.get_by_role("button", name="Execute").click()
    # The page sends the session's CSRF token, as the site's own pages do.
    answer = ticket.locator(".live-responses-table tr.response")
    expect(answer.locator(".response-col_status")).to_have_text("201")
    expect(answer).to_contain_text('"expires_in": 60')
