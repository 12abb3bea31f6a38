"""The play socket's direct way in and out (game_server/direct_frames.py) in real uvicorn
and daphne processes with the project's protocols (game_server/uvicorn_protocol.py,
game_server/daphne_protocol.py), driven by a client that frames its bytes by hand: which
frames reach the application's handler directly, which come through ASGI's `receive`
(every other way a client may frame a message), in order, and what the direct `write`
puts on the wire. The application (tests/foundation/direct_app.py) reports what it got
over the same socket."""

from __future__ import annotations

import asyncio
import os
import re
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from websockets.client import ClientProtocol
from websockets.frames import Close, Frame, Opcode
from websockets.http11 import Response
from websockets.speedups import apply_mask
from websockets.uri import parse_uri

from tests.foundation.direct_app import text_of_length
from tests.servers import ROOT, free_port, stop_process


class Client:
    """A TCP connection that opened a WebSocket with websockets' client protocol, sends
    bytes framed by hand, and reads what the server sends with that protocol."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.protocol: ClientProtocol
        # Events read but not asked for yet.
        self.events: list[Any] = []

    @classmethod
    async def open(cls, served: Served, *, receive_buffer: int = 0) -> Client:
        """`receive_buffer`, if given, is the size of the socket's receive buffer."""
        connection = socket.socket()
        if receive_buffer:
            connection.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        connection.setblocking(False)
        await asyncio.get_running_loop().sock_connect(connection, ("127.0.0.1", served.port))
        tls = None
        if served.tls:
            # The test's own certificate.
            tls = ssl.create_default_context()
            tls.check_hostname = False
            tls.verify_mode = ssl.CERT_NONE
        client = cls(
            *await asyncio.open_connection(
                sock=connection, ssl=tls, server_hostname="localhost" if tls else None
            )
        )
        scheme = "wss" if tls else "ws"
        client.protocol = ClientProtocol(parse_uri(f"{scheme}://127.0.0.1:{served.port}/"))
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

    async def reports(self, count: int) -> list[str]:
        """The application's next `count` reports."""
        return [(await self.next_frame()).data.decode() for _ in range(count)]

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


SERVERS = ("daphne", "daphne over TLS", "uvicorn")


def server_command(server: str, port: int, folder: Path) -> list[str]:
    """The command line of `server` on `port`, as docs/deploy.md runs it."""
    if server == "uvicorn":
        return [
            *("-m", "uvicorn", "--ws", "game_server.uvicorn_protocol:PlayProtocol"),
            *("--lifespan", "off", "--log-level", "warning", "--host", "127.0.0.1"),
            *("--port", str(port)),
        ]
    if server == "daphne":
        return ["-m", "game_server.daphne_protocol", "-b", "127.0.0.1", "-p", str(port)]
    # daphne's own TLS (an `ssl:` endpoint): Twisted wraps each connection in its TLS
    # protocol, which the direct way writes through.
    key, certificate = folder / "key.pem", folder / "certificate.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-subj", "/CN=localhost", "-keyout", str(key), "-out", str(certificate)),
        ],
        check=True,
        capture_output=True,
    )
    endpoint = f"ssl:{port}:interface=127.0.0.1:privateKey={key}:certKey={certificate}"
    return ["-m", "game_server.daphne_protocol", "-e", endpoint]


@dataclass
class Served:
    server: str
    port: int
    log: Path

    @property
    def tls(self) -> bool:
        return self.server == "daphne over TLS"


@pytest.fixture(scope="module", params=SERVERS)
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    """tests/foundation/direct_app.py served by a real uvicorn or daphne process (plain or
    with daphne's own TLS) with the project's protocol, as docs/deploy.md and
    `game-server serve` run them."""
    port = free_port()
    folder = tmp_path_factory.mktemp("server")
    log = folder / "server.log"
    command = server_command(request.param, port, folder)
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, *command, "tests.foundation.direct_app:app"],
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 20
        while True:
            assert process.poll() is None, log.read_text()
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.05)
        yield Served(request.param, port, log)
    finally:
        stop_process(process)


async def test_a_small_whole_frame_goes_to_the_handler_and_others_through_receive(
    served: Served,
) -> None:
    client = await Client.open(served)
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
    assert await client.reports(9) == [
        "direct:one",
        "receive:split across two reads",
        "receive:two",
        "receive:in one read",
        "receive:in two fragments",
        f"receive:{big}",
        "receive:queue me",
        "receive:bytes:0102",
        "direct:ünïcode",
    ]
    client.close()


