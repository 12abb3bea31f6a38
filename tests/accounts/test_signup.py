from __future__ import annotations

import pytest
from django.test import Client

from lobby.models import User

pytestmark = pytest.mark.django_db


def test_it_signs_up_and_logs_in(client: Client) -> None:
    response = client.post(
        "/accounts/signup/",
        {
            "username": "carol",
            "password1": "a sturdy passphrase",
            "password2": "a sturdy passphrase",
        },
    )
    assert response.status_code == 302
    carol = User.objects.get(username="carol")
    assert carol.display_name == "carol"
    assert carol.is_guest is False
    assert client.get("/").context["user"] == carol


def test_it_applies_djangos_password_validators(client: Client) -> None:
    response = client.post(
        "/accounts/signup/", {"username": "carol", "password1": "123", "password2": "123"}
    )
    assert response.status_code == 200
    assert "This password is too short" in response.content.decode()
    assert not User.objects.filter(username="carol").exists()


def test_it_refuses_a_taken_username(client: Client, alice: User) -> None:
    response = client.post(
        "/accounts/signup/",
        {
            "username": "alice",
            "password1": "a sturdy passphrase",
            "password2": "a sturdy passphrase",
        },
    )
    assert "A user with that username already exists." in response.content.decode()
