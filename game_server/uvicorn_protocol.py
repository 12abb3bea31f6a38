"""uvicorn's websockets-sansio protocol, with the play socket's direct way in and out
(game_server/direct_frames.py) for small text frames.

    uvicorn --loop uvloop --ws game_server.uvicorn_protocol:PlayProtocol ...

The protocol leans on uvicorn's and websockets' internals: pyproject.toml allows only the
uvicorn release it was tested with, and tests/foundation/test_direct_protocols.py tries
each path against a real uvicorn.
"""

from __future__ import annotations

from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.protocol import OPEN
from websockets.streams import StreamReader

from game_server.direct_frames import EXTENSION, TextHandler, small_text_frame, text_frame

# Where websockets' parser waits, with nothing buffered, for the next frame.
_BETWEEN_FRAMES = StreamReader.at_eof.__code__


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
        handler = self._handler
        if (
            handler is None
            or not self._between_frames()
            or (frame := small_text_frame(data, self.conn.max_message_size)) is None
        ):
            super().data_received(data)
            return
        payload, text = frame
        if self.close_sent or not self.queue.empty() or not handler(text):
            # Handed to the application as uvicorn hands any message (or dropped, as it
            # drops one once the application closed).
            self.curr_msg_data_type = "text"
            self.frames = [payload]
            self.send_receive_event_to_app()

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
        self.transport.write(text_frame(text))
        return True
