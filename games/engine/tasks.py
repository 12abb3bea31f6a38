"""Ways with tasks that the registries share: stopping a task that talks to Redis,
opening a room once for every socket that asks for it at the same time, and handling a
channel's messages in order with no task for the common ones (`Inbox`)."""

from __future__ import annotations

import asyncio
import collections
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

logger = logging.getLogger(__name__)

Opened = TypeVar("Opened")
Message = dict[str, Any]

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


class Inbox:
    """A channel's messages, handled in the order they come. `at_once` handles those it
    can there and then (an input, a tick's frames) and returns True; the others go to
    `later`, awaited in a task of the inbox's own, and every message after one of them
    waits behind it."""

    def __init__(
        self,
        at_once: Callable[[Message], bool],
        later: Callable[[Message], Awaitable[None]],
        name: str,
    ) -> None:
        self._at_once = at_once
        self._later = later
        self._name = name
        # Messages waiting behind one that `later` handles; None while none is.
        self._waiting: collections.deque[Message] | None = None
        self._task: asyncio.Task[None] | None = None

    def take(self, message: Message) -> None:
        if self._waiting is not None:
            self._waiting.append(message)
        elif not self._at_once(message):
            self._waiting = collections.deque()
            self._task = asyncio.get_running_loop().create_task(
                self._handle(message, self._waiting), name=self._name
            )

    async def _handle(self, message: Message, waiting: collections.deque[Message]) -> None:
        try:
            while True:
                try:
                    await self._later(message)
                except Exception:
                    logger.exception("%s: a %s message failed", self._name, message.get("type"))
                while waiting:
                    message = waiting.popleft()
                    if not self._at_once(message):
                        break
                else:
                    return
        finally:
            self._waiting = self._task = None

    async def close(self) -> None:
        """Stops handling the message `later` is on, and forgets those waiting."""
        if self._task is not None:
            await cancel_and_wait(self._task)
