"""Usernames are one in any case and any Unicode spelling; names hold no control
characters. A refusal is a form or API error, never a 500, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client

from lobby import accounts
from lobby.models import User

pytestmark = pytest.mark.django_db

# "alice", "ALICE" and "dana" in full-width letters, which NFKC turns into the usual ones.
FULL_WIDTH_ALICE = "\uff41\uff4c\uff49\uff43\uff45"
FULL_WIDTH_ALICE_CAPITALS = "\uff21\uff2c\uff29\uff23\uff25"
FULL_WIDTH_DANA = "\uff44\uff41\uff4e\uff41"


PASSWORD = "a sturdy passphrase"


def _sign_up(username: str):
    return Client().post(
        "/accounts/signup/", {"username": username, "password1": PASSWORD, "password2": PASSWORD}
    )


def _keep(username: str):
    client = Client()
    client.post("/accounts/guest/")
    return client.post("/accounts/profile/", {"username": username, "password": PASSWORD})


def test_the_database_refuses_a_username_that_differs_only_in_case(alice: User) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(username="ALICE")


@pytest.mark.parametrize("spelling", ["ALICE", FULL_WIDTH_ALICE_CAPITALS, " alice "])
def test_sign_up_refuses_another_spelling_of_a_taken_name(alice: User, spelling: str) -> None:
    response = _sign_up(spelling)
    assert response.status_code == 200
    assert "A user with that username already exists." in response.content.decode()
    assert User.objects.count() == 1


@pytest.mark.parametrize("spelling", ["ALICE", FULL_WIDTH_ALICE, " alice "])
def test_keeping_a_guest_refuses_another_spelling_of_a_taken_name(
    alice: User, spelling: str
) -> None:
    assert "That username is taken." in _keep(spelling).content.decode()
    assert User.objects.get(is_guest=True)


def test_a_kept_username_is_stored_as_log_ins_spell_it() -> None:
    _keep(f" {FULL_WIDTH_DANA} ")
    kept = User.objects.get()
    assert (kept.username, kept.is_guest) == ("dana", False)
    assert Client().login(username="Dana", password=PASSWORD)


@pytest.mark.parametrize("name", ["Bell\x07", "Two\nlines", "\u202eevil", "zero\u200bwidth"])
def test_a_display_name_with_control_characters_is_a_form_error(
    client: Client, alice: User, name: str
) -> None:
    client.force_login(alice)
    response = client.post("/accounts/profile/", {"display_name": name})
    assert "Names cannot contain control or invisible characters." in response.content.decode()
    alice.refresh_from_db()
    assert alice.display_name == "Alice"


def test_an_emoji_joined_with_a_joiner_is_a_fine_name(client: Client, alice: User) -> None:
    client.force_login(alice)
    client.post("/accounts/profile/", {"display_name": "Team 👩\u200d👩\u200d👧"})
    alice.refresh_from_db()
    assert alice.display_name == "Team 👩\u200d👩\u200d👧"


@pytest.mark.parametrize("name", ["Bell\x07", "\u202eevil"])
def test_a_guest_name_with_control_characters_is_bad_request(client: Client, name: str) -> None:
    response = client.post("/api/guest/", {"name": name}, content_type="application/json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], error["field"]) == ("BAD_REQUEST", "name")
    assert "control or invisible characters" in error["message"]
    assert not User.objects.exists()


NUL_REQUESTS = {
    "api guest name": ("/api/guest/", {"name": "Nul\x00Bot"}, "json"),
    "api log-in": ("/api/login/", {"username": "ali\x00ce", "password": "x"}, "json"),
    "page log-in": ("/accounts/login/", {"username": "ali\x00ce", "password": "x"}, "form"),
    "sign-up": (
        "/accounts/signup/",
        {"username": "nul\x00", "password1": PASSWORD, "password2": PASSWORD},
        "form",
    ),
}


@pytest.mark.postgres
@pytest.mark.parametrize("request_", NUL_REQUESTS.values(), ids=NUL_REQUESTS.keys())
def test_a_nul_character_is_a_clear_error_on_postgres(
    alice: User, request_: tuple[str, dict[str, str], str]
) -> None:
    url, data, kind = request_
    client = Client()
    if kind == "json":
        response = client.post(url, data, content_type="application/json")
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "BAD_REQUEST"
    else:
        response = client.post(url, data)
        assert response.status_code == 200
        assert "Null characters are not allowed." in response.content.decode()


@pytest.mark.postgres
def test_a_nul_in_a_display_name_or_a_kept_username_is_a_form_error_on_postgres(
    client: Client,
) -> None:
    client.post("/accounts/guest/")
    page = client.post("/accounts/profile/", {"display_name": "a\x00b"}).content.decode()
    assert "Null characters are not allowed." in page
    page = client.post("/accounts/profile/", {"username": "a\x00b", "password": PASSWORD})
    assert "Null characters are not allowed." in page.content.decode()


def test_a_name_taken_after_the_form_checked_it_is_refused_not_a_500(alice: User) -> None:
    guest = accounts.guest_create()
    with pytest.raises(ValidationError) as refused:
        accounts.guest_keep(user=guest, username="ALICE", password=PASSWORD)
    assert refused.value.message_dict == {"username": ["That username is taken."]}
    assert guest.is_guest
    assert User.objects.get(pk=guest.pk).is_guest
