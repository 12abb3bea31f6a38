"""Guests per client address: the page and the API share an hourly budget, and the
address comes from X-Forwarded-For only behind a proxy."""

from __future__ import annotations

import pytest
from django.test import Client

from lobby.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _three_guests_an_hour(settings) -> None:
    settings.GUESTS_PER_ADDRESS_PER_HOUR = 3


def _page_guest(address: str, forwarded_for: str = ""):
    headers = {"HTTP_X_FORWARDED_FOR": forwarded_for} if forwarded_for else {}
    return Client().post("/accounts/guest/", REMOTE_ADDR=address, **headers)


def _api_guest(address: str, forwarded_for: str = ""):
    headers = {"HTTP_X_FORWARDED_FOR": forwarded_for} if forwarded_for else {}
    return Client().post(
        "/api/guest/", content_type="application/json", REMOTE_ADDR=address, **headers
    )


def test_the_api_refuses_guests_over_the_limit_with_retry_after() -> None:
    for _ in range(3):
        assert _api_guest("10.0.0.1").status_code == 201
    response = _api_guest("10.0.0.1")
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "RATE_LIMITED"
    assert 0 < int(response["Retry-After"]) <= 3600
    assert response.json()["error"]["retry_after"] == int(response["Retry-After"])
    assert User.objects.count() == 3


def test_the_page_tells_the_player_to_wait() -> None:
    for _ in range(3):
        assert _page_guest("10.0.0.1").status_code == 302
    response = _page_guest("10.0.0.1")
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 3600
    assert "Too many guests were made from your network. Wait" in response.content.decode()
    assert User.objects.count() == 3


def test_the_page_and_the_api_share_one_budget() -> None:
    _page_guest("10.0.0.1")
    _api_guest("10.0.0.1")
    _page_guest("10.0.0.1")
    assert _api_guest("10.0.0.1").status_code == 429


def test_another_address_has_its_own_budget() -> None:
    for _ in range(3):
        _api_guest("10.0.0.1")
    assert _api_guest("10.0.0.2").status_code == 201


def test_a_forged_forwarded_for_without_a_proxy_gets_no_fresh_budget() -> None:
    for number in range(3):
        _api_guest("10.0.0.1", forwarded_for=f"192.0.2.{number}")
    assert _api_guest("10.0.0.1", forwarded_for="192.0.2.99").status_code == 429
    assert _page_guest("10.0.0.1", forwarded_for="192.0.2.98").status_code == 429


def test_behind_a_proxy_each_forwarded_client_has_its_own_budget(settings) -> None:
    settings.BEHIND_PROXY = True
    for _ in range(3):
        _api_guest("10.0.0.1", forwarded_for="192.0.2.1")
    assert _api_guest("10.0.0.1", forwarded_for="192.0.2.1").status_code == 429
    # The proxy appends the client it saw; what the client wrote before it counts for nothing.
    assert _api_guest("10.0.0.1", forwarded_for="192.0.2.1, 192.0.2.2").status_code == 201


def test_a_bad_name_does_not_spend_the_budget() -> None:
    for _ in range(5):
        Client().post(
            "/api/guest/", {"name": ""}, content_type="application/json", REMOTE_ADDR="10.0.0.1"
        )
    assert _api_guest("10.0.0.1").status_code == 201
