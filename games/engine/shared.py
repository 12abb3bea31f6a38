"""Rooms shared by several server processes through Redis: one owner per room.

A process owns a room while it holds the room's lease, a Redis key with a short expiry
whose value is a fencing token (an INCR counter plus the process id). Twice a second
each process, in one pipeline, renews the lease and saves (`Room.save`) every room it
runs, one Lua script each, and checks the lease of every room it has a player or a
spectator of but does not run. A script that finds another token in the lease refuses,
and that room's runner stops before its next tick. While Redis does not answer at all
(every call times out after REDIS_TIMEOUT_SECONDS, or it is restarting), nobody can
take a room, so its owner ticks on; it records a result only once Redis confirms its
lease again. The tick path itself never waits on Redis. Sockets on a process that does
not own their room reach the owner on the room's engine channel; on the owning process
they call the runner directly. When a room's owner is gone (killed, or let go on
SIGTERM) a process with a socket of it takes the lease, restores the room from the last
save (Redis's, or if Redis lost it, the one in the database), and asks every socket of
the room to join again. docs/deploy.md has the timings.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import time
import uuid
from typing import Any

import redis.asyncio as redis
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings

from game_server import metrics
from games import services
from games.engine import lifecycle
from games.engine.opening import DatabaseSaver, open_once, room_from_spec
from games.engine.room import Room, SavedRoom
from games.engine.runner import LiveRoom, RoomRunner, group_name, spectators_group_name
from games.engine.tasks import cancel_and_wait
from games.rules import CATALOGUE

logger = logging.getLogger(__name__)

LEASE_SECONDS = 3.0
# How often a process renews its leases, saves its rooms and checks the owners of rooms
# it has players of.
KEEP_SECONDS = 0.5
# An owner stops ticking this long before its lease could have expired in Redis.
KEEP_MARGIN_SECONDS = 0.5
SAVE_TTL_SECONDS = 3600

# KEYS: lease, save, fence. ARGV: process, lease ms, whether a save must exist.
ACQUIRE = """
if redis.call('EXISTS', KEYS[1]) == 1 then return false end
if ARGV[3] == '1' and redis.call('EXISTS', KEYS[2]) == 0 then return false end
local token = redis.call('INCR', KEYS[3]) .. ':' .. ARGV[1]
redis.call('SET', KEYS[1], token, 'PX', ARGV[2])
return token
"""
# KEYS: lease, save. ARGV: token, lease ms, room data ('' for none), save ttl.
# A missing lease (Redis restarted, or a long pause) is taken again unless another
# owner has saved the room since.
KEEP = """
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
elseif holder == false then
  local writer = redis.call('HGET', KEYS[2], 'writer')
  if writer and writer ~= ARGV[1] then return 0 end
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
else
  return 0
end
if ARGV[3] ~= '' then
  redis.call('HSET', KEYS[2], 'data', ARGV[3], 'writer', ARGV[1])
  redis.call('EXPIRE', KEYS[2], ARGV[4])
end
return 1
"""
# KEYS: lease, save. ARGV: token, whether to delete the save too (the match ended).
RELEASE = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
if ARGV[2] == '1' then redis.call('DEL', KEYS[2]) end
return 1
"""


def _process_of(token: bytes) -> str:
    """The process named in a lease's fencing token."""
    return token.decode().split(":", 1)[1]


def engine_channel(room_id: str) -> str:
    return f"room-engine.{room_id.replace('-', '')}"


