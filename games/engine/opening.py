"""Opening rooms, shared by both registries: a room built from its match's record, and
one opening per room however many sockets ask for it at once."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from django.conf import settings

from games import services
from games.engine.room import Room
from games.rules import CATALOGUE

Opened = TypeVar("Opened")


def room_from_spec(spec: services.RoomSpec) -> Room:
    """A fresh room for the match, at tick 0 with its seed."""
    return Room(
        room_id=spec.match_id,
        game=CATALOGUE[spec.game],
        settings=spec.settings,
        players=spec.players,
        seed=spec.seed,
        seat_window_seconds=settings.SEAT_WINDOW_SECONDS,
        removed=spec.removed,
    )


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
