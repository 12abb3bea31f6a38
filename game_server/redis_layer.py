"""A Redis pub/sub channel layer for many small messages.

It works as channels_redis's pub/sub layer does (a Redis channel per consumer channel
and per group; one PUBLISH per `send` or `group_send`, whatever the group's size), with
what a game server's load needs:

- Publishes made within a millisecond go out in one write and their replies come back
  in one read: twenty rooms ticking together cost one round trip, and a process whose
  sockets send their rooms' inputs to another process makes one write to Redis per
  millisecond, not one per input (at 150 rooms on two processes, p99 input to ack
  172 ms -> 88 ms; bench/README.md).
- One subscriber connection per Redis host reads every message as it arrives (an
  asyncio protocol fed to hiredis), with no task, timeout or poll per message.
- Beside channels' `send` and `group_send`, which wait for Redis's reply, `post` and
  `group_post` publish without waiting: no future, task or await per message, and a
  failure, then or later, is told to an `on_error` callback. `listen` hands a channel's
  messages to a callback as they are read, with no queue or task between. A room's
  inputs from sockets on another process and its frames for them take these ways
  (games/engine): two uvicorn processes on half a core each (in 10 ms periods) held
  100 to 120 rooms before, 120 to 140 after (bench/README.md, "Two processes on two
  cores").
- Messages for channels and group members in this process are handed to them at once,
  without a round trip through Redis (a group message is still published, for the other
  processes, and skipped when it comes back). A group message is decoded once and handed
  to each local member as the same dict: senders and receivers must not change a message.
- When Redis goes away, publishes fail at once with `redis.ConnectionError`, and both
  connections reconnect in the background (the subscriber subscribing again to
  everything it listened to). Messages published meanwhile are lost, as with any
  pub/sub.
- A Redis that goes silent without closing (paused, or its host gone) counts as gone: a
  connection that owes a reply and gets nothing for `timeout` seconds is dropped (the
  subscriber pings while idle, so that it notices too), and a new connection is used
  only once Redis answered its PING. A publish never waits longer than `timeout`.

Configured like channels_redis: `{"hosts": ["redis://...", ...], "prefix": "asgi"}`,
plus `"timeout"` (seconds, default 1); channels and groups are spread over the hosts by
a hash of their name.
"""

from __future__ import annotations

import asyncio
import collections
import functools
import logging
import ssl
import uuid
import weakref
import zlib
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote, urlsplit

import hiredis
import msgpack
import redis
from channels.layers import BaseChannelLayer

from game_server import metrics

logger = logging.getLogger(__name__)

# After a failed first connection attempt, publishes fail at once for this long.
RECONNECT_SECONDS = 0.2
# How long a publish waits for others to go out in the same write to Redis.
FLUSH_SECONDS = 0.001
# The background reconnection after a loss: first and longest wait between attempts.
REOPEN_SECONDS = (0.05, 1.0)
TIMEOUT_SECONDS = 1.0
PING = hiredis.pack_command(("PING",))
# Every message published starts with the publishing loop layer's id, this long.
ORIGIN_BYTES = 8

Message = dict[str, Any]
# Told of a `post` that failed.
OnError = Callable[[Exception], None]
# Given each reply to a command, or the error that stands for it: see `_Publisher`.
Answer = Callable[[Any], None]


class _Protocol(asyncio.Protocol):
    """One Redis connection: writes packed commands, hands each reply to `on_reply`."""

    def __init__(self, on_reply: Callable[[Any], None], on_lost: Callable[[], None]) -> None:
        self.on_reply = on_reply
        self.on_lost = on_lost
        self.reader = hiredis.Reader(replyError=redis.ResponseError)
        # asyncio's or uvloop's, which does not derive from asyncio.Transport.
        self.transport: Any = None
        # Reads so far: the watchdog's sign of life.
        self.reads = 0

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.reads += 1
        reader = self.reader
        reader.feed(data)
        on_reply = self.on_reply
        while (reply := reader.gets()) is not False:
            on_reply(reply)

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        self.on_lost()


