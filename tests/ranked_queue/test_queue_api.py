"""`/api/queue/`: join, read (which keeps an API client present and runs the matching),
leave; and the refusals a client acts on."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from games.services import match_create
from lobby import services
from ranked.models import QueueEntry

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]


def api(user) -> Client:
    return Client(headers={"Authorization": f"Bearer {services.api_token_create(user=user)}"})


def test_a_client_joins_reads_and_leaves(alice) -> None:
    client = api(alice)

    joined = client.post("/api/queue/", {"game": "arena"}, content_type="application/json")
    read = client.get("/api/queue/")
    left = client.delete("/api/queue/")

    assert joined.status_code == 201
    assert joined.json()["queue"]["state"] == "waiting"
    assert read.json()["queue"]["window"] == 100
    assert left.json() == {"left": "arena"}
    assert not QueueEntry.objects.exists()
    assert client.get("/api/queue/").json()["error"]["code"] == "NOT_QUEUED"


def test_reading_keeps_an_api_client_in_the_queue(alice, settings) -> None:
    settings.RANKED_PRESENCE_SECONDS = 30
    client = api(alice)
    client.post("/api/queue/", {"game": "arena"}, content_type="application/json")
    long_ago = timezone.now() - timedelta(seconds=25)
    QueueEntry.objects.update(seen_at=long_ago)

    client.get("/api/queue/")

    assert QueueEntry.objects.get().seen_at > long_ago


def test_two_api_clients_are_matched_by_their_reads(alice, bob) -> None:
    alice_client, bob_client = api(alice), api(bob)
    for client in (alice_client, bob_client):
        client.post("/api/queue/", {"game": "connect_four"}, content_type="application/json")

    place = alice_client.get("/api/queue/").json()["queue"]
    other = bob_client.get("/api/queue/").json()["queue"]

    assert (place["state"], other["state"]) == ("matched", "matched")
    assert place["match_id"] == other["match_id"]
    assert place["play_url"] == f"/play/{place['match_id']}/"


def test_a_player_of_a_running_match_cannot_queue(alice, bob) -> None:
    match_create(game="connect_four", settings={}, players=[alice, bob])

    answer = api(alice).post("/api/queue/", {"game": "arena"}, content_type="application/json")

    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "IN_ANOTHER_MATCH"


def test_a_stranger_cannot_queue() -> None:
    answer = Client().post("/api/queue/", {"game": "arena"}, content_type="application/json")

    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "AUTH_REQUIRED"
