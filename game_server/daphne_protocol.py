"""daphne with the play socket's direct way in and out (game_server/direct_frames.py):
`game-server serve` runs it (game_server/cli.py).

daphne builds each WebSocket connection's protocol (autobahn's, through daphne's own
subclass) from its server's factory. `PlayServer` gives that factory `PlayWebSocketProtocol`
and offers each of its connections the extension in its scope. A small input frame then
goes from `dataReceived` to the consumer's handler without autobahn's frame parser,
daphne's message and queue, or the consumer's task; a room's frame is framed once and
written to the socket without autobahn's framing or Twisted's write buffer. And a client
that stops reading holds up the ASGI `send` to its socket, as under uvicorn, instead of
having every frame buffered for it.

The protocol reads autobahn's parser state, daphne's queue and Twisted's write buffer:
pyproject.toml allows the daphne, autobahn and Twisted releases it was tested with, and
tests/foundation/test_direct_protocols.py tries each path against a real daphne.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from daphne.cli import CommandLineInterface
from daphne.server import Server
from daphne.ws_protocol import WebSocketFactory, WebSocketProtocol
from twisted.internet.tcp import Connection

from game_server.direct_frames import EXTENSION, TextHandler, small_text_frame, text_frame


class PlayWebSocketProtocol(WebSocketProtocol):
    _handler: TextHandler | None = None
    # The largest payload autobahn takes, by its limits (None: no limit), once open.
    _max_size: int | None = None
    # Set while Twisted's buffer for this socket holds more than the transport's
    # `bufferSize` (64 KiB): its client is not reading. Done once the buffer drained.
    _drained: asyncio.Future[None] | None = None

    def connectionMade(self) -> None:
        super().connectionMade()
        # autobahn copies its factory's limits here (0 for none); they hold all connection.
        limits = [
            limit for limit in (self.maxFramePayloadSize, self.maxMessagePayloadSize) if limit > 0
        ]
        self._max_size = min(limits) if limits else None
        # daphne hands over the HTTP channel's transport with the channel as its producer.
        # This protocol is the producer of its frames: Twisted pauses it when the client
        # stops reading and resumes it once the buffer drained.
        self.transport.unregisterProducer()
        self.transport.registerProducer(self, True)

    def pauseProducing(self) -> None:
        if self._drained is None:
            self._drained = asyncio.get_running_loop().create_future()

    def resumeProducing(self) -> None:
        if (drained := self._drained) is not None:
            self._drained = None
            drained.set_result(None)

    def stopProducing(self) -> None:
        # The connection is gone: nothing waits for it to drain any more.
        self.resumeProducing()

    async def drained(self) -> None:
        """Returns once Twisted's buffer for this socket is under its limit."""
        if (drained := self._drained) is not None:
            await asyncio.shield(drained)

    def direct_extension(self) -> dict[str, Any]:
        return {"receive": self._set_handler, "write": self.write_text}

    def _set_handler(self, handler: TextHandler | None) -> None:
        self._handler = handler

    def dataReceived(self, data: bytes) -> None:
        handler = self._handler
        if (
            handler is None
            or not self._between_frames()
            or (frame := small_text_frame(data, self._max_size)) is None
        ):
            super().dataReceived(data)
            return
        payload, text = frame
        if self.muted or not self.application_queue.empty() or not handler(text):
            # Queued for the application as daphne queues any message (or dropped, as
            # daphne drops one once the application closed).
            self.onMessage(payload, False)
            return
        # daphne's keepalive pings a socket only after this long without a message.
        self.last_ping = time.time()

    def _between_frames(self) -> bool:
        """Whether the connection is open with no compression, and autobahn's parser
        waits for a new frame, outside any message, with nothing buffered."""
        return (
            self.state == self.STATE_OPEN
            and self.current_frame is None
            and not self.inside_message
            and not self.data
            and self._perMessageCompress is None
        )

    def write_text(self, text: str) -> bool:
        if (
            self.muted
            or self._drained is not None
            or self.state != self.STATE_OPEN
            or self.send_queue
            or self._perMessageCompress is not None
        ):
            return False
        _write_now(self.transport, text_frame(text))
        return True


def _write_now(transport: Any, data: bytes) -> None:
    """Writes `data` to Twisted's TCP `transport` as asyncio's transports do: straight to
    the socket when nothing waits in the transport's buffer, and only what the socket
    does not take into it. Twisted's `write` always buffers, and has the reactor watch
    the socket for writing and stop watching it once written: two `epoll_ctl` calls and a
    callback for each frame of each socket (a fifth of daphne's work, bench/README.md)."""
    if (
        # TLS in Twisted (daphne's `ssl:` endpoints) wraps the connection: its own write.
        not isinstance(transport, Connection)
        or transport.TLS
        or transport.disconnecting
        or transport._writeDisconnected
        or len(transport.dataBuffer) > transport.offset
        or transport._tempDataBuffer
    ):
        transport.write(data)
        return
    try:
        sent = transport.socket.send(data)
    except OSError:
        # The socket is full (or interrupted): Twisted writes it once it has room. Or it
        # failed: Twisted's own write meets the error again and closes the connection.
        sent = 0
    if sent < len(data):
        transport.write(data[sent:])


class PlayServer(Server):
    """daphne's server, whose WebSocket connections are `PlayWebSocketProtocol`s."""

    @property
    def ws_factory(self) -> WebSocketFactory:
        return self._ws_factory

    @ws_factory.setter
    def ws_factory(self, factory: WebSocketFactory) -> None:
        # `Server.run` makes the factory and starts at once: its protocol is set here.
        factory.protocol = PlayWebSocketProtocol
        self._ws_factory = factory

    def create_application(self, protocol: Any, scope: dict[str, Any]) -> Any:
        if isinstance(protocol, PlayWebSocketProtocol):
            scope["extensions"] = {EXTENSION: protocol.direct_extension()}
        return super().create_application(protocol, scope)

    async def handle_reply(self, protocol: Any, message: dict[str, Any]) -> None:
        # daphne's `send` never waits: a client that stops reading would have every frame
        # sent to it buffered. A frame waits here until its socket's buffer drained, as
        # uvicorn's `send` waits, so the socket's writer holds a bounded backlog and drops
        # the rest (games/engine/sockets.py).
        if isinstance(protocol, PlayWebSocketProtocol) and message.get("type") == "websocket.send":
            await protocol.drained()
        await super().handle_reply(protocol, message)


class PlayCommandLine(CommandLineInterface):
    """daphne's command line, serving with `PlayServer`."""

    server_class = PlayServer


if __name__ == "__main__":
    # python -m game_server.daphne_protocol [daphne options] APPLICATION
    PlayCommandLine.entrypoint()