class _Host:
    """Where one Redis server is and how to sign in to it."""

    def __init__(self, address: str) -> None:
        url = urlsplit(address)
        self.unix_path = url.path if url.scheme == "unix" else ""
        self.host = url.hostname or "127.0.0.1"
        self.port = url.port or 6379
        self.ssl = ssl.create_default_context() if url.scheme == "rediss" else None
        self.username = unquote(url.username) if url.username else None
        self.password = unquote(url.password) if url.password else None

    async def connect(self, protocol: _Protocol) -> None:
        loop = asyncio.get_running_loop()
        try:
            if self.unix_path:
                await loop.create_unix_connection(lambda: protocol, self.unix_path)
            else:
                await loop.create_connection(lambda: protocol, self.host, self.port, ssl=self.ssl)
        except OSError as error:
            raise redis.ConnectionError(f"cannot connect to Redis: {error}") from error

    def auth_command(self) -> bytes:
        """AUTH, to be the first command on a new connection; b"" with no password."""
        if self.password is None:
            return b""
        credentials = (self.username, self.password) if self.username else (self.password,)
        return hiredis.pack_command(("AUTH", *credentials))


class _Connection:
    """One connection to a host, opened on demand: one attempt at a time, and after a
    loss, again and again in the background."""

    def __init__(self, host: _Host, timeout: float) -> None:
        self.host = host
        self.timeout = timeout
        # Set once the connection answered its first PING.
        self.protocol: _Protocol | None = None
        self._opening: asyncio.Task[None] | None = None
        self._reopening: asyncio.Task[None] | None = None
        self._closed = False

    async def connect(self) -> None:
        if self._opening is None:
            self._opening = asyncio.get_running_loop().create_task(self._open())
        opening = self._opening
        try:
            await asyncio.shield(opening)
        finally:
            if opening.done() and self._opening is opening:
                self._opening = None

    async def _open(self) -> None:
        answered: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        replies: list[Any] = []
        expected = 1 if self.host.password is None else 2

        def on_reply(reply: Any) -> None:
            replies.append(reply)
            if len(replies) == expected and not answered.done():
                answered.set_result(None)

        def on_lost() -> None:
            if not answered.done():
                answered.set_exception(_lost())

        protocol = _Protocol(on_reply, on_lost)
        try:
            async with asyncio.timeout(self.timeout):
                await self.host.connect(protocol)
                # A paused Redis accepts connections (its kernel does) but answers
                # nothing: the connection counts once PING is answered.
                protocol.transport.write(self.host.auth_command() + PING)
                await answered
        except TimeoutError:
            if protocol.transport is not None:
                protocol.transport.abort()
            raise redis.TimeoutError(f"Redis did not answer in {self.timeout} s") from None
        if isinstance(replies[0], redis.ResponseError):
            logger.error("Redis refused to sign in: %s", replies[0])
            protocol.transport.close()
            raise redis.AuthenticationError(str(replies[0]))
        protocol.on_reply, protocol.on_lost = self._on_reply, self._lost
        self.protocol = protocol
        self._watch(protocol)
        self._opened()

    def _watch(self, protocol: _Protocol) -> None:
        """Drops the connection when it owed a reply and read nothing for a while."""
        loop = asyncio.get_running_loop()
        interval = self.timeout / 2
        owed, reads, due = False, protocol.reads, loop.time() + interval

        def check() -> None:
            nonlocal owed, reads, due
            if self.protocol is not protocol:
                return
            # A check that comes late judges nothing: the event loop itself was held up,
            # and (uvloop runs timers before reading) what Redis sent may not be read yet.
            on_time = loop.time() < due + interval / 2
            if on_time and owed and protocol.reads == reads:
                logger.warning("Redis did not answer in %s s; reconnecting", self.timeout)
                protocol.transport.abort()
                return
            owed, reads, due = self._owes(), protocol.reads, loop.time() + interval
            loop.call_later(interval, check)

        loop.call_later(interval, check)

    def write(self, command: bytes) -> None:
        if self.protocol is not None and self.protocol.transport is not None:
            self.protocol.transport.write(command)

    def close(self) -> None:
        self._closed = True
        if self.protocol is not None and self.protocol.transport is not None:
            self.protocol.transport.close()

    def _lost(self) -> None:
        self.protocol = None
        self._on_lost()
        if not self._closed and self._reopening is None:
            self._reopening = asyncio.get_running_loop().create_task(self._reopen())

    async def _reopen(self) -> None:
        wait, longest = REOPEN_SECONDS
        try:
            while not self._closed and self.protocol is None:
                try:
                    await self.connect()
                except redis.RedisError:
                    await asyncio.sleep(wait)
                    wait = min(wait * 2, longest)
        finally:
            self._reopening = None
        if self.protocol is not None:
            metrics.LAYER_RECONNECTS.inc()
            logger.warning("the Redis connection is back")

    def _opened(self) -> None:
        """Called on a new connection, once Redis answered."""

    def _owes(self) -> bool:
        """Whether a reply is due (the watchdog's question, every `timeout` / 2)."""
        raise NotImplementedError

    def _on_reply(self, reply: Any) -> None:
        raise NotImplementedError

    def _on_lost(self) -> None:
        raise NotImplementedError


