"""tasks.Inbox: a channel's messages in the order they come, the common ones handled at
once and the others awaited in a task, with those after them waiting behind."""

from __future__ import annotations

import asyncio

from games.engine.tasks import Inbox


class Handled:
    """Inputs are handled at once; a join is awaited until the test lets it finish."""

    def __init__(self) -> None:
        self.order: list[str] = []
        self.joining = asyncio.Event()

    def at_once(self, message: dict) -> bool:
        if message["type"] != "input":
            return False
        self.order.append(message["n"])
        return True

    async def later(self, message: dict) -> None:
        if message["n"] == "broken":
            raise ValueError("a bug in the handler")
        await self.joining.wait()
        self.order.append(message["n"])


def _input(n: str) -> dict:
    return {"type": "input", "n": n}


def _join(n: str) -> dict:
    return {"type": "join", "n": n}


async def test_a_message_handled_later_holds_the_ones_after_it_in_order() -> None:
    handled = Handled()
    inbox = Inbox(handled.at_once, handled.later, "test")
    inbox.take(_input("1"))
    assert handled.order == ["1"]
    inbox.take(_join("2"))
    inbox.take(_input("3"))
    inbox.take(_join("4"))
    inbox.take(_input("5"))
    await asyncio.sleep(0.01)
    # The join waits, and the input after it too.
    assert handled.order == ["1"]
    handled.joining.set()
    await asyncio.sleep(0.01)
    assert handled.order == ["1", "2", "3", "4", "5"]
    # Nothing waits any more: an input is handled at once again.
    inbox.take(_input("6"))
    assert handled.order[-1] == "6"


async def test_a_failing_message_is_logged_and_the_next_ones_are_handled(caplog) -> None:
    handled = Handled()
    handled.joining.set()
    inbox = Inbox(handled.at_once, handled.later, "engine r1")
    inbox.take(_join("broken"))
    inbox.take(_input("after"))
    await asyncio.sleep(0.01)
    assert handled.order == ["after"]
    assert "engine r1: a join message failed" in caplog.text


async def test_closing_stops_the_message_in_hand_and_forgets_those_waiting() -> None:
    handled = Handled()
    inbox = Inbox(handled.at_once, handled.later, "test")
    inbox.take(_join("2"))
    inbox.take(_input("3"))
    await inbox.close()
    handled.joining.set()
    await asyncio.sleep(0.01)
    assert handled.order == []
