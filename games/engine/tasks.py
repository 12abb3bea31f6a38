"""Stopping a task that talks to Redis."""

from __future__ import annotations

import asyncio

# How long a cancelled task gets before it is cancelled again.
RECANCEL_SECONDS = 0.05


async def cancel_and_wait(task: asyncio.Task) -> None:
    """Cancels the task and waits until it has ended.

    redis-py can swallow a cancellation that lands inside one of its calls (a subscribe
    or a publish on a connection being set up), leaving the task waiting on for good:
    such a task is cancelled again until it ends.
    """
    while not task.done():
        task.cancel()
        await asyncio.wait({task}, timeout=RECANCEL_SECONDS)
