from __future__ import annotations

import pytest
from django.test import Client

from lobby.models import User

pytestmark = pytest.mark.django_db

# "alice" in full-width letters, which NFKC turns into the usual ones.
FULL_WIDTH_ALICE = "\uff41\uff4c\uff49\uff43\uff45"


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
    assert int(response["Retry-After"]) <= settings.LOGIN_FAILURE_WINDOW_SECONDS
    assert "Too many log-in attempts. Wait" in response.content.decode()
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


def test_every_spelling_of_a_username_counts_against_one_budget(
    client: Client, alice: User, settings
) -> None:
    spellings = [" alice", "alice ", FULL_WIDTH_ALICE, "ALICE", "Alice"]
    assert len(spellings) == settings.LOGIN_FAILURES_ALLOWED
    for attempt, spelling in enumerate(spellings):
        assert _log_in(client, spelling, "wrong", address=f"10.0.1.{attempt}").status_code == 200
    assert _log_in(client, "alice", "correct horse battery", "10.9.9.9").status_code == 429


def test_a_username_logs_in_in_any_case(client: Client, alice: User) -> None:
    assert _log_in(client, " ALICE", "correct horse battery").status_code == 302
    assert client.get("/").context["user"] == alice


def test_a_forged_forwarded_for_does_not_give_a_fresh_address_budget(
    client: Client, alice: User, settings
) -> None:
    for attempt in range(settings.LOGIN_FAILURES_PER_ADDRESS):
        client.post(
            "/accounts/login/",
            {"username": f"nobody{attempt}", "password": "wrong"},
            REMOTE_ADDR="10.0.0.7",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{attempt}",
        )
    response = client.post(
        "/accounts/login/",
        {"username": "alice", "password": "correct horse battery"},
        REMOTE_ADDR="10.0.0.7",
        HTTP_X_FORWARDED_FOR="192.0.2.200",
    )
    assert response.status_code == 429


def _admin_log_in(client: Client, username: str, password: str, address: str = "10.0.0.1"):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=address,
    )


def test_the_admin_log_in_shares_the_budget_of_the_page(client: Client, settings) -> None:
    User.objects.create_superuser(username="root", password="correct horse battery")
    for attempt in range(settings.LOGIN_FAILURES_ALLOWED):
        log_in = _admin_log_in if attempt % 2 else _log_in
        log_in(client, "Root", "wrong", address=f"10.0.2.{attempt}")
    response = _admin_log_in(client, "root", "correct horse battery", address="10.9.9.9")
    assert "Too many log-in attempts. Wait" in response.content.decode()
    assert not client.get("/").context["user"].is_authenticated


def test_the_admin_still_logs_staff_in(client: Client) -> None:
    User.objects.create_superuser(username="root", password="correct horse battery")
    assert _admin_log_in(client, "root", "correct horse battery").status_code == 302
    assert client.get("/admin/").status_code == 200
