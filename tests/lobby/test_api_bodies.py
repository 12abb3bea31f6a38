"""Request bodies the API refuses, with or without a body schema (docs/api.md, Conventions)."""

from __future__ import annotations

import pytest

from lobby.models import Lobby, Membership

pytestmark = pytest.mark.django_db


def _post_raw(api, url: str, data: str):
    return api.client.post(
        url, data, content_type="application/json", headers={"Authorization": f"Bearer {api.token}"}
    )


def test_a_call_without_a_body_still_refuses_one_that_is_not_json(api_for, alice, bob, arena_lobby):
    response = _post_raw(api_for(bob), f"/api/lobbies/{arena_lobby.code}/join/", "{")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "BAD_JSON"
    assert not Membership.objects.filter(user=bob).exists()


def test_a_null_field_counts_as_absent(api_for, alice):
    response = api_for(alice).post("/api/lobbies/", {"game": None})

    assert response.json()["error"] == {
        "code": "BAD_REQUEST",
        "message": "'game' is required.",
        "field": "game",
    }


def test_unknown_fields_are_ignored(api_for, alice):
    response = api_for(alice).post("/api/lobbies/", {"game": "arena", "colour": "teal"})

    assert response.status_code == 201


@pytest.mark.parametrize("path", ["chat/", "join/"])
def test_a_body_over_the_upload_limit_is_refused(api_for, bob, arena_lobby, settings, path):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000

    response = _post_raw(
        api_for(bob), f"/api/lobbies/{arena_lobby.code}/{path}", '{"text": "' + "x" * 2000 + '"}'
    )

    assert response.status_code == 400
    assert Lobby.objects.get().memberships.count() == 1
