"""The admin lists API tokens with their expiry and revokes them; it cannot make one."""

from __future__ import annotations

import pytest
from django.contrib.admin.utils import display_for_value
from django.test import Client

from lobby import services
from lobby.auth import token_expires_at, user_for_token
from lobby.models import ApiToken, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client() -> Client:
    client = Client()
    client.force_login(User.objects.create_superuser(username="root", password="x" * 12))
    return client


def test_it_lists_tokens_with_their_expiry(staff_client: Client, alice: User) -> None:
    services.api_token_create(user=alice)
    expires = token_expires_at(ApiToken.objects.get())
    page = staff_client.get("/admin/lobby/apitoken/").content.decode()
    assert "Alice" in page
    assert display_for_value(expires, "") in page


def test_it_revokes_the_selected_tokens(staff_client: Client, alice: User, bob: User) -> None:
    revoked = services.api_token_create(user=alice)
    kept = services.api_token_create(user=bob)
    response = staff_client.post(
        "/admin/lobby/apitoken/",
        {
            "action": "revoke_tokens",
            "_selected_action": [ApiToken.objects.get(user=alice).pk],
        },
        follow=True,
    )
    assert "Revoked 1 token." in response.content.decode()
    assert user_for_token(revoked) is None
    assert user_for_token(kept) == bob


def test_tokens_are_not_made_in_the_admin(staff_client: Client) -> None:
    assert staff_client.get("/admin/lobby/apitoken/add/").status_code == 403
