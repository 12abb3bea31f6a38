"""A process's rounds, twice a second (Redis mode): it renews the lease of every room it
runs, saving each, all in one pipeline; then it checks the lease of every other room it
has a socket of, and takes the rooms whose owner is gone.

An owner is gone when its lease expired (killed) or was let go (stopped), while its
save remains; a room whose lease and save Redis both lost (it restarted empty) is taken
from its database save once a lease's time has passed, the time a live owner needs to
take its lease again. A process that found Redis silent or away takes no room for a
lease's time after: the owners' leases ran out meanwhile, and they take them again
first.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

import redis.asyncio as redis
from channels.db import database_sync_to_async

from game_server import metrics
from games import services
from games.engine.lease import LEASE_SECONDS, RENEW_SECONDS, lease_key, save_key
from games.engine.link import RoomLink
from games.engine.owned import OwnedRoom
from games.engine.saves import Saved
from games.engine.tasks import cancel_and_wait

logger = logging.getLogger(__name__)


@dataclass(eq=False)
class SharedRoom:
    """A room that this process has a socket of."""

    spec: services.RoomSpec
    link: RoomLink
    # While this process runs it.
    owned: OwnedRoom | None = None
    # Since when (monotonic) the room has had neither a lease nor a save in Redis.
    unsaved_since: float | None = None


Take = Callable[[SharedRoom, bool, Saved | None], Awaitable[bool]]


class Failover:
    def __init__(
        self,
        client: redis.Redis,
        *,
        rooms: Callable[[], Iterable[SharedRoom]],
        take: Take,
        over: Callable[[SharedRoom], Awaitable[None]],
    ) -> None:
        """`take(room, need_save, fallback)` runs the room here if its lease is free;
        `over(room)`: its match is over."""
        self.client = client
        self.rooms = rooms
        self.take = take
        self.over = over
        # When Redis last failed to answer this process (monotonic).
        self.unanswered_at = float("-inf")
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(
                self._rounds(), name="rooms' leases"
            )

    def wake(self) -> None:
        """Runs the next round now rather than at its time (an owner let go of a room)."""
        self._wake.set()

    async def close(self) -> None:
        if self._task is not None:
            await cancel_and_wait(self._task)

    async def _rounds(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), RENEW_SECONDS)
            self._wake.clear()
            await self._renew_all()
            try:
                await self._watch_all()
            except redis.RedisError as error:
                self.unanswered_at = time.monotonic()
                logger.warning("cannot reach Redis for the rooms' leases: %s", error)

    async def _renew_all(self) -> None:
        """Renews the lease of, and saves, every room run here: one round trip."""
        owned = [
            (shared, shared.owned)
            for shared in self.rooms()
            if shared.owned is not None and shared.owned.lease.held
        ]
        if not owned:
            return
        pipeline = self.client.pipeline(transaction=False)
        for _, room in owned:
            # Queued in the pipeline: the await returns at once.
            await room.lease.renew(room.room, pipeline=pipeline)
        sent_at = time.monotonic()
        try:
            answers = await pipeline.execute(raise_on_error=False)
        except redis.RedisError as error:
            self.unanswered_at = time.monotonic()
            answers = [error] * len(owned)
        for (shared, room), answer in zip(owned, answers, strict=True):
            if shared.owned is room:
                room.lease.heard(answer, sent_at)

    async def _watch_all(self) -> None:
        """Takes every room this process has a socket of whose owner is gone."""
        watched = [shared for shared in self.rooms() if shared.owned is None]
        if not watched:
            return
        pipeline = self.client.pipeline(transaction=False)
        for shared in watched:
            pipeline.exists(lease_key(shared.spec.match_id))
            pipeline.exists(save_key(shared.spec.match_id))
        found = await pipeline.execute()
        if time.monotonic() - self.unanswered_at < LEASE_SECONDS:
            # Redis was silent or away for this process, so surely for the owners too.
            return
        held = zip(watched, found[::2], found[1::2], strict=True)
        taken = [self._take_orphan(shared, lease, save) for shared, lease, save in held]
        outcomes = await asyncio.gather(*taken, return_exceptions=True)
        for shared, outcome in zip(watched, outcomes, strict=True):
            if isinstance(outcome, Exception):
                logger.warning(
                    "room %s: cannot take it over: %s",
                    shared.spec.match_id,
                    outcome,
                    extra={"match_id": shared.spec.match_id},
                )

    async def _take_orphan(self, shared: SharedRoom, lease: int, save: int) -> None:
        """Takes the room if its owner is gone (`lease`, `save`: whether Redis holds
        them)."""
        if lease or save:
            shared.unsaved_since = None
            if not lease and await self.take(shared, True, None):
                metrics.ROOMS_TAKEN_OVER.labels(shared.spec.game).inc()
            return
        now = time.monotonic()
        if shared.unsaved_since is None:
            shared.unsaved_since = now
        if now - shared.unsaved_since < LEASE_SECONDS:
            return
        spec = await database_sync_to_async(services.match_room_spec)(match_id=shared.spec.match_id)
        if spec is None:
            await self.over(shared)
        elif await self.take(shared, False, spec.saved):
            metrics.ROOMS_TAKEN_OVER.labels(shared.spec.game).inc()