def _lost() -> redis.ConnectionError:
    return redis.ConnectionError("the connection to Redis was lost")


class _Publisher(_Connection):
    """Publishes to one host, a millisecond's publishes at a time."""

    def __init__(self, host: _Host, timeout: float) -> None:
        super().__init__(host, timeout)
        self._retry_at = 0.0
        # Who hears each reply still to come, in command order: a reply, or the error
        # that stands for it (a ResponseError from Redis, a lost connection).
        self._waiting: collections.deque[Answer] = collections.deque()
        self._buffer: list[bytes] = []
        # Connecting for the posts made before the first connection, which wait for it.
        self._connecting: asyncio.Task[None] | None = None

    async def publish(self, channel: str, data: bytes) -> None:
        if self.protocol is None:
            await self._reconnect()
        reply = asyncio.get_running_loop().create_future()
        self._queue(functools.partial(_settle, reply), channel, data)
        await reply

    def post(self, channel: str, data: bytes, on_error: OnError) -> None:
        """Publishes without waiting for the reply; `on_error` hears of a failure. Posts
        made before the first connection go out, in order, once it is made; while
        the connection is lost, they fail at once, as publishes do."""
        if self.protocol is None:
            if (refused := self._refusal()) is not None:
                _fail_only(on_error, refused)
                return
            if self._connecting is None:
                self._connecting = asyncio.get_running_loop().create_task(self._connect_for_posts())
        self._queue(functools.partial(_fail_only, on_error), channel, data)

    def _queue(self, answer: Answer, channel: str, data: bytes) -> None:
        self._waiting.append(answer)
        if not self._buffer and self.protocol is not None:
            asyncio.get_running_loop().call_later(FLUSH_SECONDS, self._flush)
        self._buffer.append(hiredis.pack_command(("PUBLISH", channel, data)))

    def _flush(self) -> None:
        buffer, self._buffer = self._buffer, []
        self.write(b"".join(buffer))

    async def _connect_for_posts(self) -> None:
        try:
            await self._reconnect()
        except redis.RedisError:
            # Nothing went out: every post waiting for the connection failed.
            self._on_lost()
        finally:
            self._connecting = None

    def _opened(self) -> None:
        # Posts made while connecting go out first.
        if self._buffer:
            self._flush()

    def _refusal(self) -> redis.ConnectionError | None:
        """Why a publish or post made now, with no connection, fails at once: after a
        loss the connection is being opened again in the background, or a first attempt
        failed a moment ago. None if it may wait for a connection."""
        if self._reopening is not None:
            return redis.ConnectionError("Redis is unreachable; reconnecting")
        if self._opening is None and asyncio.get_running_loop().time() < self._retry_at:
            return redis.ConnectionError("Redis is unreachable; retrying shortly")
        return None

    async def _reconnect(self) -> None:
        """The first connection is awaited; after a loss, publishes fail at once while
        the connection is opened again in the background."""
        if (refused := self._refusal()) is not None:
            raise refused
        try:
            await self.connect()
        except redis.RedisError:
            self._retry_at = asyncio.get_running_loop().time() + RECONNECT_SECONDS
            raise

    def _owes(self) -> bool:
        return bool(self._waiting)

    def _on_reply(self, reply: Any) -> None:
        self._waiting.popleft()(reply)

    def _on_lost(self) -> None:
        self.protocol = None
        self._buffer = []
        waiting, self._waiting = self._waiting, collections.deque()
        for answer in waiting:
            answer(_lost())


