"""An ASGI application that takes the play socket's direct way in and out
(game_server/direct_frames.py), for tests/foundation/test_direct_protocols.py, which
serves it with real uvicorn and daphne processes.

Its handler takes every text frame but those starting with "queue"; it reports, over the
same socket, each text it got and how ("direct:..." or "receive:..."), in the order it got
them. "write N" (taken directly) writes a text of N characters with the direct `write` and
reports what `write` returned. "flood N" sends N texts of a million characters through
ASGI's `send`, one after another, prints how many of them `send` had taken after a second,
and reports once all are sent. "queue stop" makes it stop reading `receive` for 0.3 s, so
that the frames after it wait in the server's queue. Once the client closed, it tries one
more direct write and prints what `write` returned to stderr.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from game_server.direct_frames import EXTENSION


def text_of_length(length: int) -> str:
    """A text of `length` characters, one of them two bytes in UTF-8."""
    return ("é" + "a" * length)[:length]


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    assert scope["type"] == "websocket"
    direct = scope["extensions"][EXTENSION]
    assert (await receive())["type"] == "websocket.connect"
    await send({"type": "websocket.accept"})
    reports: asyncio.Queue[str] = asyncio.Queue()
    tasks: list[asyncio.Task[None]] = []

    async def flood(count: int) -> None:
        sent = 0

        async def send_all() -> None:
            nonlocal sent
            for _ in range(count):
                await send({"type": "websocket.send", "text": text_of_length(1_000_000)})
                sent += 1

        sending = asyncio.get_running_loop().create_task(send_all())
        await asyncio.sleep(1)
        print(f"flood: {sent} of {count} sent within 1 s", file=sys.stderr)
        await sending
        reports.put_nowait(f"flooded:{count}")

    def handle(text: str) -> bool:
        if text.startswith("queue"):
            return False
        if text.startswith("flood "):
            tasks.append(asyncio.get_running_loop().create_task(flood(int(text[6:]))))
        elif text.startswith("write "):
            reports.put_nowait(f"wrote:{direct['write'](text_of_length(int(text[6:])))}")
        else:
            reports.put_nowait(f"direct:{text}")
        return True

    async def report() -> None:
        while True:
            await send({"type": "websocket.send", "text": await reports.get()})

    tasks.append(asyncio.get_running_loop().create_task(report()))
    direct["receive"](handle)
    try:
        while True:
            message = await receive()
            if message["type"] == "websocket.disconnect":
                print(f"write after the close: {direct['write']('too late')}", file=sys.stderr)
                return
            text = message.get("text") or f"bytes:{message['bytes'].hex()}"
            reports.put_nowait(f"receive:{text}")
            if text == "queue stop":
                await asyncio.sleep(0.3)
    finally:
        for task in tasks:
            task.cancel()
