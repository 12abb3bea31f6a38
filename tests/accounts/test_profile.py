from __future__ import annotations

import pytest
from django.test import Client

from lobby.models import User

pytestmark = pytest.mark.django_db


def test_a_player_edits_their_display_name(client: Client, alice: User) -> None:
    client.force_login(alice)
    response = client.post("/accounts/profile/", {"display_name": "  Queen Alice "}, follow=True)
    assert "Display name saved." in response.content.decode()
    alice.refresh_from_db()
    assert alice.display_name == "Queen Alice"


def test_a_display_name_has_a_length_limit(client: Client, alice: User) -> None:
    client.force_login(alice)
    response = client.post("/accounts/profile/", {"display_name": "x" * 33})
    assert "Ensure this value has at most 32 characters" in response.content.decode()
    alice.refresh_from_db()
    assert alice.display_name == "Alice"


def test_the_profile_needs_a_log_in(client: Client) -> None:
    assert client.get("/accounts/profile/")["Location"].startswith("/accounts/login/")
