"""A room's engine channel (Redis mode): how sockets on other processes reach the room.

Every call a socket makes on its room is one message (link.py). Whichever process runs
the room reads its engine channel, `room-engine.<hex>`, and hands each message to the
room's runner through one table, `HANDLERS`, from message type to runner call; a link
on that process hands its sockets' messages to the same table directly. A message from
another process for a seat the room does not have is dropped.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from games.engine.runner import RoomRunner

Message = dict[str, Any]


def engine_channel(room_id: str) -> str:
    return f"room-engine.{room_id.replace('-', '')}"


async def _input(runner: RoomRunner, message: Message) -> None:
    await runner.submit(message["player"], message["seq"], message["data"])


async def _join(runner: RoomRunner, message: Message) -> None:
    await runner.join(message["player"], message["channel"])


async def _leave(runner: RoomRunner, message: Message) -> None:
    await runner.leave(message["player"], message["channel"])


async def _resync(runner: RoomRunner, message: Message) -> None:
    await runner.resync(message["player"], message["channel"])


async def _watch(runner: RoomRunner, message: Message) -> None:
    await runner.watch(message["viewer"], message["name"], message["channel"])


async def _unwatch(runner: RoomRunner, message: Message) -> None:
    await runner.unwatch(message["viewer"], message["channel"])


async def _remove(runner: RoomRunner, message: Message) -> None:
    await runner.remove(message["user"])


async def _end(runner: RoomRunner, message: Message) -> None:
    runner.end()


Handler = Callable[[RoomRunner, Message], Awaitable[None]]
HANDLERS: dict[str, Handler] = {
    "engine.input": _input,
    "engine.join": _join,
    "engine.leave": _leave,
    "engine.resync": _resync,
    "engine.watch": _watch,
    "engine.unwatch": _unwatch,
    "engine.remove": _remove,
    "engine.end": _end,
}


async def serve(layer: Any, room_id: str, runner: RoomRunner) -> None:
    """Hands every message on the room's engine channel to its runner, until cancelled."""
    channel = engine_channel(room_id)
    seats = runner.room.seats
    while True:
        message = await layer.receive(channel)
        handler = HANDLERS.get(message["type"])
        if handler is None or ("player" in message and message["player"] not in seats):
            continue
        await handler(runner, message)
