from __future__ import annotations

import uuid

import pytest
from django.test import Client

from games.services import match_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def match(alice: object, bob: object) -> object:
    return match_create(game="arena", settings={}, players=[alice, bob])


def test_it_renders_for_a_seated_player(client: Client, alice: object, match: object) -> None:
    client.force_login(alice)
    response = client.get(f"/play/{match.pk}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert f'data-match-id="{match.pk}"' in page
    assert 'data-game="arena"' in page
    assert f'data-player-id="{alice.pk}"' in page
    assert f'data-ws-url="ws://testserver/ws/play/{match.pk}/"' in page
    assert "js/play.js" in page


def test_it_renders_for_the_second_seat_too(client: Client, bob: object, match: object) -> None:
    client.force_login(bob)
    assert client.get(f"/play/{match.pk}/").status_code == 200


def test_it_is_404_for_an_unknown_match(client: Client, alice: object) -> None:
    client.force_login(alice)
    assert client.get(f"/play/{uuid.uuid4()}/").status_code == 404


def test_it_tells_an_unseated_user_they_have_no_seat(
    client: Client, django_user_model: type, match: object
) -> None:
    carol = django_user_model.objects.create_user(username="carol", password="x" * 20)
    client.force_login(carol)
    response = client.get(f"/play/{match.pk}/")
    page = response.content.decode()
    assert response.status_code == 403
    assert "You do not have a seat in this game" in page
    assert "js/play.js" not in page


def test_it_requires_log_in(client: Client, match: object) -> None:
    response = client.get(f"/play/{match.pk}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
