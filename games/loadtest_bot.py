"""One bot of the load generator (games/loadtest.py): its play socket, its inputs, and the
figures every bot of a run adds to (`Stats`).

The client is lean so that one core drives the rooms a server holds: websockets'
asyncio client (a task reading each socket, a task per bot sending, and its own
machinery per message) took 0.5 to 0.9 of a core at 100 rooms, this one under half of
that (bench/README.md). Each socket is an `asyncio.Protocol` of its own (`BotSocket`):
websockets' sans-io protocol does the handshake and anything unusual, the server's text
frames are read and the inputs framed here, and each bot's inputs are paced by a timer
of the event loop, not a task.
"""

from __future__ import annotations

import asyncio
import math
import random
import time
from dataclasses import dataclass, field
from typing import Any, cast

import orjson
from websockets.client import ClientProtocol
from websockets.exceptions import ConnectionClosedOK
from websockets.extensions.permessage_deflate import enable_client_permessage_deflate
from websockets.frames import Frame, Opcode
from websockets.http11 import USER_AGENT
from websockets.protocol import OPEN
from websockets.speedups import apply_mask
from websockets.typing import BytesLike, Origin
from websockets.uri import parse_uri

INPUT_INTERVAL = 0.05
# Bots steer like people: a new direction every 0.5 to 1.5 s, the same one sent between.
DIRECTION_HELD = (10, 30)
# websockets' defaults, which the bots keep: the largest message read, how long opening
# and closing may take, and how much may wait to be written before a bot is held up.
MAX_SIZE = 2**20
OPEN_TIMEOUT = 10.0
CLOSE_TIMEOUT = 10.0
WRITE_LIMIT = 2**15
# A whole (final) text frame with no extension bits: the first byte of nearly every frame.
TEXT_FRAME = 0x81


@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)
    frames: int = 0
    bytes: int = 0
    errors: int = 0
    connected: int = 0
    # Per room: (first tick seen, its time, last tick seen, its time).
    ticks: dict[str, list[float]] = field(default_factory=dict)
    # Set once every bot is connected and the warm-up is over: only inputs sent from
    # `measured_from` count, and bots stop at `stop`.
    measured_from: float = math.inf
    stop: float = math.inf
    # The wait for frames of each bot still reading, which ends STALL_GRACE after `stop`.
    deadlines: list[asyncio.Timeout] = field(default_factory=list)
    # Bots still to connect (or fail to); set when none is left.
    to_arrive: int = 0
    everyone_in: asyncio.Event = field(default_factory=asyncio.Event)

    def arrived(self) -> None:
        self.to_arrive -= 1
        if self.to_arrive <= 0:
            self.everyone_in.set()

    def saw_tick(self, room: str, tick: int, now: float) -> None:
        if seen := self.ticks.get(room):
            if tick > seen[2]:
                seen[2], seen[3] = tick, now
        else:
            self.ticks[room] = [tick, now, tick, now]

    def tick_rates(self) -> list[float]:
        """Each room's tick rate over the window, as the bots saw its frames."""
        return [
            (last - first) / (last_at - first_at)
            for first, first_at, last, last_at in self.ticks.values()
            if last_at > first_at
        ]


def own_seat(snapshot: dict[str, Any]) -> int:
    """The seat number of a snapshot's player (`room.you`): their ack is `acks[seat]`
    (docs/protocol.md)."""
    room = snapshot["room"]
    return int(room["players"][room["you"]]["seat"])


