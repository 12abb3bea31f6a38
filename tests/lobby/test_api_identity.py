"""API identity: guest accounts with bearer tokens; CSRF only for session requests."""

from __future__ import annotations

import pytest
from django.test import Client

from lobby.models import ApiToken, User

pytestmark = pytest.mark.django_db


def test_it_creates_a_guest_with_a_token(client):
    response = client.post("/api/guest/", content_type="application/json")
    assert response.status_code == 201
    body = response.json()
    user = User.objects.get(pk=body["user"]["id"])
    assert user.is_guest
    assert body["user"]["name"] == user.display_name
    assert len(body["token"]) >= 40


def test_it_names_the_guest_when_asked(client):
    response = client.post("/api/guest/", {"name": "Botty"}, content_type="application/json")
    assert response.json()["user"]["name"] == "Botty"


def test_a_bad_guest_name_is_bad_request(client):
    response = client.post("/api/guest/", {"name": "x" * 33}, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "BAD_REQUEST"
    assert not User.objects.exists()


def test_only_the_tokens_hash_is_stored(client):
    token = client.post("/api/guest/").json()["token"]
    stored = ApiToken.objects.get()
    assert token not in stored.key_hash
    assert len(stored.key_hash) == 64


def test_the_token_identifies_the_user(client):
    body = client.post("/api/guest/").json()
    response = Client().get("/api/me/", headers={"Authorization": f"Bearer {body['token']}"})
    assert response.status_code == 200
    assert response.json() == {"user": body["user"], "lobby": None}


def test_a_wrong_token_is_bad_token(client):
    response = client.get("/api/me/", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "BAD_TOKEN"


def test_another_scheme_is_bad_token(client):
    response = client.get("/api/me/", headers={"Authorization": "Basic YWxpY2U6eA=="})
    assert response.status_code == 401


def test_a_token_of_a_deactivated_user_is_bad_token(client):
    body = client.post("/api/guest/").json()
    User.objects.filter(pk=body["user"]["id"]).update(is_active=False)
    response = client.get("/api/me/", headers={"Authorization": f"Bearer {body['token']}"})
    assert response.status_code == 401


def test_no_identity_is_auth_required(client):
    response = client.get("/api/me/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "AUTH_REQUIRED"


def test_a_token_request_needs_no_csrf_token():
    client = Client(enforce_csrf_checks=True)
    token = client.post("/api/guest/").json()["token"]
    response = client.post(
        "/api/lobbies/",
        {"game": "arena"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 201


def test_a_session_request_without_csrf_token_is_refused(alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    response = client.post("/api/lobbies/", {"game": "arena"}, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "CSRF_FAILED"


def test_a_session_request_with_csrf_token_is_accepted(alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    client.get("/lobbies/")
    csrf = client.cookies["csrftoken"].value
    response = client.post(
        "/api/lobbies/",
        {"game": "arena"},
        content_type="application/json",
        headers={"X-CSRFToken": csrf},
    )
    assert response.status_code == 201


def test_the_pages_keep_their_csrf_check(alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    assert client.post("/lobbies/join/", {"code": "AAAAAA"}).status_code == 403


def test_a_wrong_method_is_method_not_allowed(client):
    response = client.get("/api/guest/")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "METHOD_NOT_ALLOWED"


def test_a_body_that_is_not_an_object_is_bad_json(api_for, alice):
    api = api_for(alice)
    response = api.client.post(
        "/api/lobbies/",
        "[1, 2",
        content_type="application/json",
        headers={"Authorization": f"Bearer {api.token}"},
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "BAD_JSON"


def test_form_data_instead_of_json_is_bad_json(api_for, alice):
    api = api_for(alice)
    response = api.client.post(
        "/api/lobbies/", {"game": "arena"}, headers={"Authorization": f"Bearer {api.token}"}
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "BAD_JSON"
