"""The health endpoint: 200 when the database and the channel layer answer, else 503.

`HealthMiddleware` answers `/health/` first of all middleware, before anything reads the
Host header: load balancers and the rolling restart in docs/deploy.md probe
`http://127.0.0.1:port/health/`, which neither a strict `ALLOWED_HOSTS` nor the HTTPS
redirect would let through.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponseBase, JsonResponse
from redis import asyncio as aioredis

from game_server.middleware import AsyncMiddleware

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 3.0


def _database_ok() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


async def _channel_layer_ok() -> None:
    # The in-process layer cannot be unreachable; the Redis layer is as reachable as Redis.
    if not settings.REDIS_URL:
        return
    client = aioredis.from_url(settings.REDIS_URL, socket_connect_timeout=TIMEOUT_SECONDS)
    try:
        await client.ping()
    finally:
        await client.aclose()


async def _check(name: str, probe: Awaitable[None]) -> str | None:
    try:
        await asyncio.wait_for(probe, TIMEOUT_SECONDS)
    except Exception as error:
        logger.warning("health check: %s is down: %r", name, error)
        return name
    return None


async def health(request: HttpRequest) -> JsonResponse:
    failing = [
        name
        for name in await asyncio.gather(
            _check("database", sync_to_async(_database_ok)()),
            _check("channel_layer", _channel_layer_ok()),
        )
        if name
    ]
    if failing:
        return JsonResponse({"status": "unavailable", "failing": failing}, status=503)
    return JsonResponse({"status": "ok", "failing": []})


class HealthMiddleware(AsyncMiddleware):
    async def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.path == "/health/":
            return await health(request)
        return await self.get_response(request)
