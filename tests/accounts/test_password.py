"""Registered players change their password, and reset a forgotten one by email.

Mail goes to Django's test outbox (the locmem backend the test run sets up).
"""

from __future__ import annotations

import logging
import re
import socket

import pytest
from django.core import mail
from django.test import Client

from lobby.models import ApiToken, User

pytestmark = pytest.mark.django_db

OLD = "correct horse battery"
NEW = "a brand new passphrase"
CHANGE = "/accounts/password/change/"
RESET = "/accounts/password/reset/"


@pytest.fixture
def alice_with_email(alice: User) -> User:
    alice.email = "alice@example.com"
    alice.save(update_fields=["email"])
    return alice


def _signed_in(username: str, password: str) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"username": username, "password": password})
    assert response.status_code == 302
    return client


def _can_log_in(username: str, password: str) -> bool:
    response = Client().post("/accounts/login/", {"username": username, "password": password})
    return response.status_code == 302


def _change(client: Client, old: str, new: str = NEW, address: str = "10.0.0.1"):
    return client.post(
        CHANGE,
        {"old_password": old, "new_password1": new, "new_password2": new},
        REMOTE_ADDR=address,
    )


def _request_reset(client: Client, email: str, address: str = "10.0.0.1"):
    return client.post(RESET, {"email": email}, REMOTE_ADDR=address)


def _link(message: mail.EmailMessage) -> str:
    found = re.search(r"http://testserver(/accounts/password/reset/\S+/\S+/)", message.body)
    assert found, message.body
    return found.group(1)


def _set_new_password(client: Client, link: str, password: str = NEW):
    """Opens the mailed link (which redirects to a form without the token in its URL)
    and sets the password there."""
    form_url = client.get(link)["Location"]
    return client.post(form_url, {"new_password1": password, "new_password2": password})


def _api_token(username: str) -> str:
    response = Client().post(
        "/api/login/", {"username": username, "password": OLD}, content_type="application/json"
    )
    return response.json()["token"]