def _settle(future: asyncio.Future[Any], reply: Any) -> None:
    """A `publish`'s answer."""
    if not future.done():
        if isinstance(reply, Exception):
            future.set_exception(reply)
        else:
            future.set_result(reply)


def _fail_only(on_error: OnError, reply: Any) -> None:
    """A `post`'s answer."""
    if isinstance(reply, Exception):
        metrics.LAYER_PUBLISH_FAILURES.inc()
        on_error(reply)


class _Subscriber(_Connection):
    """Listens on one host for this process's channels and groups."""

    def __init__(
        self, host: _Host, timeout: float, deliver: Callable[[bytes, bytes], None]
    ) -> None:
        super().__init__(host, timeout)
        self.deliver = deliver
        # What this process listens to, kept across reconnections.
        self.names: set[str] = set()
        self._confirming: dict[bytes, list[asyncio.Future[None]]] = {}

    async def subscribe(self, name: str) -> None:
        if name in self.names:
            return
        self.names.add(name)
        try:
            if self.protocol is None:
                await self.connect()
            confirmed = asyncio.get_running_loop().create_future()
            self._confirming.setdefault(name.encode(), []).append(confirmed)
            self.write(hiredis.pack_command(("SUBSCRIBE", name)))
            await confirmed
        except BaseException:
            self.names.discard(name)
            raise

    def unsubscribe(self, name: str) -> None:
        if name in self.names:
            self.names.discard(name)
            self.write(hiredis.pack_command(("UNSUBSCRIBE", name)))

    def _opened(self) -> None:
        # Everything this process listened to before the connection was lost.
        if self.names:
            self.write(hiredis.pack_command(("SUBSCRIBE", *self.names)))

    def _owes(self) -> bool:
        # Quiet or not, the subscriber asks for a sign of life every round.
        self.write(PING)
        return True

    def _on_reply(self, reply: Any) -> None:
        if isinstance(reply, redis.ResponseError):
            logger.error("Redis refused this subscriber: %s", reply)
            return
        if not isinstance(reply, list):
            # PING's answer while subscribed to nothing.
            return
        kind = reply[0]
        if kind == b"message":
            self.deliver(reply[1], reply[2])
        elif kind == b"subscribe" and (waiting := self._confirming.pop(reply[1], None)):
            for confirmed in waiting:
                if not confirmed.done():
                    confirmed.set_result(None)

    def _on_lost(self) -> None:
        self.protocol = None
        confirming, self._confirming = self._confirming, {}
        for waiting in confirming.values():
            for confirmed in waiting:
                if not confirmed.done():
                    confirmed.set_exception(_lost())
        if not self._closed:
            logger.warning("lost the Redis subscriber connection; reconnecting")


