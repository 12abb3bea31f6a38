"""A room's lease in Redis: which process runs the room, and the room's save beside it.

A process owns a room while it holds the room's lease, a key with a short expiry whose
value is a fencing token (an INCR counter plus the process id). The owner renews the
lease and saves the room (`saves.save`) in one Lua script; a script that finds another
token in the lease refuses, and that owner's runner stops before its next tick. While
Redis does not answer at all (every call times out after REDIS_TIMEOUT_SECONDS, or it
is restarting), nobody can take a room, so its owner ticks on; it records a result only
once Redis confirms its lease again. docs/deploy.md has the timings.

The room's log (room.py) is stored beside its save, one list element per entry: each
renewal sends only the entries that Redis has not confirmed yet, and the script cuts
the list to where they start before appending them, so that the list always holds
exactly the entries the save counts (docs/replays.md).
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import redis.asyncio as redis
from redis.commands.core import AsyncScript

from game_server import metrics
from games.engine import lifecycle, saves
from games.engine.room import Room

logger = logging.getLogger(__name__)

LEASE_SECONDS = 3.0
# How often a process renews its leases (saving its rooms) and checks the owners of the
# rooms it has sockets of.
RENEW_SECONDS = 0.5
# An owner stops ticking this long before its lease could have expired in Redis.
RENEW_MARGIN_SECONDS = 0.5
SAVE_TTL_SECONDS = 3600

# KEYS: lease, save, fence. ARGV: process, lease ms, whether a save must exist.
ACQUIRE = """
if redis.call('EXISTS', KEYS[1]) == 1 then return false end
if ARGV[3] == '1' and redis.call('EXISTS', KEYS[2]) == 0 then return false end
local token = redis.call('INCR', KEYS[3]) .. ':' .. ARGV[1]
redis.call('SET', KEYS[1], token, 'PX', ARGV[2])
return token
"""
# KEYS: lease, save, log. ARGV: token, lease ms, room data ('' for none), save ttl, the
# index of the first log entry sent, the entries. A missing lease (Redis restarted, or a
# long pause) is taken again unless another owner has saved the room since. Returns 1,
# or 2 if the log lacks entries from before those sent (Redis lost it): the lease is
# renewed, the save not written, and the owner sends the whole log next time.
RENEW_AND_SAVE = """
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
  local log_start = tonumber(ARGV[5])
  if redis.call('LLEN', KEYS[3]) < log_start then return 2 end
  if log_start == 0 then
    redis.call('DEL', KEYS[3])
  else
    redis.call('LTRIM', KEYS[3], 0, log_start - 1)
  end
  for i = 6, #ARGV do redis.call('RPUSH', KEYS[3], ARGV[i]) end
  redis.call('EXPIRE', KEYS[3], ARGV[4])
  redis.call('HSET', KEYS[2], 'data', ARGV[3], 'writer', ARGV[1])
  redis.call('EXPIRE', KEYS[2], ARGV[4])
end
return 1
"""
# The answer of RENEW_AND_SAVE when the stored log lacks entries.
LOG_MISSING = 2
# KEYS: lease, save, log. ARGV: token, whether to delete the save and log too (the match
# ended).
RELEASE = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
if ARGV[2] == '1' then redis.call('DEL', KEYS[2], KEYS[3]) end
return 1
"""


def lease_key(room_id: str) -> str:
    return f"room:{room_id}:lease"


def save_key(room_id: str) -> str:
    return f"room:{room_id}:save"


def log_key(room_id: str) -> str:
    return f"room:{room_id}:log"


def process_of(token: bytes | str) -> str:
    """The process named in a lease's fencing token (or a save's writer)."""
    text = token.decode() if isinstance(token, bytes) else token
    return text.split(":", 1)[1]


def _data(answer: bytes | str | None) -> bytes | None:
    """A save's data as Redis answered it: bytes from this client, which does not decode
    answers (its type allows either)."""
    return answer.encode() if isinstance(answer, str) else answer


