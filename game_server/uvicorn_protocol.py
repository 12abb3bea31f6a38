"""uvicorn's websockets-sansio protocol, with a direct way in and out for small text frames.

    uvicorn --loop uvloop --ws game_server.uvicorn_protocol:PlayProtocol ...

Through ASGI, each frame a client sends is parsed by websockets' general parser, put in a
queue as a message, and read by the consumer's task, which the event loop wakes for it;
each frame sent is an ASGI message whose coroutine websockets frames. A play socket takes
an input every 50 ms and gets a frame every tick, so that machinery was most of the
server's work (bench/README.md).

This protocol offers the application one ASGI extension, `EXTENSION`, with two calls:

- `receive(handler)`: from then on a frame that is one whole, small (payload under 126
  bytes), masked, final text frame, that arrives alone while websockets' parser waits
  for a new frame and nothing is queued for the application, goes to `handler(text)` at
  once, from `data_received`. The handler returns False for a frame it does not take,
  which is then queued as uvicorn queues any. Every other frame (fragments, control
  frames, a frame in pieces or beside another, bad UTF-8, a closing connection) takes
  websockets' own path, unchanged.
- `write(text)`: frames a text message and writes it at once; False, writing nothing,
  unless the connection is open, its write buffer has room and no compression is on (the
  application then sends it through ASGI, which waits for room).

games/consumers.py is the application's side. The protocol leans on uvicorn's and
websockets' internals: pyproject.toml allows only the uvicorn release it was tested with,
and tests/foundation/test_uvicorn_protocol.py tries each path against a real uvicorn.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.protocol import OPEN
from websockets.speedups import apply_mask
from websockets.streams import StreamReader

EXTENSION = "game_server.direct"

# The first byte of a final text frame with no extension bits.
_FINAL_TEXT = 0x81
# The second byte: the mask bit, the length's bits, and the largest length they hold
# themselves (126 and 127 say that the length follows).
_MASKED = 0x80
_LENGTH = 0x7F
_SMALL = 125
# Where websockets' parser waits, with nothing buffered, for the next frame.
_BETWEEN_FRAMES = StreamReader.at_eof.__code__

TextHandler = Callable[[str], bool]


class PlayProtocol(WebSocketsSansIOProtocol):
    _handler: TextHandler | None = None

    def handle_connect(self, event: Any) -> None:
        super().handle_connect(event)
        if not self.close_sent:
            self.scope["extensions"][EXTENSION] = {
                "receive": self._set_handler,
                "write": self.write_text,
            }

    def _set_handler(self, handler: TextHandler | None) -> None:
        self._handler = handler

    def data_received(self, data: bytes) -> None:
        if (frame := self._small_text_frame(data)) is None:
            super().data_received(data)
            return
        payload, text = frame
        handler = self._handler
        if self.close_sent or not self.queue.empty() or handler is None or not handler(text):
            # Handed to the application as uvicorn hands any message (or dropped, as it
            # drops one once the application closed).
            self.curr_msg_data_type = "text"
            self.frames = [payload]
            self.send_receive_event_to_app()

    def _small_text_frame(self, data: bytes) -> tuple[bytes, str] | None:
        """The payload of `data` and its text, if it is exactly one frame that this
        protocol takes itself."""
        if (
            self._handler is None
            or len(data) < 6
            or data[0] != _FINAL_TEXT
            or not data[1] & _MASKED
            or (length := data[1] & _LENGTH) > _SMALL
            or len(data) != 6 + length
            or not self._between_frames()
        ):
            return None
        max_size = self.conn.max_message_size
        if max_size is not None and length > max_size:
            return None
        payload = apply_mask(data[6:], data[2:6])
        try:
            return payload, payload.decode()
        except UnicodeDecodeError:
            # websockets' own path closes the connection with 1007.
            return None

    def _between_frames(self) -> bool:
        """Whether the connection is open with no fragmented message under way and no
        compression, and websockets' parser waits for a new frame with nothing
        buffered: a whole frame can then be read without it."""
        conn = self.conn
        if conn.state is not OPEN or conn.current_size is not None or conn.extensions:
            return False
        parser: Any = conn.parser
        while (inner := parser.gi_yieldfrom) is not None:
            parser = inner
        return parser.gi_code is _BETWEEN_FRAMES and not conn.reader.buffer

    def write_text(self, text: str) -> bool:
        if (
            self.close_sent
            or self.disconnected
            or not self.writable.is_set()
            or self.conn.state is not OPEN
            or self.conn.extensions
        ):
            return False
        payload = text.encode()
        length = len(payload)
        if length <= _SMALL:
            header = bytes((_FINAL_TEXT, length))
        elif length < 1 << 16:
            header = bytes((_FINAL_TEXT, 126)) + length.to_bytes(2, "big")
        else:
            header = bytes((_FINAL_TEXT, 127)) + length.to_bytes(8, "big")
        self.transport.write(header + payload)
        return True
