"""Battleship hides each fleet: proved on the raw frames of real sockets.

Both players and a spectator play a whole match through the play socket (the real
router, on every channel layer). Every frame text each socket receives is kept and
parsed, and every "row,column" cell in it is attributed to the board it sits under. A
frame to one player may show of the other player's board only cells already fired at
(shots and sunk ships are made of those); a spectator's, the same of both boards. Until
the match is over: then every view shows both fleets, for the end screen.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from games.engine.diff import apply_patch
from games.models import Match
from games.services import match_create
from lobby.services import lobby_create
from tests.servers import seat_numbers

pytestmark = pytest.mark.django_db(transaction=True)

CELL = re.compile(r"\d+,\d+")
SETTINGS = {"size": 8, "fleet": "small"}
ALICE_FLEET = {
    "battleship": [0, 0, "across"],
    "cruiser": [2, 0, "across"],
    "destroyer": [4, 0, "down"],
}
BOB_FLEET = {
    "battleship": [7, 4, "across"],
    "cruiser": [3, 7, "down"],
    "destroyer": [0, 6, "across"],
}
ALICE_SHIP_CELLS = {"0,0", "0,1", "0,2", "0,3", "2,0", "2,1", "2,2", "4,0", "5,0"}
BOB_SHIP_CELLS = {"7,4", "7,5", "7,6", "7,7", "3,7", "4,7", "5,7", "0,6", "0,7"}


def cells_by_board(value: Any, board: str | None = None) -> Iterator[tuple[str | None, str]]:
    """Every cell named in a frame (as a key or a string), with the id of the board it
    sits under (`boards` -> id -> ...), or None for a cell outside every board."""
    if isinstance(value, dict):
        for key, item in value.items():
            if CELL.fullmatch(key):
                yield board, key
            if key == "boards" and isinstance(item, dict):
                for owner, contents in item.items():
                    yield from cells_by_board(contents, owner)
            else:
                yield from cells_by_board(item, board)
    elif isinstance(value, list):
        for item in value:
            yield from cells_by_board(item, board)
    elif isinstance(value, str) and CELL.fullmatch(value):
        yield board, value


def shown_unfired_cells(
    texts: list[str], owner: str, fired_by_tick: list[tuple[int, str]], over_tick: int
) -> list[tuple[int, str]]:
    """The (tick, cell) of every cell of `owner`'s board in these frame texts that was not
    fired at by the frame's tick, before the match was over; and of every cell outside
    any board, which no frame should have."""
    shown = []
    for text in texts:
        frame = orjson.loads(text)
        tick = frame["tick"]
        if tick >= over_tick:
            continue
        fired = {target for applied, target in fired_by_tick if applied <= tick}
        for board, target in cells_by_board(frame):
            if board is None or (board == owner and target not in fired):
                shown.append((tick, target))
    return shown


class RawSocket:
    """A play socket whose every received frame text is kept, as it came."""

    def __init__(self, socket: WebsocketCommunicator) -> None:
        self.socket = socket
        self.texts: list[str] = []
        self.seq = 0
        self.state: dict[str, Any] = {}
        # Each player's seat number, from the snapshot: their ack is acks[seat].
        self.seats: dict[str, int] = {}

    async def read(self) -> dict[str, Any]:
        text = await self.socket.receive_from(timeout=5)
        self.texts.append(text)
        frame: dict[str, Any] = orjson.loads(text)
        if frame["type"] == "snapshot":
            self.state = frame["state"]
            self.seats = seat_numbers(frame)
        elif frame["type"] == "diff" and self.state:
            self.state = apply_patch(self.state, frame["diff"])
        return frame

    async def play(self, player: str, data: dict[str, Any]) -> int:
        """Sends an input and returns the tick that applied it; fails on a refusal."""
        self.seq += 1
        frame = {"type": "input", "seq": self.seq, "data": data}
        await self.socket.send_to(text_data=orjson.dumps(frame).decode())
        while True:
            frame = await self.read()
            assert frame["type"] != "error", frame
            if frame["type"] == "diff" and frame["acks"][self.seats[player]] >= self.seq:
                return int(frame["tick"])

    async def read_to_close(self) -> None:
        while True:
            message = await self.socket.receive_output(timeout=5)
            if message["type"] == "websocket.close":
                return
            self.texts.append(message["text"])
            self.state = apply_patch(self.state, orjson.loads(message["text"]).get("diff", {}))


def watched_battleship(alice: object, bob: object) -> Match:
    lobby = lobby_create(host=alice, game="battleship", allow_spectators=True)
    return match_create(game="battleship", settings=SETTINGS, players=[alice, bob], lobby=lobby)


async def test_no_frame_shows_a_player_the_other_fleet_nor_a_spectator_either(
    connect, alice, bob, carol
) -> None:
    match = await sync_to_async(watched_battleship)(alice, bob)
    a, b = str(alice.pk), str(bob.pk)
    sockets = {
        a: RawSocket(await connect(match.pk, alice)),
        b: RawSocket(await connect(match.pk, bob)),
    }
    watcher = RawSocket(await connect(match.pk, carol))
    for socket in (*sockets.values(), watcher):
        while (await socket.read())["type"] != "snapshot":
            pass
    fired_at: dict[str, list[tuple[int, str]]] = {a: [], b: []}

    async def fire(shooter: str, target: str, *cells: str) -> int:
        tick = 0
        for shot in cells:
            row, column = map(int, shot.split(","))
            tick = await sockets[shooter].play(shooter, {"fire": [row, column]})
            fired_at[target].append((tick, shot))
        return tick

    await sockets[a].play(a, {"random": True})
    for player, fleet in ((a, ALICE_FLEET), (b, BOB_FLEET)):
        await sockets[player].play(player, {"fleet": fleet})
        await sockets[player].play(player, {"ready": True})
    await fire(a, b, "3,3")
    await fire(b, a, "4,0", "5,0", "3,3")
    over_tick = await fire(a, b, "0,6", "0,7", "7,4", "7,5", "3,7", "4,7", "5,7", "7,6", "7,7")
    for socket in (*sockets.values(), watcher):
        await socket.read_to_close()

    assert shown_unfired_cells(sockets[a].texts, b, fired_at[b], over_tick) == []
    assert shown_unfired_cells(sockets[b].texts, a, fired_at[a], over_tick) == []
    for owner in (a, b):
        assert shown_unfired_cells(watcher.texts, owner, fired_at[owner], over_tick) == []
    # The same check finds a fleet where it is shown: to its owner.
    assert {cell for _, cell in shown_unfired_cells(sockets[a].texts, a, [], over_tick)} >= (
        ALICE_SHIP_CELLS
    )
    # Once over, the end screen shows both fleets to everyone.
    for socket in (*sockets.values(), watcher):
        boards = socket.state["boards"]
        assert boards[b]["ships"]["battleship"]["cells"] == ["7,4", "7,5", "7,6", "7,7"]
        assert {cell for ship in boards[a]["ships"].values() for cell in ship["cells"]} == (
            ALICE_SHIP_CELLS
        )
        assert (socket.state["phase"], socket.state["winner"]) == ("over", a)


def test_the_check_finds_a_hidden_cell_in_a_frame() -> None:
    leaky = orjson.dumps(
        {
            "type": "diff",
            "tick": 5,
            "diff": {
                "boards": {
                    "2": {"shots": {"1,1": "miss"}, "ships": {"cruiser": {"cells": ["3,7"]}}},
                    "1": {"shots": {"3,7": "hit"}},
                },
                "last": "6,6",
            },
        }
    ).decode()

    assert shown_unfired_cells([leaky], "2", [(4, "1,1")], over_tick=9) == [(5, "3,7"), (5, "6,6")]
    assert shown_unfired_cells([leaky], "2", [(6, "1,1")], over_tick=9) == [
        (5, "1,1"),
        (5, "3,7"),
        (5, "6,6"),
    ]
    assert shown_unfired_cells([leaky], "2", [], over_tick=5) == []
