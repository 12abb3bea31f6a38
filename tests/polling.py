"""Waiting, in a test, until something holds."""

from __future__ import annotations

import asyncio
from collections.abc import Callable


async def until(check: Callable[[], object], seconds: float = 5.0, interval: float = 0.02) -> None:
    """Asks `check` every `interval` seconds until it answers true (awaiting an answer
    that is a coroutine); fails the test after `seconds`."""
    for _ in range(max(1, round(seconds / interval))):
        answer = check()
        if await answer if asyncio.iscoroutine(answer) else answer:
            return
        await asyncio.sleep(interval)
    raise AssertionError(f"still not so after {seconds} s")