class RoomLease:
    """This process's hold on one room, from taking its lease to letting go of it."""

    def __init__(
        self, client: redis.Redis, renew_and_save: AsyncScript, room_id: str, process: str
    ) -> None:
        self.client = client
        self.room_id = room_id
        self.process = process
        self._renew_and_save = renew_and_save
        self.keys = [lease_key(room_id), save_key(room_id), log_key(room_id)]
        self.token = ""
        # How many of the room's log entries Redis holds, as far as this owner knows,
        # and how many the renewal under way sends.
        self.logged = 0
        self._logging = 0
        # Until when (monotonic) the lease surely holds, and whether the last renewal went
        # unanswered (Redis away or silent).
        self.valid_until = 0.0
        self.unreachable = False
        self._renewed = asyncio.Event()

    async def acquire(
        self, *, need_save: bool
    ) -> tuple[bytes | None, list[bytes], str | None] | None:
        """Takes the lease if it is free, and the room's save if it has one (which
        `need_save` requires): its data, its log and the process that wrote it. None if
        taken."""
        lease, save, log = self.keys
        token = await self.client.eval(
            ACQUIRE, 3, lease, save, f"room:{self.room_id}:fence", self.process,
            int(LEASE_SECONDS * 1000), "1" if need_save else "0",
        )  # fmt: skip
        if token is None:
            return None
        self.token = token.decode()
        pipeline = self.client.pipeline(transaction=True)
        pipeline.hmget(save, ["data", "writer"])
        pipeline.lrange(log, 0, -1)
        (data, writer), entries = await pipeline.execute()
        self.logged = len(entries) if data else 0
        return _data(data), entries if data else [], process_of(writer) if writer else None

    def renewal(self, room: Room) -> list[Any]:
        """RENEW_AND_SAVE's arguments: this owner's token, the room as saved now and the
        log entries Redis has not confirmed yet."""
        self._logging = len(room.log)
        return [
            self.token, int(LEASE_SECONDS * 1000), saves.save(room), SAVE_TTL_SECONDS,
            self.logged, *room.log_since(self.logged),
        ]  # fmt: skip

    async def renew(self, room: Room, *, pipeline: Any = None) -> Any:
        """Renews the lease and saves the room: now, or queued in `pipeline` (whose
        answer goes to `heard`)."""
        return await self._renew_and_save(keys=self.keys, args=self.renewal(room), client=pipeline)

    async def renew_now(self, room: Room) -> bool:
        """Renews the lease and saves the room, now (taking or letting go of it); a
        second time with the whole log if Redis lost some of it."""
        for _ in range(2):
            sent_at = time.monotonic()
            renewed = await self.renew(room)
            self.heard(renewed, sent_at)
            if renewed != LOG_MISSING:
                break
        return bool(renewed == 1)

    def heard(self, renewed: int | Exception, sent_at: float) -> None:
        """The answer to a renewal sent at `sent_at`."""
        if isinstance(renewed, Exception):
            if not self.unreachable:
                logger.warning(
                    "room %s: cannot renew its lease: %s",
                    self.room_id,
                    renewed,
                    extra={"match_id": self.room_id},
                )
            # Nobody else can take the room from a Redis that this process cannot reach
            # either: the runner goes on (see the module's docstring).
            self.unreachable = True
            self._renewed.set()
            return
        self.unreachable = False
        if renewed:
            self.logged = 0 if renewed == LOG_MISSING else self._logging
            self.valid_until = sent_at + LEASE_SECONDS - RENEW_MARGIN_SECONDS
        else:
            lifecycle.room_lost(self.room_id, owner=self.process)
            metrics.LEASE_LOSSES.inc()
            # Fenced out: the runner stops before its next tick.
            self.token = ""
            self.valid_until = 0.0
        self._renewed.set()

    @property
    def held(self) -> bool:
        """Whether this process holds the lease, as far as it knows."""
        return bool(self.token)

    @property
    def confirmed_now(self) -> bool:
        """Whether Redis confirmed the lease recently enough that it surely holds now."""
        return time.monotonic() < self.valid_until

    async def renewed(self) -> bool:
        """Waits while the lease could have expired and Redis answers: False once another
        process has it."""
        while self.token and not self.unreachable and not self.confirmed_now:
            self._renewed.clear()
            await self._renewed.wait()
        return self.held

    async def confirmed(self) -> bool:
        """Waits until Redis confirms the lease: False once another process has it."""
        while self.token and not self.confirmed_now:
            self._renewed.clear()
            await self._renewed.wait()
        return self.held

    async def release(self, *, ended: bool) -> None:
        """Lets go of the lease; with `ended`, of the room's save too."""
        await self.client.eval(
            RELEASE, 3, *self.keys, self.token, "1" if ended else "0"
        )  # fmt: skip


async def last_save(client: redis.Redis, room_id: str) -> bytes | None:
    """The room's last save in Redis, whoever wrote it; None if there is none."""
    return _data(await client.hget(save_key(room_id), "data"))


async def held_leases(client: redis.Redis) -> list[tuple[str, bytes]]:
    """Every room whose lease a process holds: that process, and the room's last save."""
    leases = [key async for key in client.scan_iter(match=lease_key("*"), count=1000)]
    pipeline = client.pipeline(transaction=False)
    for lease in leases:
        pipeline.get(lease)
        pipeline.hget(lease.removesuffix(b"lease") + b"save", "data")
    answers = await pipeline.execute()
    return [
        (process_of(token), data)
        for token, data in zip(answers[::2], answers[1::2], strict=True)
        if token is not None and data is not None
    ]


async def held_lease(client: redis.Redis, room_id: str) -> tuple[str, bytes] | None:
    """The process that holds the room's lease, and the room's last save; None if no
    process holds it."""
    pipeline = client.pipeline(transaction=False)
    pipeline.get(lease_key(room_id))
    pipeline.hget(save_key(room_id), "data")
    token, data = await pipeline.execute()
    if token is None or data is None:
        return None
    return process_of(token), data
