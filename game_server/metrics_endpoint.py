"""`/metrics`: the figures of game_server/metrics.py in Prometheus' text format.

`MetricsMiddleware`, the first of all, counts every other HTTP response by its status
class (`/health/` included: a 503 there is a 5xx), and answers `/metrics` before the
Host header is read and before the HTTPS redirect, as `/health/` is: a scraper on the
same host asks `http://127.0.0.1:port/metrics`.
Only clients at an address in `METRICS_ALLOWED_IPS` (addresses or networks; loopback by
default), or with `Authorization: Bearer <METRICS_TOKEN>`, get the figures; anyone else
gets 404, as if there were no such page. The address is the one the limits use
(`client_address`): `X-Forwarded-For` counts only with `BEHIND_PROXY=True`.

With `PROMETHEUS_MULTIPROC_DIR` set the answer holds every process of the host, else
this process's own figures. Lobbies by state are counted in the database at each scrape.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Iterator

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseNotFound
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from game_server.limits import client_address
from game_server.metrics import MULTIPROCESS_DIRECTORY, RESPONSES_BY_CLASS, forget_dead_processes
from game_server.middleware import AsyncMiddleware
from lobby.models import Lobby


class LobbiesByState:
    """Lobbies in each state, counted in the database when scraped."""

    def collect(self) -> Iterator[Metric]:
        lobbies = GaugeMetricFamily("game_lobbies", "Lobbies by state", labels=["state"])
        counted = dict(Lobby.objects.values_list("state").annotate(Count("pk")).order_by())
        for state in Lobby.State.values:
            lobbies.add_metric([state], counted.get(state, 0))
        yield lobbies


_database_figures = CollectorRegistry(auto_describe=False)
_database_figures.register(LobbiesByState())


def _allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(entry, strict=False) for entry in settings.METRICS_ALLOWED_IPS]


def may_scrape(request: HttpRequest) -> bool:
    """From an allowed address, or with the token (compared in constant time)."""
    token = settings.METRICS_TOKEN
    authorization = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(authorization.encode(), f"Bearer {token}".encode()):
        return True
    try:
        address = ipaddress.ip_address(client_address(request.META))
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in network for network in _allowed_networks())


def scrape() -> bytes:
    if MULTIPROCESS_DIRECTORY:
        forget_dead_processes(MULTIPROCESS_DIRECTORY)
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=MULTIPROCESS_DIRECTORY)
    else:
        registry = REGISTRY
    return generate_latest(registry) + generate_latest(_database_figures)


class MetricsMiddleware(AsyncMiddleware):
    async def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.path != "/metrics":
            response = await self.get_response(request)
            RESPONSES_BY_CLASS[response.status_code // 100].inc()
            return response
        if not may_scrape(request):
            return HttpResponseNotFound("Not Found", content_type="text/plain")
        return HttpResponse(await sync_to_async(scrape)(), content_type=CONTENT_TYPE_LATEST)