class RoomLink:
    """A room as one process sees it: run here (`runner` set) or reached over the layer."""

    def __init__(self, registry: RedisRegistry, spec: services.RoomSpec) -> None:
        self.registry = registry
        self.spec = spec
        self.room_id = spec.match_id
        self.group = group_name(spec.match_id)
        self.spectators_group = spectators_group_name(spec.match_id)
        self.engine_channel = engine_channel(spec.match_id)
        self.runner: RoomRunner | None = None
        self.ended = False
        # Sockets on this process: player -> consumer channel, and spectators' channels.
        self.local: dict[str, str] = {}
        self.watchers: set[str] = set()
        # While run here: the lease's token, until when it surely holds, and whether the
        # last renewal went unanswered (Redis away or silent).
        self.token = ""
        self.valid_until = 0.0
        self.unreachable = False
        # Since when (monotonic) the room has had neither a lease nor a save in Redis.
        self.unsaved_since: float | None = None
        self._renewed = asyncio.Event()
        self._tick_rate = CATALOGUE[spec.game].tick_rate(spec.settings)
        self._tick_at = (0, time.monotonic())
        self._engine: asyncio.Task[None] | None = None
        key = f"room:{self.room_id}"
        self.keys = [f"{key}:lease", f"{key}:save", f"{key}:fence"]

    # The socket's interface, as on RoomRunner.

    @property
    def tick(self) -> int:
        if self.runner is not None:
            return self.runner.room.ctx.tick
        # Not run here: an estimate from the last save read.
        tick, at = self._tick_at
        return tick + int((time.monotonic() - at) * self._tick_rate)

    async def submit(self, player: str, seq: int, data: dict[str, Any]) -> None:
        if (runner := self.runner) is not None:
            runner.room.submit(player, seq, data)
        else:
            message = {"type": "engine.input", "player": player, "seq": seq, "data": data}
            await self.registry.layer.send(self.engine_channel, message)

    async def join(self, player: str, channel: str) -> None:
        self.local[player] = channel
        await self._forward("join", player, channel)

    async def leave(self, player: str, channel: str) -> None:
        if self.local.get(player) == channel:
            del self.local[player]
        await self._forward("leave", player, channel)
        await self.registry.forget_if_unused(self)

    async def resync(self, player: str, channel: str) -> None:
        await self._forward("resync", player, channel)

    async def watch(self, viewer: str, name: str, channel: str) -> None:
        """A spectator's socket here: its snapshot comes from wherever the room runs, which
        counts the room's spectators."""
        self.watchers.add(channel)
        if (runner := self.runner) is not None:
            await runner.watch(viewer, name, channel)
        else:
            message = {"type": "engine.watch", "viewer": viewer, "name": name, "channel": channel}
            await self.registry.layer.send(self.engine_channel, message)

    async def unwatch(self, viewer: str, channel: str) -> None:
        self.watchers.discard(channel)
        if (runner := self.runner) is not None:
            await runner.unwatch(viewer, channel)
        else:
            message = {"type": "engine.unwatch", "viewer": viewer, "channel": channel}
            await self.registry.layer.send(self.engine_channel, message)
        await self.registry.forget_if_unused(self)

    def detach(self, player: str, channel: str) -> None:
        if self.local.get(player) == channel:
            del self.local[player]

    def release_noted(self) -> None:
        self.registry.wake()

    async def _forward(self, action: str, player: str, channel: str) -> None:
        if (runner := self.runner) is not None:
            await getattr(runner, action)(player, channel)
        else:
            message = {"type": f"engine.{action}", "player": player, "channel": channel}
            await self.registry.layer.send(self.engine_channel, message)

    # Ownership.

    async def start(self) -> None:
        """Takes the room if nobody owns it; the registry watches its owner from now on."""
        await self.take(need_save=False, fallback=self.spec.saved)
        if self.runner is None:
            await self._read_tick()
        else:
            metrics.ROOMS_OPENED.labels(self.spec.game).inc()

    async def _read_tick(self) -> None:
        data = await self.registry.redis.hget(self.keys[1], "data")
        if data:
            self._tick_at = (SavedRoom.read(data).tick, time.monotonic())

    async def take(self, *, need_save: bool, fallback: bytes | None = None) -> None:
        """Runs the room here if its lease is free: from its save in Redis, which
        `need_save` requires, or else from `fallback` (its database save) if given."""
        lease, save, fence = self.keys
        token = await self.registry.redis.eval(
            ACQUIRE, 3, lease, save, fence, self.registry.process, int(LEASE_SECONDS * 1000),
            "1" if need_save else "0",
        )  # fmt: skip
        if token is None:
            return
        self.token = token.decode()
        saved, writer = await self.registry.redis.hmget(save, "data", "writer")
        data = saved or fallback
        room = room_from_spec(self.spec, data)
        if not await self._keep(room):
            return
        layer = self.registry.layer
        runner = RoomRunner(room, layer=layer, on_end=self._ended, keeper=self)
        self.runner = runner
        self.registry.runners[self.room_id] = runner
        self._engine = asyncio.get_running_loop().create_task(
            self._serve_engine(runner), name=f"engine {self.room_id}"
        )
        runner.start()
        resumed_from = "redis" if saved else "database" if fallback else None
        self._log_taken(room, resumed_from=resumed_from, writer=writer)
        if data:
            # Sockets on every process join again, so that they get a snapshot from here.
            await layer.group_send(self.group, {"type": "room.rejoin"})

    def _log_taken(self, room: Room, *, resumed_from: str | None, writer: bytes | None) -> None:
        """Taken over if another process wrote the save it resumed from (its token,
        `fence:process`), opened otherwise."""
        owner = self.registry.process
        previous_owner = writer.decode().split(":", 1)[1] if writer else owner
        if previous_owner != owner:
            lifecycle.room_taken_over(room, owner=owner, previous_owner=previous_owner)
            return
        lifecycle.room_opened(room, owner=owner, resumed_from=resumed_from)

    async def _serve_engine(self, runner: RoomRunner) -> None:
        """Messages from sockets on other processes, for the room run here."""
        layer = self.registry.layer
        while True:
            message = await layer.receive(self.engine_channel)
            kind = message["type"]
            if kind == "engine.watch":
                await runner.watch(message["viewer"], message["name"], message["channel"])
                continue
            if kind == "engine.unwatch":
                await runner.unwatch(message["viewer"], message["channel"])
                continue
            if kind == "engine.remove":
                await runner.remove(message["user"])
                continue
            if kind == "engine.end":
                runner.end()
                continue
            player = message["player"]
            if player not in runner.room.seats:
                continue
            if kind == "engine.input":
                runner.room.submit(player, message["seq"], message["data"])
            elif kind in ("engine.join", "engine.leave", "engine.resync"):
                await getattr(runner, kind[len("engine.") :])(player, message["channel"])

    def keep_arguments(self, room: Room) -> list[Any]:
        """The KEEP script's arguments: this owner's token and the room as saved now."""
        return [self.token, int(LEASE_SECONDS * 1000), room.save(), SAVE_TTL_SECONDS]

    async def _keep(self, room: Room) -> bool:
        """Renews the lease and saves the room once, now (taking or letting go of it)."""
        sent_at = time.monotonic()
        kept = await self.registry.keep_script(keys=self.keys[:2], args=self.keep_arguments(room))
        self.note_kept(kept, sent_at)
        return bool(kept)

    def note_kept(self, kept: int | Exception, sent_at: float) -> None:
        """The answer to a renewal sent at `sent_at`."""
        if isinstance(kept, Exception):
            if not self.unreachable:
                logger.warning(
                    "room %s: cannot renew its lease: %s",
                    self.room_id,
                    kept,
                    extra={"match_id": self.room_id},
                )
            # Nobody else can take the room from a Redis that this process cannot reach
            # either: the runner goes on (see the module's docstring).
            self.unreachable = True
            self._renewed.set()
            return
        self.unreachable = False
        if kept:
            self.valid_until = sent_at + LEASE_SECONDS - KEEP_MARGIN_SECONDS
            self._renewed.set()
        else:
            lifecycle.room_lost(self.room_id, owner=self.registry.process)
            metrics.LEASE_LOSSES.inc()
            # Fenced out: the runner stops before its next tick.
            self.token = ""
            self.valid_until = 0.0
            self._renewed.set()

    # The runner's keeper (games/engine/runner.py).

    async def renewed(self) -> bool:
        """Waits while the lease could have expired and Redis answers: False once another
        process has it."""
        while self.token and not self.unreachable and time.monotonic() >= self.valid_until:
            self._renewed.clear()
            await self._renewed.wait()
        return bool(self.token)

    async def confirmed(self) -> bool:
        """Waits until Redis confirms the lease: False once another process has it."""
        while self.token and time.monotonic() >= self.valid_until:
            self._renewed.clear()
            await self._renewed.wait()
        return bool(self.token)

    async def lost(self) -> None:
        await self._stop_running()

    async def _stop_running(self) -> None:
        runner, self.runner = self.runner, None
        if runner is not None:
            self.registry.runners.pop(self.room_id, None)
        if self._engine is not None:
            await cancel_and_wait(self._engine)
            self._engine = None

    async def _ended(self, room: Room) -> None:
        assert room.result is not None
        if not await self.confirmed():
            # Run on while Redis was out of reach, and taken by another process then.
            logger.warning(
                "room %s: ended here, but another process owns it",
                self.room_id,
                extra={"match_id": self.room_id},
            )
            await self._stop_running()
            return
        lifecycle.room_ended(room, owner=self.registry.process)
        await sync_to_async(services.match_finish)(
            match_id=room.room_id, result=room.result, aborted=room.aborted
        )
        self.ended = True
        if self._engine is not None:
            await cancel_and_wait(self._engine)
        try:
            await self.registry.redis.eval(RELEASE, 2, self.keys[0], self.keys[1], self.token, "1")
        except redis.RedisError as error:
            # The result is recorded; the lease runs out on its own.
            logger.warning(
                "room %s: cannot let go of it: %s",
                self.room_id,
                error,
                extra={"match_id": self.room_id},
            )
        self.registry.runners.pop(self.room_id, None)
        self.registry.links.pop(self.room_id, None)
        metrics.ROOMS_ENDED.labels(room.game.slug, room.result.reason).inc()

    def note_over(self) -> None:
        """The match ended (told by its owner): stop watching."""
        self.ended = True

    async def close(self) -> None:
        """Saves and lets go of the room if run here, and stops watching it."""
        self.ended = True
        runner = self.runner
        if runner is not None:
            await runner.stop()
            await self._stop_running()
            if runner.room.result is None:
                await self._release(runner.room)

    async def _release(self, room: Room) -> None:
        try:
            if await self._keep(room):
                await self.registry.redis.eval(
                    RELEASE, 2, self.keys[0], self.keys[1], self.token, "0"
                )
                await self.registry.layer.group_send(self.group, {"type": "room.released"})
                lifecycle.room_handed_over(room, owner=self.registry.process)
                metrics.ROOMS_HANDED_OVER.labels(room.game.slug).inc()
        except Exception:
            logger.exception(
                "room %s: could not save and let go", self.room_id, extra={"match_id": self.room_id}
            )


