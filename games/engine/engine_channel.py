"""A room's engine channel (Redis mode): how sockets on other processes reach the room.

Every call a socket makes on its room is one message (link.py). Whichever process runs
the room reads its engine channel, `room-engine.<hex>`, and hands each message to the
room's runner through one table, `HANDLERS`, from message type to runner call; a link
on that process hands its sockets' messages to the same table directly. A message from
another process for a seat the room does not have is dropped.

An input, nearly every message, is queued in the room as it is read, with nothing
awaited, under a layer that can `listen` (game_server/redis_layer.py); the other
messages are handled in order after it (tasks.Inbox).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from games.engine.runner import RoomRunner
from games.engine.tasks import Inbox

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
    submit = runner.room.submit

    def at_once(message: Message) -> bool:
        kind = message["type"]
        if kind not in HANDLERS or ("player" in message and message["player"] not in seats):
            return True
        if kind == "engine.input":
            submit(message["player"], message["seq"], message["data"])
            return True
        return False

    async def later(message: Message) -> None:
        await HANDLERS[message["type"]](runner, message)

    inbox = Inbox(at_once, later, f"engine {room_id}")
    try:
        if (listen := getattr(layer, "listen", None)) is None:
            while True:
                inbox.take(await layer.receive(channel))
        await listen(channel, inbox.take)
        try:
            await asyncio.get_running_loop().create_future()
        finally:
            layer.unlisten(channel)
    finally:
        await inbox.close()
