from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_the_home_page_offers_guest_play_and_sign_in(client: Client) -> None:
    page = client.get("/").content.decode()
    assert "Play as guest" in page
    assert 'href="/accounts/login/"' in page


def test_the_admin_log_in_page_is_served(client: Client) -> None:
    assert client.get("/admin/login/").status_code == 200


def test_the_admin_filters_users_by_guest(admin_client: Client) -> None:
    response = admin_client.get("/admin/lobby/user/?is_guest__exact=1")
    assert response.status_code == 200