def _count_taken_over(link: RoomLink) -> None:
    if link.runner is not None:
        metrics.ROOMS_TAKEN_OVER.labels(link.spec.game).inc()


class RedisRegistry:
    """Rooms of this process's sockets, each run here or by another process."""

    def __init__(self) -> None:
        self.process = f"{os.uname().nodename}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.redis = redis.Redis.from_url(
            settings.REDIS_URL,
            socket_timeout=settings.REDIS_TIMEOUT_SECONDS,
            socket_connect_timeout=settings.REDIS_TIMEOUT_SECONDS,
        )
        self.layer = get_channel_layer()
        self.keep_script = self.redis.register_script(KEEP)
        self.links: dict[str, RoomLink] = {}
        # The rooms run here, as LocalRegistry.runners (the admin lists them).
        self.runners: dict[str, RoomRunner] = {}
        self.closing = False
        # When Redis last failed to answer this process (monotonic).
        self.unanswered_at = float("-inf")
        self._opening: dict[str, asyncio.Future[RoomLink | None]] = {}
        self._wake = asyncio.Event()
        self._keeper: asyncio.Task[None] | None = None
        # Rooms run here whose lease Redis confirmed are saved to the database too: the
        # fallback when Redis loses its saves.
        self._saver = DatabaseSaver(
            lambda: [
                link.runner.room
                for link in self.links.values()
                if link.runner is not None and time.monotonic() < link.valid_until
            ]
        )
        self._hand_over_on_sigterm()

    async def open(self, room_id: str) -> RoomLink | None:
        """The room's link, opened from its match if need be; None if it is over."""
        # A link still starting is in `links` already: wait for it with its first opener,
        # or a join sent now would go over the layer before the room listens there.
        if room_id not in self._opening and (link := self.links.get(room_id)) and not link.ended:
            return link
        return await open_once(self._opening, room_id, lambda: self._open(room_id))

    async def _open(self, room_id: str) -> RoomLink | None:
        spec = await sync_to_async(services.match_room_spec)(match_id=room_id)
        if spec is None:
            return None
        link = RoomLink(self, spec)
        if (ended := self.links.get(room_id)) is not None:
            # Its match ended as this socket connected: the new link finds it over.
            await ended.close()
        self.links[room_id] = link
        try:
            await link.start()
        except BaseException:
            self.links.pop(room_id, None)
            raise
        if self._keeper is None:
            self._keeper = asyncio.get_running_loop().create_task(
                self._keep_and_watch(), name="rooms' leases"
            )
            self._saver.start()
        return link

    async def live_rooms(self) -> list[LiveRoom]:
        """Every room that any process on this Redis runs, as last saved (0.5 s at most
        ago); rooms run here as they are now."""
        leases = [key async for key in self.redis.scan_iter(match="room:*:lease", count=1000)]
        pipeline = self.redis.pipeline(transaction=False)
        for lease in leases:
            pipeline.get(lease)
            pipeline.hget(lease.removesuffix(b"lease") + b"save", "data")
        answers = await pipeline.execute()
        rooms = []
        for token, data in zip(answers[::2], answers[1::2], strict=True):
            if token is None or data is None:
                continue
            saved = SavedRoom.read(data)
            if (runner := self.runners.get(saved.room_id)) is not None:
                rooms.append(runner.live(self.process))
                continue
            rooms.append(
                LiveRoom(
                    room_id=saved.room_id,
                    tick=saved.tick,
                    connected=saved.connected,
                    seats=saved.seats,
                    process=_process_of(token),
                    skipped=None,
                )
            )
        return rooms

    async def saved_room(self, room_id: str) -> tuple[str, bytes] | None:
        """The process that runs the room and the room's last save in Redis (`Room.save`,
        at most 0.5 s old), for the admin's live room; None if no process runs it."""
        key = f"room:{room_id}"
        pipeline = self.redis.pipeline(transaction=False)
        pipeline.get(f"{key}:lease")
        pipeline.hget(f"{key}:save", "data")
        token, data = await pipeline.execute()
        if token is None or data is None:
            return None
        return _process_of(token), data

    async def end(self, room_id: str) -> bool:
        """Ends a running room cleanly, wherever it runs; False if no process runs it."""
        if (runner := self.runners.get(room_id)) is not None:
            runner.end()
            return True
        if not await self.redis.exists(f"room:{room_id}:lease"):
            return False
        await self.layer.send(engine_channel(room_id), {"type": "engine.end"})
        return True

    async def remove(self, room_id: str, user: str) -> None:
        """Takes a user the lobby's host kicked out of a running room, wherever it runs."""
        if (runner := self.runners.get(room_id)) is not None:
            await runner.remove(user)
        elif await self.redis.exists(f"room:{room_id}:lease"):
            await self.layer.send(engine_channel(room_id), {"type": "engine.remove", "user": user})

    def wake(self) -> None:
        """Checks the owners now rather than at the next round (one let go of a room)."""
        self._wake.set()

    async def _keep_and_watch(self) -> None:
        while not self.closing:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), KEEP_SECONDS)
            self._wake.clear()
            await self._keep_all()
            try:
                await self._watch_all()
            except redis.RedisError as error:
                self.unanswered_at = time.monotonic()
                logger.warning("cannot reach Redis for the rooms' leases: %s", error)

    async def _keep_all(self) -> None:
        """Renews the lease of, and saves, every room run here: one round trip."""
        kept = [link for link in self.links.values() if link.runner is not None and link.token]
        if not kept:
            return
        pipeline = self.redis.pipeline(transaction=False)
        for link in kept:
            assert link.runner is not None
            arguments = link.keep_arguments(link.runner.room)
            # Queued in the pipeline: the await returns at once.
            await self.keep_script(keys=link.keys[:2], args=arguments, client=pipeline)
        sent_at = time.monotonic()
        try:
            answers = await pipeline.execute(raise_on_error=False)
        except redis.RedisError as error:
            self.unanswered_at = time.monotonic()
            answers = [error] * len(kept)
        for link, answer in zip(kept, answers, strict=True):
            if link.runner is not None:
                link.note_kept(answer, sent_at)

    async def _watch_all(self) -> None:
        """Takes every room this process has a player of whose owner is gone."""
        watched = [link for link in self.links.values() if link.runner is None and not link.ended]
        if not watched:
            return
        pipeline = self.redis.pipeline(transaction=False)
        for link in watched:
            pipeline.exists(link.keys[0])
            pipeline.exists(link.keys[1])
        found = await pipeline.execute()
        if time.monotonic() - self.unanswered_at < LEASE_SECONDS:
            # Redis was silent or away for this process, so surely for the owners too:
            # their leases ran out meanwhile, and they take them again at their next
            # renewal. A room is taken over only once they had time for it.
            return
        held = zip(watched, found[::2], found[1::2], strict=True)
        taken = [self._take_orphan(link, lease, save) for link, lease, save in held]
        outcomes = await asyncio.gather(*taken, return_exceptions=True)
        for link, outcome in zip(watched, outcomes, strict=True):
            if isinstance(outcome, Exception):
                logger.warning(
                    "room %s: cannot take it over: %s",
                    link.room_id,
                    outcome,
                    extra={"match_id": link.room_id},
                )

    async def _take_orphan(self, link: RoomLink, lease: int, save: int) -> None:
        """Takes the room if its owner is gone (`lease`, `save`: whether Redis holds
        them)."""
        if lease or save:
            link.unsaved_since = None
            if not lease:
                await link.take(need_save=True)
                _count_taken_over(link)
            return
        # Redis lost the room's keys (it restarted empty). A live owner takes its lease
        # again at its next renewal; past a lease's time, the owner is gone too, and the
        # room goes on from its database save.
        now = time.monotonic()
        if link.unsaved_since is None:
            link.unsaved_since = now
        if now - link.unsaved_since < LEASE_SECONDS:
            return
        spec = await sync_to_async(services.match_room_spec)(match_id=link.room_id)
        if spec is None:
            link.note_over()
            return
        await link.take(need_save=False, fallback=spec.saved)
        _count_taken_over(link)

    async def forget_if_unused(self, link: RoomLink) -> None:
        unused = not link.local and not link.watchers and link.runner is None
        if unused and self.links.get(link.room_id) is link:
            del self.links[link.room_id]
            await link.close()

    async def close(self) -> None:
        """Saves and lets go of every room run here (on SIGTERM, or at a test's end)."""
        self.closing = True
        if self._keeper is not None:
            await cancel_and_wait(self._keeper)
        await self._saver.close()
        links, self.links = list(self.links.values()), {}
        await asyncio.gather(*(link.close() for link in links))
        await self.redis.aclose()

    def _hand_over_on_sigterm(self) -> None:
        """Daphne stops on SIGTERM (Twisted's handler); rooms are let go before that."""
        try:
            loop = asyncio.get_running_loop()
            previous = signal.getsignal(signal.SIGTERM)
            loop.add_signal_handler(signal.SIGTERM, self._terminate, loop, previous)
        except (RuntimeError, ValueError):
            # Not the main thread: the server handles signals itself.
            return

    def _terminate(self, loop: asyncio.AbstractEventLoop, previous: Any) -> None:
        async def hand_over() -> None:
            try:
                await asyncio.wait_for(self.close(), LEASE_SECONDS)
            finally:
                loop.remove_signal_handler(signal.SIGTERM)
                signal.signal(signal.SIGTERM, previous)
                if callable(previous):
                    previous(signal.SIGTERM, None)
                else:
                    signal.raise_signal(signal.SIGTERM)

        logger.info(
            "SIGTERM: letting go of %d rooms",
            len(self.runners),
            extra={"event": "sigterm", "owner": self.process, "rooms": len(self.runners)},
        )
        self._closing_task = loop.create_task(hand_over())
