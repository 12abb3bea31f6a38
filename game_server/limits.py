"""What every limit is built from: who the client is, and counting what they do.

- `client_address`: the address a request or a socket comes from. The proxy's
  `X-Forwarded-For` is believed only with `BEHIND_PROXY=True`; then its last entry (the
  one the proxy itself appended) is the client, so a forged header sent through the
  proxy changes nothing.
- `rate_allowed`: counts one action under a key in fixed windows of the cache (shared by
  every server process when the cache is Redis) and says whether it is within the limit,
  and how long until the window ends (for `Retry-After`).
- `SocketSlots`: how many sockets of one kind a key (an address, a user) holds open in
  this process. Sockets are a process's memory and file descriptors, so their limits are
  per process, and exact: a closed socket gives its slot back at once, and a killed
  process leaves no count behind.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache


def _forwarded_for(value: str) -> str:
    hops = [hop.strip() for hop in value.split(",") if hop.strip()]
    return hops[-1] if hops else ""


def client_address(meta: Mapping[str, Any]) -> str:
    """The client's address from an HTTP request's `META`."""
    if settings.BEHIND_PROXY and (forwarded := meta.get("HTTP_X_FORWARDED_FOR")):
        return _forwarded_for(forwarded) or meta.get("REMOTE_ADDR", "")
    return meta.get("REMOTE_ADDR", "")


def socket_address(scope: Mapping[str, Any]) -> str:
    """The client's address from a WebSocket's ASGI scope."""
    if settings.BEHIND_PROXY:
        headers: Iterable[tuple[bytes, bytes]] = scope.get("headers", ())
        for name, value in headers:
            if name == b"x-forwarded-for" and (address := _forwarded_for(value.decode("latin-1"))):
                return address
    client = scope.get("client")
    return client[0] if client else ""


@dataclass(frozen=True)
class Rate:
    allowed: bool
    # Seconds until the current window ends and the budget is full again.
    retry_after: int


def rate_allowed(key: str, *, limit: int, window: int) -> Rate:
    """Counts one action under `key`; allowed while at most `limit` fall in this window."""
    now = time.time()
    started = math.floor(now / window) * window
    bucket = f"rate:{key}:{started}"
    cache.add(bucket, 0, timeout=window + 1)
    try:
        count = cache.incr(bucket)
    except ValueError:
        # The bucket expired between add and incr: this action starts it again.
        cache.set(bucket, 1, timeout=window + 1)
        count = 1
    return Rate(allowed=count <= limit, retry_after=max(1, math.ceil(started + window - now)))


class SocketSlots:
    """Open sockets per key in this process, up to a limit."""

    def __init__(self) -> None:
        self._open: Counter[str] = Counter()

    def take(self, key: str, *, limit: int) -> bool:
        """Takes a slot for one more socket under `key`; False when all are taken."""
        if self._open[key] >= limit:
            return False
        self._open[key] += 1
        return True

    def give_back(self, key: str) -> None:
        self._open[key] -= 1
        if self._open[key] <= 0:
            del self._open[key]

    def count(self, key: str) -> int:
        return self._open[key]
