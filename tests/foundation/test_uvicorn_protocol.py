"""game_server/uvicorn_protocol.py in a real uvicorn server, driven by a client that frames
its bytes by hand: which frames reach the application's handler directly, which come
through ASGI's `receive` (every other way a client may frame a message), in order, and
what the direct `write` puts on the wire."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from typing import Any

import pytest
import uvicorn
from websockets.client import ClientProtocol
from websockets.frames import Close, Frame, Opcode
from websockets.http11 import Response
from websockets.speedups import apply_mask
from websockets.uri import parse_uri

from game_server.uvicorn_protocol import EXTENSION, PlayProtocol
from games.consumers import DIRECT_EXTENSION
from tests.servers import free_port


class App:
    """An ASGI application that takes the direct way in: its handler takes every text
    frame but those starting with "queue", and notes each text it gets and how."""

    def __init__(self) -> None:
        self.got: list[tuple[str, str]] = []
        self.arrived = asyncio.Event()
        # Cleared: the application stops reading `receive` until it is set again.
        self.reading = asyncio.Event()
        self.reading.set()
        self.write: Any = None

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        assert scope["type"] == "websocket"
        direct = scope["extensions"][EXTENSION]
        self.write = direct["write"]
        assert (await receive())["type"] == "websocket.connect"
        await send({"type": "websocket.accept"})
        direct["receive"](self._handle)
        while True:
            await self.reading.wait()
            message = await receive()
            if message["type"] == "websocket.disconnect":
                return
            self._note(message.get("text") or f"bytes:{message['bytes'].hex()}", "receive")

    def _handle(self, text: str) -> bool:
        if text.startswith("queue"):
            return False
        self._note(text, "direct")
        return True

    def _note(self, text: str, way: str) -> None:
        self.got.append((text, way))
        self.arrived.set()

    async def until(self, count: int) -> list[tuple[str, str]]:
        async with asyncio.timeout(5):
            while len(self.got) < count:
                self.arrived.clear()
                await self.arrived.wait()
        return self.got


class Client:
    """A TCP connection that opened a WebSocket with websockets' client protocol, sends
    bytes framed by hand, and reads what the server sends with that protocol."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.protocol: ClientProtocol
        # Events read but not asked for yet.
        self.events: list[Any] = []

    @classmethod
    async def open(cls, port: int) -> Client:
        client = cls(*await asyncio.open_connection("127.0.0.1", port))
        client.protocol = ClientProtocol(parse_uri(f"ws://127.0.0.1:{port}/"))
        client.protocol.send_request(client.protocol.connect())
        await client.flush()
        response = await client._next_event()
        assert isinstance(response, Response)
        assert response.status_code == 101
        return client

    async def send(self, *chunks: bytes) -> None:
        """Each chunk in a write of its own, a moment apart: one read each for the server."""
        for chunk in chunks:
            self.writer.write(chunk)
            await self.writer.drain()
            await asyncio.sleep(0.05)

    async def next_frame(self) -> Frame:
        while True:
            event = await self._next_event()
            if isinstance(event, Frame):
                return event

    async def _next_event(self) -> Any:
        async with asyncio.timeout(5):
            while not self.events:
                data = await self.reader.read(65536)
                if not data:
                    self.protocol.receive_eof()
                else:
                    self.protocol.receive_data(data)
                self.events.extend(self.protocol.events_received())
                await self.flush()
            return self.events.pop(0)

    async def flush(self) -> None:
        for data in self.protocol.data_to_send():
            if data:
                self.writer.write(data)
        await self.writer.drain()

    def close(self) -> None:
        self.writer.close()


def framed(payload: bytes, *, opcode: int = 0x1, fin: bool = True) -> bytes:
    """A client's frame: masked, its length in the form RFC 6455 gives it."""
    mask = os.urandom(4)
    length = len(payload)
    head = bytes(((0x80 if fin else 0) | opcode,))
    if length < 126:
        head += bytes((0x80 | length,))
    elif length < 1 << 16:
        head += bytes((0x80 | 126,)) + length.to_bytes(2, "big")
    else:
        head += bytes((0x80 | 127,)) + length.to_bytes(8, "big")
    return head + mask + apply_mask(payload, mask)


