"""The frames a room sends to sockets, one function per type (docs/protocol.md).

Each frame is serialized here once, whatever the number of its recipients. Who a frame
is for travels beside it (`Frame`): everyone in the room (None), one player (their id),
or, in a game that hides information, SPECTATORS: the view of someone without a seat.
Player ids are user ids or bot ids ("bot1"), never this word.
"""

from __future__ import annotations

from typing import Any

import orjson

from games.rules.base import Result

PROTOCOL_VERSION = 3
SPECTATORS = "spectators"
Frame = tuple[str | None, str]


def dumps(message: dict[str, Any]) -> str:
    return orjson.dumps(message).decode()


def error_frame(tick: int, code: str, message: str, *, seq: int | None = None) -> str:
    """The one shape of an error frame, from the room or from a player's socket."""
    error: dict[str, Any] = {"type": "error", "tick": tick, "code": code, "message": message}
    if seq is not None:
        error["seq"] = seq
    return dumps(error)


def diff_frame(*, tick: int, base: int, acks: list[int], diff: dict[str, Any]) -> str:
    """A diff from the state at tick `base`; `base` is left out when it is the tick before,
    as it is on every tick while a real-time game's players steer."""
    if base == tick - 1:
        return dumps({"type": "diff", "tick": tick, "acks": acks, "diff": diff})
    return dumps({"type": "diff", "tick": tick, "base": base, "acks": acks, "diff": diff})


def snapshot_frame(
    *,
    tick: int,
    acks: list[int],
    state: Any,
    room_id: str,
    game: str,
    tick_rate: int,
    you: str | None,
    players: dict[str, dict[str, Any]],
    result: Result | None,
) -> str:
    """The last state sent to `you`, a player (None: a spectator), with the room's
    particulars."""
    room = {
        "id": room_id,
        "game": game,
        "tick_rate": tick_rate,
        "you": you,
        "spectator": you is None,
        "players": players,
    }
    message = {
        "type": "snapshot",
        "v": PROTOCOL_VERSION,
        "tick": tick,
        "acks": acks,
        "state": state,
        "room": room,
    }
    if result is not None:
        message["result"] = result_json(result)
    return dumps(message)


def presence_frame(tick: int, players: dict[str, dict[str, Any]]) -> str:
    return dumps({"type": "presence", "tick": tick, "players": players})


def spectators_frame(tick: int, spectators: list[dict[str, str]]) -> str:
    return dumps({"type": "spectators", "tick": tick, "spectators": spectators})


def end_frame(tick: int, result: Result) -> str:
    return dumps({"type": "end", "tick": tick, "result": result_json(result)})


def result_json(result: Result) -> dict[str, Any]:
    return {"placements": result.placements, "scores": result.scores, "reason": result.reason}
