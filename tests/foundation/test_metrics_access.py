"""Who may read /metrics: clients on METRICS_ALLOWED_IPS (loopback by default), or with
the bearer METRICS_TOKEN. Anyone else gets 404, as if there were no such page."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

from lobby import services

pytestmark = pytest.mark.django_db(transaction=True)

FOREIGN = "203.0.113.7"
SETTINGS_FILE = Path(__file__).resolve().parents[2] / "game_server" / "settings.py"
FIVE_XX = 'game_http_responses_total{status="5xx"}'


def test_it_answers_a_scraper_on_loopback_in_prometheus_text(client: Client) -> None:
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    assert b"# TYPE game_ticks_total counter" in response.content


def test_it_answers_a_scraper_on_ipv6_loopback(client: Client) -> None:
    assert client.get("/metrics", REMOTE_ADDR="::1").status_code == 200


def test_it_answers_on_a_host_name_it_does_not_serve(client: Client, settings) -> None:
    # A scraper asks http://127.0.0.1:port/metrics: no ALLOWED_HOSTS check, no redirect.
    settings.ALLOWED_HOSTS = ["games.example.com"]
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_HOST="127.0.0.1:8000")
    assert response.status_code == 200


def test_it_refuses_a_foreign_address_with_404(client: Client) -> None:
    response = client.get("/metrics", REMOTE_ADDR=FOREIGN)
    assert response.status_code == 404
    assert b"game_" not in response.content


def test_it_answers_an_allowed_network(client: Client, settings) -> None:
    settings.METRICS_ALLOWED_IPS = ["203.0.113.0/24"]
    assert client.get("/metrics", REMOTE_ADDR=FOREIGN).status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 404


def test_it_answers_a_foreign_address_with_the_token(client: Client, settings) -> None:
    settings.METRICS_TOKEN = "scrape-me-4f1c"
    response = client.get(
        "/metrics", REMOTE_ADDR=FOREIGN, HTTP_AUTHORIZATION="Bearer scrape-me-4f1c"
    )
    assert response.status_code == 200


def test_it_refuses_a_wrong_token(client: Client, settings) -> None:
    settings.METRICS_TOKEN = "scrape-me-4f1c"
    for authorization in ("Bearer scrape-me-4f1d", "Bearer ", "scrape-me-4f1c"):
        response = client.get("/metrics", REMOTE_ADDR=FOREIGN, HTTP_AUTHORIZATION=authorization)
        assert response.status_code == 404


def test_it_refuses_any_token_when_none_is_set(client: Client) -> None:
    response = client.get("/metrics", REMOTE_ADDR=FOREIGN, HTTP_AUTHORIZATION="Bearer ")
    assert response.status_code == 404


def test_it_refuses_a_forged_forwarded_for_without_a_proxy(client: Client) -> None:
    response = client.get("/metrics", REMOTE_ADDR=FOREIGN, HTTP_X_FORWARDED_FOR="127.0.0.1")
    assert response.status_code == 404


def test_it_believes_the_proxy_behind_one(client: Client, settings) -> None:
    settings.BEHIND_PROXY = True
    # The proxy appends the address it saw: a forged first entry changes nothing.
    forged = client.get(
        "/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=f"127.0.0.1, {FOREIGN}"
    )
    assert forged.status_code == 404
    local = client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="127.0.0.1")
    assert local.status_code == 200


def test_it_counts_lobbies_by_state_when_scraped(client: Client, alice) -> None:
    services.lobby_create(host=alice, game="arena", name="Alice's arena")
    text = client.get("/metrics").content.decode()
    assert 'game_lobbies{state="open"} 1.0' in text
    assert 'game_lobbies{state="closed"} 0.0' in text


def test_a_setting_that_is_not_an_address_stops_the_start(monkeypatch) -> None:
    monkeypatch.setenv("METRICS_ALLOWED_IPS", "127.0.0.1,localhost")
    with pytest.raises(ImproperlyConfigured, match="METRICS_ALLOWED_IPS entry 'localhost'"):
        runpy.run_path(str(SETTINGS_FILE))


def test_it_counts_responses_by_status_class(client: Client, settings) -> None:
    def server_errors() -> float:
        text = client.get("/metrics").content.decode()
        line = next(line for line in text.splitlines() if line.startswith(FIVE_XX))
        return float(line.split()[-1])

    before = server_errors()
    # Nothing listens on port 1: the health check answers 503.
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    assert client.get("/health/").status_code == 503
    assert server_errors() == before + 1