@pytest.fixture
async def served() -> AsyncIterator[tuple[App, int]]:
    app = App()
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, ws=PlayProtocol, lifespan="off", log_level="warning"
    )
    server = uvicorn.Server(config)
    task = asyncio.get_running_loop().create_task(server.serve())
    async with asyncio.timeout(10):
        # uvicorn's Server says it started with a flag alone.
        while not server.started:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
    yield app, port
    server.should_exit = True
    await task


def test_the_consumer_asks_for_the_extension_the_protocol_offers() -> None:
    assert DIRECT_EXTENSION == EXTENSION


async def test_a_small_whole_frame_goes_to_the_handler_and_others_through_receive(
    served: tuple[App, int],
) -> None:
    app, port = served
    client = await Client.open(port)
    split = framed(b"split across two reads")
    big = "big " + "x" * 200
    await client.send(
        framed(b"one"),
        split[:3],
        split[3:],
        framed(b"two") + framed(b"in one read"),
        framed(b"in two ", fin=False),
        framed(b"fragments", opcode=0x0),
        framed(big.encode()),
        framed(b"queue me"),
        framed(b"\x01\x02", opcode=0x2),
        framed("ünïcode".encode()),
    )
    assert await app.until(9) == [
        ("one", "direct"),
        ("split across two reads", "receive"),
        ("two", "receive"),
        ("in one read", "receive"),
        ("in two fragments", "receive"),
        (big, "receive"),
        ("queue me", "receive"),
        ("bytes:0102", "receive"),
        ("ünïcode", "direct"),
    ]
    client.close()


async def test_a_frame_never_overtakes_one_still_queued(served: tuple[App, int]) -> None:
    app, port = served
    client = await Client.open(port)
    # The application reads the first and then stops reading: the second waits in the
    # queue, and frames the handler would take must wait behind it.
    app.reading.clear()
    await client.send(framed(b"queue 1"), framed(b"queue 2"), framed(b"then"), framed(b"last"))
    await asyncio.sleep(0.2)
    assert app.got == [("queue 1", "receive")]
    app.reading.set()
    got = await app.until(4)
    assert [text for text, _ in got] == ["queue 1", "queue 2", "then", "last"]
    assert got[1] == ("queue 2", "receive")
    # Once the queue is empty, the direct way is open again.
    await client.send(framed(b"direct again"))
    assert (await app.until(5))[4] == ("direct again", "direct")
    client.close()


async def test_bad_utf8_closes_with_1007_as_uvicorn_does(served: tuple[App, int]) -> None:
    app, port = served
    client = await Client.open(port)
    await client.send(framed(b"\xff\xfe not text"))
    frame = await client.next_frame()
    assert frame.opcode is Opcode.CLOSE
    assert Close.parse(frame.data).code == 1007
    assert app.got == []
    client.close()


async def test_a_ping_is_answered_between_direct_frames(served: tuple[App, int]) -> None:
    app, port = served
    client = await Client.open(port)
    await client.send(framed(b"before"), framed(b"are you there", opcode=0x9), framed(b"after"))
    pong = await client.next_frame()
    assert (pong.opcode, pong.data) == (Opcode.PONG, b"are you there")
    assert await app.until(2) == [("before", "direct"), ("after", "direct")]
    client.close()


@pytest.mark.parametrize("length", [0, 125, 126, 65535, 65536, 100_000])
async def test_write_frames_a_text_of_any_length(served: tuple[App, int], length: int) -> None:
    app, port = served
    client = await Client.open(port)
    await client.send(framed(b"hello"))
    await app.until(1)
    text = ("é" + "a" * length)[:length] if length else ""
    assert app.write(text) is True
    frame = await client.next_frame()
    assert (frame.opcode, frame.fin, frame.data.decode()) == (Opcode.TEXT, True, text)
    client.close()


async def test_write_declines_once_the_client_closed(served: tuple[App, int]) -> None:
    app, port = served
    client = await Client.open(port)
    await client.send(framed(b"hello"))
    await app.until(1)
    client.protocol.send_close(1000)
    await client.flush()
    frame = await client.next_frame()
    assert frame.opcode is Opcode.CLOSE
    assert app.write("too late") is False
    client.close()
