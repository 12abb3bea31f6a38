"""The play socket's direct way in and out: the ASGI extension both servers' protocols
offer (game_server/uvicorn_protocol.py, game_server/daphne_protocol.py), and the
WebSocket framing they share for it.

Through ASGI, each frame a client sends is parsed by the server's general WebSocket
parser, put in a queue as a message, and read by the consumer's task, which the event
loop wakes for it; each frame sent is an ASGI message that the server frames in its own
general way. A play socket takes an input every 50 ms and gets a frame every tick, so
that machinery was most of the server's work (bench/README.md).

The extension, `EXTENSION` in the connection's scope, has two calls:

- `receive(handler)`: from then on a frame that is one whole, small (payload under 126
  bytes), masked, final text frame, that arrives alone while the protocol's parser waits
  for a new frame and nothing is queued for the application, goes to `handler(text)` at
  once, from the protocol's `data_received`. The handler returns False for a frame it
  does not take, which then reaches the application as any frame does. Every other frame
  (fragments, control frames, a frame in pieces or beside another, bad UTF-8, a closing
  connection) takes the server's own path, unchanged. `receive(None)` ends it.
- `write(text)`: frames a text message and writes it at once; False, writing nothing,
  when the protocol cannot write it now (not open, compression on, its buffer full),
  and the application then sends it through ASGI.

games/consumers.py is the application's side.
"""

from __future__ import annotations

from collections.abc import Callable

from websockets.speedups import apply_mask

EXTENSION = "game_server.direct"

# The first byte of a final text frame with no extension bits.
_FINAL_TEXT = 0x81
# The second byte: the mask bit, the length's bits, and the largest length they hold
# themselves (126 and 127 say that the length follows).
_MASKED = 0x80
_LENGTH = 0x7F
_SMALL = 125

TextHandler = Callable[[str], bool]


def small_text_frame(data: bytes, max_size: int | None) -> tuple[bytes, str] | None:
    """The payload of `data` and its text, if `data` is exactly one whole, final, masked
    text frame whose payload is at most 125 bytes (and `max_size`, if given) of valid
    UTF-8; None for anything else, which the server's own parser then reads."""
    if (
        len(data) < 6
        or data[0] != _FINAL_TEXT
        or not data[1] & _MASKED
        or (length := data[1] & _LENGTH) > _SMALL
        or len(data) != 6 + length
        or (max_size is not None and length > max_size)
    ):
        return None
    payload = apply_mask(data[6:], data[2:6])
    try:
        return payload, payload.decode()
    except UnicodeDecodeError:
        # The server's own parser closes the connection with 1007.
        return None


def text_frame(text: str) -> bytes:
    """`text` as one unmasked, final text frame, as a server sends it."""
    payload = text.encode()
    length = len(payload)
    if length <= _SMALL:
        header = bytes((_FINAL_TEXT, length))
    elif length < 1 << 16:
        header = bytes((_FINAL_TEXT, 126)) + length.to_bytes(2, "big")
    else:
        header = bytes((_FINAL_TEXT, 127)) + length.to_bytes(8, "big")
    return header + payload
