"""API identity: guests and log-ins with bearer tokens that expire, log-out, socket
tickets; CSRF only for session requests."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from lobby.auth import user_for_ticket
from lobby.models import ApiToken, User

pytestmark = pytest.mark.django_db

# "ALICE" in full-width letters, which NFKC turns into the usual ones.
FULL_WIDTH_ALICE_CAPITALS = "\uff21\uff2c\uff29\uff23\uff25"


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


def _api_log_in(username: str, password: str, address: str = "10.0.0.1"):
    return Client().post(
        "/api/login/",
        {"username": username, "password": password},
        content_type="application/json",
        REMOTE_ADDR=address,
    )


def test_log_in_returns_a_token_for_a_registered_account(alice):
    response = _api_log_in("Alice", "correct horse battery")
    assert response.status_code == 201
    body = response.json()
    assert body["user"] == {"id": alice.pk, "name": "Alice", "guest": False}
    me = Client().get("/api/me/", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.json()["user"]["id"] == alice.pk


def test_a_wrong_password_is_login_failed(alice):
    response = _api_log_in("alice", "wrong")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "LOGIN_FAILED"
    assert not ApiToken.objects.exists()


def test_a_guest_gets_no_token_from_log_in(alice):
    User.objects.filter(pk=alice.pk).update(is_guest=True)
    response = _api_log_in("alice", "correct horse battery")
    assert response.json()["error"]["code"] == "LOGIN_FAILED"
    assert not ApiToken.objects.exists()


def test_log_in_needs_both_fields(client):
    response = client.post("/api/login/", {"username": "alice"}, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "password"


def test_api_log_ins_share_the_throttle_of_the_page(client, alice, settings):
    # A window far longer than the test, so that its count cannot end midway.
    settings.LOGIN_FAILURE_WINDOW_SECONDS = 24 * 3600
    for attempt in range(settings.LOGIN_FAILURES_ALLOWED - 1):
        client.post(
            "/accounts/login/",
            {"username": "alice", "password": "wrong"},
            REMOTE_ADDR=f"10.0.3.{attempt}",
        )
    assert _api_log_in(FULL_WIDTH_ALICE_CAPITALS, "wrong", "10.0.3.99").status_code == 401
    response = _api_log_in("alice", "correct horse battery", "10.0.4.1")
    assert response.status_code == 429
    error = response.json()["error"]
    assert error["code"] == "RATE_LIMITED"
    assert error["message"].startswith("Too many log-in attempts. Wait")
    assert int(response["Retry-After"]) == error["retry_after"] > 0
    assert not ApiToken.objects.exists()


def test_log_out_revokes_the_token_it_was_sent_with(alice):
    used = _api_log_in("alice", "correct horse battery").json()["token"]
    other = _api_log_in("alice", "correct horse battery").json()["token"]
    response = Client().post("/api/logout/", headers={"Authorization": f"Bearer {used}"})
    assert response.json() == {"logged_out": True}
    assert Client().get("/api/me/", headers={"Authorization": f"Bearer {used}"}).status_code == 401
    assert Client().get("/api/me/", headers={"Authorization": f"Bearer {other}"}).status_code == 200


def test_log_out_ends_a_session(alice):
    client = Client()
    client.force_login(alice)
    assert client.post("/api/logout/").status_code == 200
    assert client.get("/api/me/").json()["error"]["code"] == "AUTH_REQUIRED"


def test_an_expired_token_is_bad_token(client, settings):
    token = client.post("/api/guest/").json()["token"]
    unused = timezone.now() - timedelta(days=settings.TOKEN_TTL_DAYS + 1)
    ApiToken.objects.update(last_used_at=unused)
    response = client.get("/api/me/", headers={"Authorization": f"Bearer {token}"})
    assert response.json()["error"]["code"] == "BAD_TOKEN"


def test_a_socket_ticket_is_for_the_tokens_user_and_lasts_a_minute(client):
    body = client.post("/api/guest/").json()
    response = Client().post(
        "/api/socket-ticket/", headers={"Authorization": f"Bearer {body['token']}"}
    )
    assert response.status_code == 201
    ticket = response.json()
    assert ticket["expires_in"] == 60
    assert user_for_ticket(ticket["ticket"]).pk == body["user"]["id"]


def test_a_socket_ticket_needs_an_identity(client):
    response = client.post("/api/socket-ticket/")
    assert response.json()["error"]["code"] == "AUTH_REQUIRED"