class _LoopLayer:
    """The layer's state on one event loop: its channels, groups and connections."""

    def __init__(self, layer: RedisPubSubLayer) -> None:
        self.prefix = layer.prefix
        hosts = [_Host(address) for address in layer.hosts]
        self.publishers = [_Publisher(host, layer.timeout) for host in hosts]
        self.subscribers = [_Subscriber(host, layer.timeout, self._deliver) for host in hosts]
        # What this loop publishes starts with this: its own group messages come back.
        self.origin = uuid.uuid4().bytes[:ORIGIN_BYTES]
        # Consumer channel -> its messages, or the callback that takes them (`listen`);
        # group's Redis channel -> local channels in it.
        self.channels: dict[str, asyncio.Queue[Message]] = {}
        self.listeners: dict[str, Callable[[Message], None]] = {}
        self.groups: dict[str, set[str]] = {}

    def _shard(self, name: str) -> int:
        if len(self.publishers) == 1:
            return 0
        return zlib.crc32(name.encode()) % len(self.publishers)

    def _deliver(self, name: bytes, data: bytes) -> None:
        key = name.decode()
        if (members := self.groups.get(key)) is not None:
            if data[:ORIGIN_BYTES] != self.origin:
                self._hand_to(members, msgpack.unpackb(data[ORIGIN_BYTES:]))
        else:
            self._hand_over(key, msgpack.unpackb(data[ORIGIN_BYTES:]))

    def _hand_over(self, channel: str, message: Message) -> bool:
        """Gives the message to the channel if it is in this loop: False if it is not."""
        if (queue := self.channels.get(channel)) is not None:
            queue.put_nowait(message)
        elif (listener := self.listeners.get(channel)) is not None:
            try:
                listener(message)
            except Exception:
                # Raised into the connection's read, it would hold up every message after.
                logger.exception("the listener of %s failed", channel)
        else:
            return False
        return True

    def _hand_to(self, members: set[str], message: Message) -> None:
        for channel in members:
            self._hand_over(channel, message)

    async def _publish(self, name: str, message: Message) -> None:
        data = self.origin + msgpack.packb(message)
        try:
            await self.publishers[self._shard(name)].publish(name, data)
        except redis.RedisError:
            metrics.LAYER_PUBLISH_FAILURES.inc()
            raise

    def _post(self, name: str, message: Message, on_error: OnError) -> None:
        data = self.origin + msgpack.packb(message)
        self.publishers[self._shard(name)].post(name, data, on_error)

    async def _listen(self, channel: str) -> asyncio.Queue[Message]:
        queue = self.channels[channel] = asyncio.Queue()
        try:
            await self.subscribers[self._shard(channel)].subscribe(channel)
        except BaseException:
            del self.channels[channel]
            raise
        return queue

    async def listen(self, channel: str, listener: Callable[[Message], None]) -> None:
        self.listeners[channel] = listener
        if self.channels.pop(channel, None) is not None:
            # A channel from `new_channel`: subscribed to already.
            return
        try:
            await self.subscribers[self._shard(channel)].subscribe(channel)
        except BaseException:
            del self.listeners[channel]
            raise

    def unlisten(self, channel: str) -> None:
        if self.listeners.pop(channel, None) is not None:
            self.subscribers[self._shard(channel)].unsubscribe(channel)

    async def new_channel(self, prefix: str) -> str:
        channel = f"{self.prefix}{prefix}{uuid.uuid4().hex}"
        await self._listen(channel)
        return channel

    async def receive(self, channel: str) -> dict[str, Any]:
        queue = self.channels.get(channel) or await self._listen(channel)
        try:
            return await queue.get()
        except asyncio.CancelledError:
            # The receiver is leaving (a consumer closing, a room moving away).
            if self.channels.get(channel) is queue:
                del self.channels[channel]
                self.subscribers[self._shard(channel)].unsubscribe(channel)
            raise

    async def send(self, channel: str, message: Message) -> None:
        if not self._hand_over(channel, message):
            await self._publish(channel, message)

    def post(self, channel: str, message: Message, on_error: OnError) -> None:
        if not self._hand_over(channel, message):
            self._post(channel, message, on_error)

    def group_channel(self, group: str) -> str:
        return f"{self.prefix}__group__{group}"

    async def group_add(self, group: str, channel: str) -> None:
        name = self.group_channel(group)
        members = self.groups.setdefault(name, set())
        members.add(channel)
        if len(members) == 1:
            try:
                await self.subscribers[self._shard(name)].subscribe(name)
            except BaseException:
                members.discard(channel)
                if not members:
                    del self.groups[name]
                raise

    async def group_discard(self, group: str, channel: str) -> None:
        name = self.group_channel(group)
        if (members := self.groups.get(name)) is not None:
            members.discard(channel)
            if not members:
                del self.groups[name]
                self.subscribers[self._shard(name)].unsubscribe(name)

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        """Hands the message to this loop's members now, and publishes it for the others
        (whether there are any only Redis knows)."""
        name = self.group_channel(group)
        if members := self.groups.get(name):
            self._hand_to(members, message)
        await self._publish(name, message)

    def group_post(self, group: str, message: Message, on_error: OnError) -> None:
        name = self.group_channel(group)
        if members := self.groups.get(name):
            self._hand_to(members, message)
        self._post(name, message, on_error)

    def close(self) -> None:
        for connection in (*self.publishers, *self.subscribers):
            connection.close()


