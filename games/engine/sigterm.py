"""Letting go of rooms before the server process stops on SIGTERM (Redis mode).

Daphne (Twisted's handler) and uvicorn stop on SIGTERM; a rolling restart must lose no
room. The registry asks to go first: it saves and lets go of the rooms it runs, then
the server's own handler runs as it would have.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable
from types import FrameType
from typing import Any

Handler = Callable[[int, FrameType | None], Any] | int | None

# The hand-overs under way: the event loop holds its tasks only weakly.
_handing_over: set[asyncio.Task[None]] = set()


def before_sigterm(first: Callable[[], Awaitable[None]], *, within: float) -> None:
    """On SIGTERM, runs `first` for at most `within` seconds, then the handler that was
    there before. Outside the main thread the server handles signals alone."""
    try:
        loop = asyncio.get_running_loop()
        previous = signal.getsignal(signal.SIGTERM)
        loop.add_signal_handler(signal.SIGTERM, _terminate, loop, previous, first, within)
    except (RuntimeError, ValueError):
        return


def _terminate(
    loop: asyncio.AbstractEventLoop,
    previous: Handler,
    first: Callable[[], Awaitable[None]],
    within: float,
) -> None:
    async def then_previous() -> None:
        try:
            await asyncio.wait_for(first(), within)
        finally:
            loop.remove_signal_handler(signal.SIGTERM)
            signal.signal(signal.SIGTERM, previous)
            if callable(previous):
                previous(signal.SIGTERM, None)
            else:
                signal.raise_signal(signal.SIGTERM)

    task = loop.create_task(then_previous())
    _handing_over.add(task)
    task.add_done_callback(_handing_over.discard)