def _token_works(token: str) -> bool:
    return Client().get("/api/me/", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200


# Changing a password


def test_a_player_changes_their_password_and_the_old_one_stops_working(alice: User) -> None:
    client = _signed_in("alice", OLD)
    assert client.get(CHANGE).status_code == 200
    response = _change(client, OLD)
    assert response["Location"] == "/accounts/profile/"
    assert "Password changed." in client.get("/accounts/profile/").content.decode()
    assert not _can_log_in("alice", OLD)
    assert _can_log_in("alice", NEW)


def test_the_change_keeps_this_session_and_signs_out_the_others(alice: User) -> None:
    here, elsewhere = _signed_in("alice", OLD), _signed_in("alice", OLD)
    _change(here, OLD)
    assert here.get("/").context["user"] == alice
    assert not elsewhere.get("/").context["user"].is_authenticated


def test_the_change_revokes_the_players_api_tokens(alice: User) -> None:
    token = _api_token("alice")
    assert _token_works(token)
    _change(_signed_in("alice", OLD), OLD)
    assert not _token_works(token)
    assert not ApiToken.objects.filter(user=alice).exists()


def test_a_wrong_old_password_is_a_form_error(alice: User) -> None:
    response = _change(_signed_in("alice", OLD), "not my password")
    assert response.status_code == 200
    assert "That is not your password." in response.content.decode()
    assert _can_log_in("alice", OLD)


def test_a_new_password_must_pass_djangos_validators(alice: User) -> None:
    response = _change(_signed_in("alice", OLD), OLD, new="123")
    assert "This password is too short" in response.content.decode()
    assert _can_log_in("alice", OLD)


def test_guessing_the_old_password_is_throttled_like_log_ins(alice: User, settings) -> None:
    client = _signed_in("alice", OLD)
    for attempt in range(settings.LOGIN_FAILURES_ALLOWED):
        _change(client, "guess", address=f"10.0.3.{attempt}")
    # The right one is refused too, while the username's budget is spent.
    response = _change(client, OLD, address="10.9.9.9")
    assert response.status_code == 429
    assert int(response["Retry-After"]) <= settings.LOGIN_FAILURE_WINDOW_SECONDS
    assert "Too many password attempts. Wait" in response.content.decode()
    assert not _can_log_in("alice", NEW)


def test_a_guest_has_no_password_to_change_and_is_offered_to_keep_their_account() -> None:
    client = Client()
    client.post("/accounts/guest/")
    page = client.get(CHANGE)
    assert page.status_code == 403
    assert "You are playing as a guest" in page.content.decode()
    assert 'href="/accounts/profile/#keep"' in page.content.decode()
    assert _change(client, "", new=NEW).status_code == 403
    assert not User.objects.get(is_guest=True).has_usable_password()


def test_the_change_page_needs_a_sign_in(client: Client) -> None:
    assert client.get(CHANGE)["Location"].startswith("/accounts/login/")


def test_the_profile_links_to_the_change_page(alice: User) -> None:
    page = _signed_in("alice", OLD).get("/accounts/profile/").content.decode()
    assert f'href="{CHANGE}"' in page


# Resetting a forgotten password


def test_a_forgotten_password_is_reset_by_email(client: Client, alice_with_email: User) -> None:
    assert f'href="{RESET}"' in client.get("/accounts/login/").content.decode()
    response = _request_reset(client, "Alice@Example.com")
    assert response["Location"] == "/accounts/password/reset/sent/"
    assert "Check your email" in client.get(response["Location"]).content.decode()

    (message,) = mail.outbox
    assert message.to == ["alice@example.com"]
    assert "Your username is alice." in message.body
    response = _set_new_password(client, _link(message))
    assert response["Location"] == "/accounts/password/reset/done/"
    assert "Your new password is set" in client.get(response["Location"]).content.decode()
    assert _can_log_in("alice", NEW)
    assert not _can_log_in("alice", OLD)


def test_the_link_works_once(client: Client, alice_with_email: User) -> None:
    _request_reset(client, "alice@example.com")
    link = _link(mail.outbox[0])
    _set_new_password(client, link)
    page = Client().get(link, follow=True).content.decode()
    assert "This link does not work" in page
    assert "new_password1" not in page
    assert _can_log_in("alice", NEW)


def test_an_unknown_email_gets_the_same_answer_and_no_mail(alice_with_email: User) -> None:
    known = _request_reset(Client(), "alice@example.com", address="10.0.0.1")
    unknown = _request_reset(Client(), "nobody@example.com", address="10.0.0.2")
    assert (unknown.status_code, unknown["Location"]) == (known.status_code, known["Location"])
    assert len(mail.outbox) == 1


def test_a_mail_server_that_is_down_gets_the_same_answer(
    alice_with_email: User, settings, caplog: pytest.LogCaptureFixture
) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", port, False
    with caplog.at_level(logging.ERROR, logger="django.contrib.auth"):
        response = _request_reset(Client(), "alice@example.com")
    assert response["Location"] == "/accounts/password/reset/sent/"
    assert f"Failed to send password reset email to {alice_with_email.pk}" in caplog.text


def test_a_reset_asked_through_a_forged_host_sends_nothing(alice_with_email: User) -> None:
    response = Client().post(RESET, {"email": "alice@example.com"}, HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert mail.outbox == []


def test_accounts_that_cannot_sign_in_with_a_password_get_no_mail(alice_with_email: User) -> None:
    guest = Client()
    guest.post("/accounts/guest/")
    User.objects.filter(is_guest=True).update(email="guest@example.com")
    User.objects.filter(pk=alice_with_email.pk).update(is_active=False)
    _request_reset(Client(), "guest@example.com")
    _request_reset(Client(), "alice@example.com")
    assert mail.outbox == []


def test_every_account_with_the_email_gets_its_own_link(alice_with_email: User, bob: User) -> None:
    bob.email = "ALICE@example.com"
    bob.save(update_fields=["email"])
    _request_reset(Client(), "alice@example.com")
    usernames = sorted(re.search(r"username is (\w+)", m.body).group(1) for m in mail.outbox)
    assert usernames == ["alice", "bob"]


def test_a_reset_signs_out_every_session_and_revokes_api_tokens(alice_with_email: User) -> None:
    elsewhere = _signed_in("alice", OLD)
    token = _api_token("alice")
    _request_reset(Client(), "alice@example.com")
    _set_new_password(Client(), _link(mail.outbox[0]))
    assert not elsewhere.get("/").context["user"].is_authenticated
    assert not _token_works(token)


def test_reset_requests_are_limited_per_email(alice_with_email: User, settings) -> None:
    spellings = ["alice@example.com", "ALICE@example.com", " Alice@Example.COM "]
    assert len(spellings) == settings.PASSWORD_RESETS_PER_EMAIL
    for attempt, spelling in enumerate(spellings):
        assert _request_reset(Client(), spelling, address=f"10.0.4.{attempt}").status_code == 302
    response = _request_reset(Client(), "alice@example.com", address="10.9.9.9")
    assert response.status_code == 429
    assert int(response["Retry-After"]) <= settings.PASSWORD_RESET_WINDOW_SECONDS
    assert "Too many password reset requests. Wait" in response.content.decode()
    assert len(mail.outbox) == settings.PASSWORD_RESETS_PER_EMAIL


def test_reset_requests_are_limited_per_address(settings) -> None:
    for attempt in range(settings.PASSWORD_RESETS_PER_ADDRESS):
        _request_reset(Client(), f"nobody{attempt}@example.com", address="10.0.0.7")
    assert _request_reset(Client(), "someone@example.com", address="10.0.0.7").status_code == 429
    assert _request_reset(Client(), "someone@example.com", address="10.0.0.8").status_code == 302


# The email a reset goes to


def _sign_up(email: str):
    password = "a sturdy passphrase"
    return Client().post(
        "/accounts/signup/",
        {"username": "carol", "email": email, "password1": password, "password2": password},
    )


def test_sign_up_takes_an_optional_email() -> None:
    assert _sign_up("Carol@Example.COM").status_code == 302
    assert User.objects.get(username="carol").email == "Carol@example.com"
    User.objects.all().delete()
    assert _sign_up("").status_code == 302
    assert User.objects.get(username="carol").email == ""


BAD_EMAILS = {
    "not an address": ("carol.example.com", "Enter a valid email address."),
    "invisible character": (
        "carol@exa\u200bmple.com",
        "An email address cannot contain control or invisible characters.",
    ),
    "over-long": ("c@" + "e" * 250 + ".com", "Ensure this value has at most 254 characters"),
    "NUL": ("carol\x00@example.com", "Null characters are not allowed."),
}


@pytest.mark.parametrize(("email", "error"), BAD_EMAILS.values(), ids=BAD_EMAILS.keys())
def test_sign_up_refuses_a_bad_email(email: str, error: str) -> None:
    response = _sign_up(email)
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not User.objects.exists()


def _set_email(client: Client, email: str, password: str = OLD, address: str = "10.0.0.1"):
    return client.post(
        "/accounts/profile/", {"email": email, "current_password": password}, REMOTE_ADDR=address
    )


def test_the_profile_sets_and_removes_the_email_with_the_password(alice: User) -> None:
    client = _signed_in("alice", OLD)
    assert (
        "Email saved."
        in client.get(_set_email(client, "a@Example.org")["Location"]).content.decode()
    )
    alice.refresh_from_db()
    assert alice.email == "a@example.org"
    _set_email(client, "")
    alice.refresh_from_db()
    assert alice.email == ""


@pytest.mark.parametrize(("email", "error"), BAD_EMAILS.values(), ids=BAD_EMAILS.keys())
def test_the_profile_refuses_a_bad_email(alice: User, email: str, error: str) -> None:
    response = _set_email(_signed_in("alice", OLD), email)
    assert error in response.content.decode()
    alice.refresh_from_db()
    assert alice.email == ""


def test_a_stolen_session_alone_cannot_point_resets_elsewhere(alice_with_email: User) -> None:
    response = _set_email(_signed_in("alice", OLD), "thief@example.com", password="guess")
    assert "That is not your password." in response.content.decode()
    alice_with_email.refresh_from_db()
    assert alice_with_email.email == "alice@example.com"


def test_guessing_the_password_on_the_email_form_is_throttled(alice: User, settings) -> None:
    client = _signed_in("alice", OLD)
    for attempt in range(settings.LOGIN_FAILURES_ALLOWED):
        _set_email(client, "thief@example.com", password="guess", address=f"10.0.5.{attempt}")
    response = _set_email(client, "thief@example.com", address="10.9.9.9")
    assert response.status_code == 429
    assert "Retry-After" in response
    alice.refresh_from_db()
    assert alice.email == ""


def test_a_nul_in_a_reset_request_is_a_form_error() -> None:
    response = _request_reset(Client(), "a\x00@example.com")
    assert response.status_code == 200
    assert "Null characters are not allowed." in response.content.decode()