async def test_a_frame_never_overtakes_one_still_queued(served: Served) -> None:
    client = await Client.open(served)
    # The application stops reading after "queue stop": "queue 2" waits in the server's
    # queue, and frames the handler would take must wait behind it.
    await client.send(framed(b"queue stop"), framed(b"queue 2"), framed(b"then"), framed(b"last"))
    assert await client.reports(4) == [
        "receive:queue stop",
        "receive:queue 2",
        "receive:then",
        "receive:last",
    ]
    # Once the queue is empty, the direct way is open again.
    await client.send(framed(b"direct again"))
    assert await client.reports(1) == ["direct:direct again"]
    client.close()


async def test_bad_utf8_ends_the_connection_as_the_server_does(served: Served) -> None:
    client = await Client.open(served)
    await client.send(framed(b"\xff\xfe not text"))
    if served.server == "uvicorn":
        frame = await client.next_frame()
        assert frame.opcode is Opcode.CLOSE
        assert Close.parse(frame.data).code == 1007
    else:
        # autobahn drops a connection that breaks the protocol, without a closing frame.
        with pytest.raises(ConnectionResetError):
            await client.next_frame()
    client.close()


async def test_a_ping_is_answered_between_direct_frames(served: Served) -> None:
    client = await Client.open(served)
    await client.send(framed(b"before"), framed(b"are you there", opcode=0x9), framed(b"after"))
    frames = [await client.next_frame() for _ in range(3)]
    pong = next(frame for frame in frames if frame.opcode is Opcode.PONG)
    assert pong.data == b"are you there"
    assert [frame.data.decode() for frame in frames if frame.opcode is Opcode.TEXT] == [
        "direct:before",
        "direct:after",
    ]
    client.close()


@pytest.mark.parametrize("length", [0, 125, 126, 65535, 65536, 100_000])
async def test_write_frames_a_text_of_any_length(served: Served, length: int) -> None:
    client = await Client.open(served)
    await client.send(framed(f"write {length}".encode()))
    frame = await client.next_frame()
    assert (frame.opcode, frame.fin, frame.data.decode()) == (
        Opcode.TEXT,
        True,
        text_of_length(length),
    )
    assert await client.reports(1) == ["wrote:True"]
    client.close()


async def test_write_declines_once_the_client_closed(served: Served) -> None:
    client = await Client.open(served)
    await client.send(framed(b"hello"))
    assert await client.reports(1) == ["direct:hello"]
    before = served.log.read_text().count("write after the close: False")
    client.protocol.send_close(1000)
    await client.flush()
    frame = await client.next_frame()
    assert frame.opcode is Opcode.CLOSE
    client.close()
    async with asyncio.timeout(5):
        # The server process prints it: nothing here to wait on but its log.
        while served.log.read_text().count("write after the close: False") == before:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
    assert "write after the close: True" not in served.log.read_text()


async def test_writes_a_client_is_slow_to_read_arrive_whole_and_in_order(
    served: Served,
) -> None:
    client = await Client.open(served, receive_buffer=4096)
    # Ten megabytes while the client reads nothing: more than the sockets' buffers hold,
    # so that a write finds the socket full and the rest of it waits in the server.
    await client.send(*(framed(f"write {1_000_000 + number}".encode()) for number in range(10)))
    texts, reports = [], []
    while len(reports) < 10:
        text = (await client.next_frame()).data.decode()
        (reports if text.startswith("wrote:") else texts).append(text)
    written = [
        1_000_000 + number for number, report in enumerate(reports) if report == "wrote:True"
    ]
    # The first writes fill the buffers; once the server's is full, `write` declines.
    assert written
    assert "wrote:False" in reports
    assert texts == [text_of_length(length) for length in written]
    client.close()


async def test_send_waits_while_a_client_is_not_reading(served: Served) -> None:
    client = await Client.open(served, receive_buffer=4096)
    # Twenty megabytes through ASGI's `send` while the client reads nothing: the server
    # buffers a bounded amount for the socket, and `send` waits for the rest.
    await client.send(framed(b"flood 20"))
    async with asyncio.timeout(5):
        # The server process prints it: nothing here to wait on but its log.
        while not (flooded := re.findall(r"flood: (\d+) of 20", served.log.read_text())):  # noqa: ASYNC110
            await asyncio.sleep(0.05)
    assert int(flooded[-1]) < 20
    # Once it reads, everything arrives, whole and in order.
    frames = [await client.next_frame() for _ in range(21)]
    assert [frame.data.decode() for frame in frames[:20]] == [text_of_length(1_000_000)] * 20
    assert frames[20].data.decode() == "flooded:20"
    client.close()
