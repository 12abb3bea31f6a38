"""Client frames: parsed and checked before anything reaches a room.

docs/protocol.md documents every frame, error code and close code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from games.chat import REACTIONS

MAX_FRAME_CHARACTERS = 1024
MAX_INPUT_KEYS = 8
MAX_LIST_ITEMS = 8
MAX_DEPTH = 3
# Integers a browser's JSON.parse keeps exactly.
MAX_SAFE_INTEGER = 2**53 - 1

# Close codes (4000-4999 are for applications; 1013 is the standard "try again later").
CLOSE_TRY_AGAIN = 1013
CLOSE_NOT_AUTHENTICATED = 4401
# Also for a player or spectator the lobby's host removed from the running match.
CLOSE_NOT_A_PLAYER = 4403
CLOSE_NO_SUCH_ROOM = 4404
CLOSE_REPLACED = 4409
CLOSE_ROOM_OVER = 4410
CLOSE_FLOODING = 4429
CLOSE_SPECTATORS_FULL = 4430


class ProtocolError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


# Not frozen: a frozen dataclass sets each field through object.__setattr__, and every
# input a player sends is one of these.
@dataclass(slots=True)
class InputFrame:
    seq: int
    data: dict[str, Any]


@dataclass(frozen=True)
class SnapshotRequest:
    pass


@dataclass(frozen=True)
class Ping:
    t: float


@dataclass(frozen=True)
class ChatLine:
    """A chat line to everyone in the room; its text is checked by games/chat.py."""

    text: str


@dataclass(frozen=True)
class Reaction:
    """One of the quick reactions (`REACTIONS`), to everyone in the room."""

    reaction: str


ClientFrame = InputFrame | SnapshotRequest | Ping | ChatLine | Reaction


def parse_client_frame(text: str | None) -> ClientFrame:
    if text is None:
        raise ProtocolError("text_only", "Send JSON text frames, not binary ones.")
    if len(text) > MAX_FRAME_CHARACTERS:
        raise ProtocolError(
            "too_large", f"Frames are limited to {MAX_FRAME_CHARACTERS} characters."
        )
    try:
        frame = orjson.loads(text)
    except orjson.JSONDecodeError:
        raise ProtocolError("bad_json", "The frame is not valid JSON.") from None
    if type(frame) is not dict:
        raise ProtocolError("bad_frame", "A frame is a JSON object with a type.")
    kind = frame.get("type")
    if kind == "input":
        return _input(frame)
    if kind == "snapshot":
        return SnapshotRequest()
    if kind == "ping":
        t = frame.get("t")
        if type(t) not in (int, float):
            raise ProtocolError("bad_frame", "A ping carries a number t.")
        return Ping(t)
    if kind == "chat":
        text = frame.get("text")
        if type(text) is not str:
            raise ProtocolError("bad_frame", "A chat frame carries a string text.")
        return ChatLine(text)
    if kind == "reaction":
        reaction = frame.get("reaction")
        if reaction not in REACTIONS:
            raise ProtocolError("unknown_reaction", f"Reactions are {', '.join(REACTIONS)}.")
        return Reaction(reaction)
    raise ProtocolError("unknown_type", "Frame types are input, snapshot, ping, chat and reaction.")


def _input(frame: dict[str, Any]) -> InputFrame:
    seq, data = frame.get("seq"), frame.get("data")
    if type(seq) is not int or not 0 < seq <= MAX_SAFE_INTEGER:
        raise ProtocolError("bad_seq", "seq is a whole number from 1 that goes up by input.")
    if type(data) is not dict or not _plain(data, 1):
        raise ProtocolError("bad_input", "data is a small object of numbers, strings and lists.")
    return InputFrame(seq, data)


def _plain(value: Any, depth: int) -> bool:
    """Small, shallow JSON with integers a browser can represent. Called for every input:
    the scalars in a container are checked in its loop, without a call of their own."""
    kind = type(value)
    if kind is dict:
        items, limit = value.values(), MAX_INPUT_KEYS
    elif kind is list:
        items, limit = value, MAX_LIST_ITEMS
    elif kind is int:
        return -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER
    else:
        return kind is float or kind is str or kind is bool
    if depth > MAX_DEPTH or len(value) > limit:
        return False
    for item in items:
        kind = type(item)
        if not (kind is float or kind is str or kind is bool or _plain(item, depth + 1)):
            return False
    return True
