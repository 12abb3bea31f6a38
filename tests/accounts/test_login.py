from __future__ import annotations

import pytest
from django.test import Client

from lobby.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_throttle(fresh_cache: None) -> None:
    """Every test starts with no failed log-ins counted."""


def _log_in(client: Client, username: str, password: str, address: str = "10.0.0.1"):
    return client.post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address
    )


def test_it_logs_in_and_out(client: Client, alice: User) -> None:
    assert _log_in(client, "alice", "correct horse battery").status_code == 302
    assert client.get("/").context["user"] == alice
    assert client.post("/accounts/logout/").status_code == 302
    assert not client.get("/").context["user"].is_authenticated


def test_it_says_why_a_log_in_failed(client: Client, alice: User) -> None:
    response = _log_in(client, "alice", "wrong")
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


def test_it_throttles_failed_log_ins_per_username(client: Client, alice: User, settings) -> None:
    for attempt in range(settings.LOGIN_FAILURES_ALLOWED):
        _log_in(client, "alice", "wrong", address=f"10.0.0.{attempt}")
    # Even the right password is refused while throttled, from a new address too.
    response = _log_in(client, "alice", "correct horse battery", address="10.9.9.9")
    assert response.status_code == 429
    assert "Too many failed log-ins. Wait 5 minutes" in response.content.decode()
    assert not client.get("/").context["user"].is_authenticated


def test_it_throttles_failed_log_ins_per_address(
    client: Client, alice: User, bob: User, settings
) -> None:
    for attempt in range(settings.LOGIN_FAILURES_PER_ADDRESS):
        _log_in(client, f"nobody{attempt}", "wrong", address="10.0.0.7")
    assert _log_in(client, "bob", "correct horse battery", address="10.0.0.7").status_code == 429
    assert _log_in(client, "bob", "correct horse battery", address="10.0.0.8").status_code == 302


def test_a_successful_log_in_clears_the_username_count(
    client: Client, alice: User, settings
) -> None:
    for _ in range(settings.LOGIN_FAILURES_ALLOWED - 1):
        _log_in(client, "alice", "wrong")
    assert _log_in(client, "alice", "correct horse battery").status_code == 302
    client.post("/accounts/logout/")
    _log_in(client, "alice", "wrong")
    assert _log_in(client, "alice", "correct horse battery").status_code == 302


def test_it_does_not_redirect_to_another_site(client: Client, alice: User) -> None:
    response = client.post(
        "/accounts/login/?next=https://evil.example.com/",
        {"username": "alice", "password": "correct horse battery"},
    )
    assert response["Location"] == "/"
