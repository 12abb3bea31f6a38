"""This event loop's registry (tests run each on a loop of its own): every room in this
process (local_registry.py), or with REDIS_URL rooms shared by every process on that
Redis (redis_registry.py)."""

from __future__ import annotations

import asyncio
import weakref

from django.conf import settings

from games.engine.handle import Registry
from games.engine.local_registry import LocalRegistry
from games.engine.redis_registry import RedisRegistry

_registries: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Registry] = (
    weakref.WeakKeyDictionary()
)


def registry() -> Registry:
    loop = asyncio.get_running_loop()
    if loop not in _registries:
        _registries[loop] = RedisRegistry() if settings.REDIS_URL else LocalRegistry()
    return _registries[loop]