class BotSocket(asyncio.Protocol):
    """One bot's play socket. websockets' sans-io protocol does the opening handshake and
    everything unusual (pings, a close, fragments, compression, frames it must refuse);
    the server's whole text frames are read here and the bot's inputs framed here, as
    websockets would frame them, and a timer of the event loop paces the inputs. Unlike
    websockets' client, a bot sends no keepalive pings: its inputs keep the connection
    busy, and the run's deadline catches a server that stops sending."""

    def __init__(self, url: str, origin: str, room: str, stats: Stats) -> None:
        self.protocol = ClientProtocol(
            parse_uri(url),
            origin=Origin(origin),
            extensions=enable_client_permessage_deflate(None),
            max_size=MAX_SIZE,
        )
        self.room = room
        self.stats = stats
        loop = asyncio.get_running_loop()
        self.loop = loop
        self.transport: asyncio.Transport
        # Set once the handshake is through; `reading` once the bot stops reading (the
        # run's end, the match's end, the server's close) or its socket fails; `lost`
        # once the connection is gone.
        self.opened: asyncio.Future[None] = loop.create_future()
        self.reading: asyncio.Future[None] = loop.create_future()
        self.lost: asyncio.Future[None] = loop.create_future()
        # The response's head is read whole before frames are: websockets then reads
        # no further than it. `fast` while frames are read here, not by websockets.
        self.reading_head = True
        self.fast = False
        self.buffer = b""
        self.fragments: list[BytesLike] = []
        # Our seat number, from the snapshot: our ack is acks[seat] (docs/protocol.md).
        self.seat = 0
        self.acked = 0
        self.sent: dict[int, float] = {}
        self.seq = 0
        self.rng = random.Random()
        self.held = 0
        self.direction = ""
        self.next_at = 0.0
        self.timer: asyncio.TimerHandle | None = None
        self.paused = False
        self.held_up = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are asyncio's in all but their class.
        self.transport = transport = cast(asyncio.Transport, transport)
        # websockets' own limit: a send waits while more than this waits to be written.
        transport.set_write_buffer_limits(WRITE_LIMIT)
        request = self.protocol.connect()
        request.headers["User-Agent"] = USER_AGENT
        self.protocol.send_request(request)
        self._flush()

    def data_received(self, data: bytes) -> None:
        if self.fast:
            self._read_frames(data)
        elif self.reading_head:
            self._read_head(data)
        else:
            self._to_protocol(data)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.reading_head:
            self.protocol.receive_data(self.buffer)
        self.protocol.receive_eof()
        self._stop_inputs()
        if not self.opened.done():
            # Refused or cut short, and websockets has said which.
            assert self.protocol.handshake_exc is not None
            self.opened.set_exception(self.protocol.handshake_exc)
        elif not self.reading.done():
            closed = self.protocol.close_exc
            if isinstance(closed, ConnectionClosedOK):
                self.reading.set_result(None)
            else:
                closed.__cause__ = exc
                self.reading.set_exception(closed)
        self.lost.set_result(None)

    def pause_writing(self) -> None:
        self.paused = True

    def resume_writing(self) -> None:
        self.paused = False
        if self.held_up:
            self.held_up = False
            self._next_input()

    def _read_head(self, data: bytes) -> None:
        self.buffer += data
        blank_line = self.buffer.find(b"\r\n\r\n")
        if blank_line < 0:
            return
        head, rest = self.buffer[: blank_line + 4], self.buffer[blank_line + 4 :]
        self.buffer = b""
        self.reading_head = False
        self.protocol.receive_data(head)
        if self.protocol.state is OPEN:
            self.protocol.events_received()
            self.fast = True
            self.opened.set_result(None)
            self._read_frames(rest)
        else:
            # Refused: websockets reads the rest of the response and says why.
            self._to_protocol(rest)

    def _read_frames(self, data: bytes) -> None:
        """Reads the whole text frames in `data` (server frames are not masked): one byte
        of flags and opcode, a length byte (126: a 2-byte length follows; 127: 8 bytes),
        the text. Any other frame goes to websockets whole; one it must refuse (masked,
        too large) hands it the connection."""
        if self.buffer:
            data = self.buffer + data
        now = time.monotonic()
        start = 0
        available = len(data)
        while self.fast and available - start >= 2:
            size = data[start + 1]
            header = 2
            if size == 126 or size == 127:
                header = 4 if size == 126 else 10
                if available - start < header:
                    break
                size = int.from_bytes(data[start + 2 : start + header], "big")
            # Masked (a server's frames must not be) or too large: websockets refuses it
            # from its header and closes the connection.
            if size > MAX_SIZE or data[start + 1] & 0x80:
                self.fast = False
                break
            end = start + header + size
            if end > available:
                break
            if data[start] == TEXT_FRAME:
                self._message(data[start + header : end], now)
            else:
                self._to_protocol(data[start:end])
            start = end
        if self.fast:
            self.buffer = data[start:]
        else:
            self.buffer = b""
            self._to_protocol(data[start:])

    def _to_protocol(self, data: bytes) -> None:
        protocol = self.protocol
        protocol.receive_data(data)
        events = protocol.events_received()
        self._flush()
        if protocol.state is not OPEN:
            self.fast = False
            if not self.opened.done() and protocol.handshake_exc is not None:
                self.opened.set_exception(protocol.handshake_exc)
        now = time.monotonic()
        for event in events:
            if isinstance(event, Frame):
                self._frame(event, now)

    def _frame(self, frame: Frame, now: float) -> None:
        """A data frame websockets read: decompressed, or one fragment of a message."""
        if frame.opcode is Opcode.TEXT or frame.opcode is Opcode.BINARY:
            self.fragments = [frame.data]
        elif frame.opcode is Opcode.CONT:
            self.fragments.append(frame.data)
        else:
            return
        if frame.fin and not self.reading.done():
            self._message(b"".join(self.fragments), now)

    def _message(self, text: bytes, now: float) -> None:
        stats = self.stats
        stats.frames += 1
        stats.bytes += len(text)
        frame = orjson.loads(text)
        kind = frame["type"]
        if kind == "snapshot":
            self.seat = own_seat(frame)
        elif kind == "error":
            stats.errors += 1
        elif kind == "end" or now >= stats.stop:
            self._stop_reading()
            return
        stats.saw_tick(self.room, frame.get("tick", 0), now)
        acks = frame.get("acks")
        ack = acks[self.seat] if acks else 0
        while self.acked < ack:
            self.acked += 1
            at = self.sent.pop(self.acked, None)
            if at is not None and at >= stats.measured_from:
                stats.latencies.append(now - at)

    def _stop_reading(self) -> None:
        # What arrives from here on is websockets' to read, and nobody's to count.
        self.fast = False
        self._stop_inputs()
        if not self.reading.done():
            self.reading.set_result(None)

    def start_inputs(self) -> None:
        self.next_at = time.monotonic()
        self._send_input()

    def _send_input(self) -> None:
        self.timer = None
        if self.protocol.state is not OPEN:
            return
        if time.monotonic() >= self.stats.stop:
            # A room sends nothing once nobody steers and nothing changes: the answer to
            # a ping is the frame after the end that ends this bot's reading.
            self._send(b'{"type":"ping","t":0}')
            return
        self.seq += 1
        if self.held == 0:
            self.held = self.rng.randint(*DIRECTION_HELD)
            direction = [round(self.rng.uniform(-1, 1), 3), round(self.rng.uniform(-1, 1), 3)]
            self.direction = str(direction)
        self.held -= 1
        self.sent[self.seq] = time.monotonic()
        self._send(
            f'{{"type":"input","seq":{self.seq},"data":{{"dir":{self.direction}}}}}'.encode()
        )
        if self.paused:
            # Held up (a server that stopped reading), a bot sends its next input once
            # its socket takes data again, and keeps time from there, as a player's
            # client would: it does not send the missed ones in a burst.
            self.held_up = True
        else:
            self._next_input()

    def _next_input(self) -> None:
        now = time.monotonic()
        self.next_at = max(self.next_at + INPUT_INTERVAL, now)
        self.timer = self.loop.call_later(self.next_at - now, self._send_input)

    def _stop_inputs(self) -> None:
        self.held_up = False
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None

    def _send(self, text: bytes) -> None:
        """One text frame: final, masked as a client's must be. Longer texts (over 125
        bytes) and compressed connections go through websockets."""
        if len(text) > 125 or self.protocol.extensions:
            self.protocol.send_text(text)
            self._flush()
            return
        mask = self.rng.randbytes(4)
        self.transport.write(bytes((TEXT_FRAME, 0x80 | len(text))) + mask + apply_mask(text, mask))

    def _flush(self) -> None:
        for data in self.protocol.data_to_send():
            if data:
                self.transport.write(data)
            elif self.transport.can_write_eof():
                self.transport.write_eof()

    async def close(self) -> None:
        """Closes as websockets does: a close frame, then up to CLOSE_TIMEOUT for the
        server to close the connection."""
        self._stop_reading()
        if self.protocol.state is OPEN:
            self.protocol.send_close()
            self._flush()
        await asyncio.wait([self.lost], timeout=CLOSE_TIMEOUT)
        if not self.lost.done():
            self.transport.abort()


async def open_socket(url: str, origin: str, room: str, stats: Stats) -> BotSocket:
    """A bot's play socket, connected and through the handshake within OPEN_TIMEOUT."""
    bot = BotSocket(url, origin, room, stats)
    uri = bot.protocol.uri
    loop = asyncio.get_running_loop()
    async with asyncio.timeout(OPEN_TIMEOUT):
        await loop.create_connection(lambda: bot, uri.host, uri.port)
        try:
            await bot.opened
        except BaseException:
            # Nobody reads a socket that did not open.
            bot.reading.cancel()
            bot.transport.abort()
            raise
    return bot
