from __future__ import annotations

import pytest
from django.test import Client

from lobby.models import User

pytestmark = pytest.mark.django_db


def test_play_as_guest_creates_and_logs_in_a_guest_in_one_click(client: Client) -> None:
    response = client.post("/accounts/guest/", {"next": "/accounts/profile/"})
    assert response["Location"] == "/accounts/profile/"
    guest = User.objects.get()
    assert guest.is_guest
    assert not guest.has_usable_password()
    assert len(guest.display_name.split()) == 3
    assert client.get("/").context["user"] == guest


def test_a_logged_in_player_stays_who_they_are(client: Client, alice: User) -> None:
    client.force_login(alice)
    client.post("/accounts/guest/")
    assert User.objects.count() == 1


def test_play_as_guest_needs_a_post(client: Client) -> None:
    assert client.get("/accounts/guest/").status_code == 405
    assert not User.objects.exists()


def test_a_guest_keeps_their_account_with_a_password(client: Client) -> None:
    client.post("/accounts/guest/")
    guest = User.objects.get()
    response = client.post(
        "/accounts/profile/", {"username": "dana", "password": "a sturdy passphrase"}, follow=True
    )
    assert "Your account is saved" in response.content.decode()
    kept = User.objects.get()
    assert (kept.pk, kept.username, kept.is_guest) == (guest.pk, "dana", False)
    assert kept.display_name == guest.display_name
    # Still logged in, and the new credentials work from a new browser.
    assert client.get("/").context["user"] == kept
    assert Client().login(username="dana", password="a sturdy passphrase")


def test_keeping_an_account_checks_the_username_and_password(client: Client, alice: User) -> None:
    client.post("/accounts/guest/")
    response = client.post("/accounts/profile/", {"username": "ALICE", "password": "123"})
    page = response.content.decode()
    assert "That username is taken." in page
    assert "This password is too short" in page
    assert User.objects.get(is_guest=True)