class RedisPubSubLayer(BaseChannelLayer):
    extensions = ["groups", "flush"]

    def __init__(
        self,
        hosts: list[str | dict[str, Any]],
        prefix: str = "asgi",
        timeout: float = TIMEOUT_SECONDS,
        **_: Any,
    ) -> None:
        super().__init__()
        # Hosts as URLs, or channels_redis's {"address": URL, ...} (other keys ignored).
        self.hosts = [host if isinstance(host, str) else host["address"] for host in hosts]
        self.prefix = prefix
        self.timeout = timeout
        self._loops: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopLayer] = (
            weakref.WeakKeyDictionary()
        )
        # The last loop asked for, and its state: a weak dictionary's lookup makes a weak
        # reference each time, and a server asks for its one loop's at every message.
        self._last: tuple[asyncio.AbstractEventLoop, _LoopLayer] | None = None

    def _here(self) -> _LoopLayer:
        loop = asyncio.get_running_loop()
        if (last := self._last) is not None and last[0] is loop:
            return last[1]
        if (here := self._loops.get(loop)) is None:
            here = self._loops[loop] = _LoopLayer(self)
            self._close_with(loop)
        self._last = (loop, here)
        return here

    def _forget(self, loop: asyncio.AbstractEventLoop) -> _LoopLayer | None:
        """The loop's state, which the layer no longer holds."""
        if self._last is not None and self._last[0] is loop:
            self._last = None
        return self._loops.pop(loop, None)

    def _close_with(self, loop: asyncio.AbstractEventLoop) -> None:
        """Closes the loop's connections when it closes (`async_to_sync` in a thread of
        its own makes a loop per call)."""
        close = loop.close

        def closing() -> None:
            if (here := self._forget(loop)) is not None:
                here.close()
                # Lets the transports finish closing.
                loop.run_until_complete(asyncio.sleep(0))
            loop.close = close  # type: ignore[method-assign]
            close()

        loop.close = closing  # type: ignore[method-assign]

    async def new_channel(self, prefix: str = "specific.") -> str:
        return await self._here().new_channel(prefix)

    async def receive(self, channel: str) -> dict[str, Any]:
        return await self._here().receive(channel)

    async def send(self, channel: str, message: dict[str, Any]) -> None:
        await self._here().send(channel, message)

    async def group_add(self, group: str, channel: str) -> None:
        await self._here().group_add(group, channel)

    async def group_discard(self, group: str, channel: str) -> None:
        await self._here().group_discard(group, channel)

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        await self._here().group_send(group, message)

    def post(self, channel: str, message: Message, on_error: OnError) -> None:
        """`send` without waiting for Redis: `on_error` hears of a failure, now or later.
        One loop's posts arrive in the order they were made."""
        self._here().post(channel, message, on_error)

    def group_post(self, group: str, message: Message, on_error: OnError) -> None:
        """`group_send` without waiting for Redis, as `post`."""
        self._here().group_post(group, message, on_error)

    async def listen(self, channel: str, listener: Callable[[Message], None]) -> None:
        """Hands each message for `channel` (any name, or one from `new_channel`, which
        `receive` then no longer reads) to `listener` as it is read, from now until
        `unlisten`: a listener must not block, and what it raises is logged."""
        await self._here().listen(channel, listener)

    def unlisten(self, channel: str) -> None:
        self._here().unlisten(channel)

    async def flush(self) -> None:
        """Forgets this loop's channels and groups and closes its connections."""
        if (here := self._forget(asyncio.get_running_loop())) is not None:
            here.close()
