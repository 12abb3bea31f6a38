"""Two ways with tasks that the registries share: stopping a task that talks to Redis,
and opening a room once for every socket that asks for it at the same time."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

Opened = TypeVar("Opened")

# How long a cancelled task gets before it is cancelled again.
RECANCEL_SECONDS = 0.05


async def cancel_and_wait(task: asyncio.Task[Any]) -> None:
    """Cancels the task and waits until it has ended.

    redis-py can swallow a cancellation that lands inside one of its calls (a subscribe
    or a publish on a connection being set up), leaving the task waiting on for good:
    such a task is cancelled again until it ends.
    """
    while not task.done():
        task.cancel()
        await asyncio.wait({task}, timeout=RECANCEL_SECONDS)


async def open_once(
    pending: dict[str, asyncio.Future[Opened]], key: str, open_: Callable[[], Awaitable[Opened]]
) -> Opened:
    """Runs `open_` once for every caller that asks for `key` while it runs."""
    if future := pending.get(key):
        return await asyncio.shield(future)
    future = asyncio.get_running_loop().create_future()
    pending[key] = future
    try:
        opened = await open_()
        future.set_result(opened)
    except BaseException as error:
        future.set_exception(error)
        raise
    finally:
        del pending[key]
    return opened
