"""Rooms shared by several server processes through Redis: one owner per room.

A process owns a room while it holds the room's lease, a Redis key with a short expiry
whose value is a fencing token (an INCR counter plus the process id). The owner renews
the lease and saves the room (`Room.export`) in one Lua script twice a second; a script
that finds another token in the lease refuses, and the runner stops before its next
tick. Sockets on a process that does not own their room reach the owner on the room's
engine channel; on the owning process they call the runner directly. A process with a
player or a spectator of a room watches its lease: when the owner is gone (killed, or
let go on SIGTERM) it takes the lease, restores the room from the last save, and asks
every socket of the room to join again. docs/deploy.md has the timings.
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

import orjson
import redis.asyncio as redis
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings

from games import services
from games.engine.opening import open_once, room_from_spec
from games.engine.room import Room
from games.engine.runner import RoomRunner, group_name, spectators_group_name
from games.rules import CATALOGUE

logger = logging.getLogger(__name__)

LEASE_SECONDS = 3.0
# How often the owner renews its lease and saves the room.
KEEP_SECONDS = 0.5
# An owner stops ticking this long before its lease could have expired in Redis.
KEEP_MARGIN_SECONDS = 0.5
# How often a process with a player checks whether the room's owner is gone.
WATCH_SECONDS = 0.5
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
        self.seats = frozenset(player for player, _name in spec.players)
        self.spectators = spec.spectators
        self.runner: RoomRunner | None = None
        self.ended = False
        self.next_due = 0.0
        # Sockets on this process: player -> consumer channel, and spectators' channels.
        self.local: dict[str, str] = {}
        self.watchers: set[str] = set()
        self._token = ""
        self._valid_until = 0.0
        self._tick_rate = CATALOGUE[spec.game].tick_rate(spec.settings)
        self._tick_at = (0, time.monotonic())
        self._wake = asyncio.Event()
        self._watcher: asyncio.Task[None] | None = None
        self._engine: asyncio.Task[None] | None = None
        key = f"room:{self.room_id}"
        self._keys = [f"{key}:lease", f"{key}:save", f"{key}:fence"]

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

    async def watch(self, channel: str) -> None:
        """A spectator's socket here: its snapshot comes from wherever the room runs."""
        self.watchers.add(channel)
        if (runner := self.runner) is not None:
            await runner.watch(channel)
        else:
            message = {"type": "engine.watch", "channel": channel}
            await self.registry.layer.send(self.engine_channel, message)

    async def unwatch(self, channel: str) -> None:
        self.watchers.discard(channel)
        await self.registry.forget_if_unused(self)

    def detach(self, player: str, channel: str) -> None:
        if self.local.get(player) == channel:
            del self.local[player]

    def release_noted(self) -> None:
        self._wake.set()

    async def _forward(self, action: str, player: str, channel: str) -> None:
        if (runner := self.runner) is not None:
            await getattr(runner, action)(player, channel)
        else:
            message = {"type": f"engine.{action}", "player": player, "channel": channel}
            await self.registry.layer.send(self.engine_channel, message)

    # Ownership.

    async def start(self) -> None:
        """Takes the room if nobody owns it, then watches its owner."""
        await self._take(need_save=False)
        if self.runner is None:
            await self._read_tick()
        self._watcher = asyncio.get_running_loop().create_task(
            self._watch(), name=f"watch {self.room_id}"
        )

    async def _read_tick(self) -> None:
        data = await self.registry.redis.hget(self._keys[1], "data")
        if data:
            self._tick_at = (orjson.loads(data)["tick"], time.monotonic())

    async def _watch(self) -> None:
        while not self.ended:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), WATCH_SECONDS)
            self._wake.clear()
            if self.runner is None and not self.ended and not self.registry.closing:
                try:
                    await self._take(need_save=True)
                except redis.RedisError as error:
                    logger.warning("room %s: cannot check its owner: %s", self.room_id, error)

    async def _take(self, *, need_save: bool) -> None:
        lease, save, fence = self._keys
        token = await self.registry.redis.eval(
            ACQUIRE, 3, lease, save, fence, self.registry.process, int(LEASE_SECONDS * 1000),
            "1" if need_save else "0",
        )  # fmt: skip
        if token is None:
            return
        self._token = token.decode()
        room = room_from_spec(self.spec)
        data = await self.registry.redis.hget(save, "data")
        if data:
            room.restore(orjson.loads(data))
        self.next_due = 0.0
        if not await self.keep(room):
            return
        layer = self.registry.layer
        runner = RoomRunner(room, layer=layer, on_end=self._ended, keeper=self)
        self.runner = runner
        self.registry.runners[self.room_id] = runner
        self._engine = asyncio.get_running_loop().create_task(
            self._serve_engine(runner), name=f"engine {self.room_id}"
        )
        runner.start()
        logger.info("room %s: run here from tick %d", self.room_id, room.ctx.tick)
        if data:
            # Sockets on every process join again, so that they get a snapshot from here.
            await layer.group_send(self.group, {"type": "room.rejoin"})

    async def _serve_engine(self, runner: RoomRunner) -> None:
        """Messages from sockets on other processes, for the room run here."""
        layer = self.registry.layer
        while True:
            message = await layer.receive(self.engine_channel)
            kind = message["type"]
            if kind == "engine.watch":
                await runner.watch(message["channel"])
                continue
            player = message["player"]
            if player not in runner.room.seats:
                continue
            if kind == "engine.input":
                runner.room.submit(player, message["seq"], message["data"])
            elif kind in ("engine.join", "engine.leave", "engine.resync"):
                await getattr(runner, kind[len("engine.") :])(player, message["channel"])

    async def keep(self, room: Room) -> bool:
        """Renews the lease and saves the room: called by the runner between ticks."""
        while True:
            sent_at = time.monotonic()
            try:
                kept = await self.registry.redis.eval(
                    KEEP, 2, self._keys[0], self._keys[1], self._token,
                    int(LEASE_SECONDS * 1000), orjson.dumps(room.export()), SAVE_TTL_SECONDS,
                )  # fmt: skip
            except redis.RedisError as error:
                logger.warning("room %s: cannot renew its lease: %s", self.room_id, error)
                if sent_at < self._valid_until:
                    self.next_due = sent_at + KEEP_SECONDS / 2
                    return True
                # The lease may be gone: no ticks until Redis answers again.
                await asyncio.sleep(KEEP_SECONDS / 2)
                continue
            if not kept:
                logger.warning("room %s: another process owns it now", self.room_id)
                return False
            self._valid_until = sent_at + LEASE_SECONDS - KEEP_MARGIN_SECONDS
            self.next_due = sent_at + KEEP_SECONDS
            return True

    async def lost(self) -> None:
        await self._stop_running()
        self._wake.set()

    async def _stop_running(self) -> None:
        runner, self.runner = self.runner, None
        if runner is not None:
            self.registry.runners.pop(self.room_id, None)
        if self._engine is not None:
            self._engine.cancel()
            await asyncio.gather(self._engine, return_exceptions=True)
            self._engine = None

    async def _ended(self, room: Room) -> None:
        assert room.result is not None
        await sync_to_async(services.match_finish)(
            match_id=room.room_id, result=room.result, aborted=room.aborted
        )
        self.ended = True
        self._wake.set()
        if self._engine is not None:
            self._engine.cancel()
        await self.registry.redis.eval(RELEASE, 2, self._keys[0], self._keys[1], self._token, "1")
        self.registry.runners.pop(self.room_id, None)
        self.registry.links.pop(self.room_id, None)
        logger.info("room %s ended: %s", room.room_id, room.result.reason)

    def note_over(self) -> None:
        """The match ended (told by its owner): stop watching."""
        self.ended = True
        self._wake.set()

    async def close(self) -> None:
        """Saves and lets go of the room if run here, and stops watching it."""
        self.ended = True
        self._wake.set()
        runner = self.runner
        if runner is not None:
            await runner.stop()
            await self._stop_running()
            if runner.room.result is None:
                await self._release(runner.room)
        if self._watcher is not None:
            self._watcher.cancel()
            await asyncio.gather(self._watcher, return_exceptions=True)

    async def _release(self, room: Room) -> None:
        try:
            self.next_due = 0.0
            if await self.keep(room):
                await self.registry.redis.eval(
                    RELEASE, 2, self._keys[0], self._keys[1], self._token, "0"
                )
                await self.registry.layer.group_send(self.group, {"type": "room.released"})
                logger.info("room %s: saved at tick %d and let go", self.room_id, room.ctx.tick)
        except Exception:
            logger.exception("room %s: could not save and let go", self.room_id)


class RedisRegistry:
    """Rooms of this process's sockets, each run here or by another process."""

    def __init__(self) -> None:
        self.process = f"{os.uname().nodename}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.redis = redis.Redis.from_url(
            settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2
        )
        self.layer = get_channel_layer()
        self.links: dict[str, RoomLink] = {}
        # The rooms run here, as LocalRegistry.runners (the admin lists them).
        self.runners: dict[str, RoomRunner] = {}
        self.closing = False
        self._opening: dict[str, asyncio.Future[RoomLink | None]] = {}
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
        return link

    async def forget_if_unused(self, link: RoomLink) -> None:
        unused = not link.local and not link.watchers and link.runner is None
        if unused and self.links.get(link.room_id) is link:
            del self.links[link.room_id]
            await link.close()

    async def close(self) -> None:
        """Saves and lets go of every room run here (on SIGTERM, or at a test's end)."""
        self.closing = True
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

        logger.info("SIGTERM: letting go of %d rooms", len(self.runners))
        self._closing_task = loop.create_task(hand_over())
