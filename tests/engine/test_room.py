"""Rooms driven by hand: `room.tick()` with no clock, socket or database."""

from __future__ import annotations

import tracemalloc

import orjson
import pytest

from games.engine.diff import apply_patch
from games.engine.room import Room
from games.rules import CATALOGUE

ALICE, BOB = "1", "2"
PLAYERS = [(ALICE, "Alice"), (BOB, "Bob")]


def _room(game: str = "arena", seed: int = 7, **settings: object) -> Room:
    definition = CATALOGUE[game]
    return Room(
        room_id="r1",
        game=definition,
        settings=definition.clean_settings(settings),
        players=PLAYERS,
        seed=seed,
        seat_window_seconds=1,
    )


def _frames(frames: list[tuple[str | None, str]]) -> list[tuple[str | None, dict]]:
    return [(target, orjson.loads(text)) for target, text in frames]


def test_inputs_apply_at_the_next_tick_in_arrival_order_and_are_acked() -> None:
    room = _room("connect_four")
    room.submit(BOB, 1, {"column": 3})
    room.submit(ALICE, 1, {"column": 3})
    [(bob, error), (everyone, diff)] = _frames(room.tick())
    assert (bob, error["code"], error["seq"]) == (BOB, "not_your_turn", 1)
    assert everyone is None
    assert diff["acks"] == [1, 1]
    assert diff["diff"]["cells"] == {"0,3": ALICE}


def test_an_old_or_repeated_sequence_number_is_refused_and_not_applied() -> None:
    room = _room("connect_four")
    room.submit(ALICE, 5, {"column": 0})
    room.tick()
    room.submit(ALICE, 5, {"column": 1})
    room.submit(BOB, 1, {"column": 6})
    [(alice, error), *_] = _frames(room.tick())
    assert (alice, error["code"], error["seq"]) == (ALICE, "stale_seq", 5)
    assert error["message"] == "Inputs must count up from 6."
    assert set(room.state["cells"]) == {"0,0", "0,6"}


def test_a_socket_that_joins_drops_its_players_inputs_still_waiting_for_the_tick() -> None:
    # Bob drops a disc and reloads the page before the room's next tick: the new page's
    # snapshot does not acknowledge it, so the page starts again from that seq.
    room = _room("connect_four")
    room.submit(ALICE, 1, {"column": 3})
    room.tick()
    room.submit(BOB, 1, {"column": 4})
    room.submit(ALICE, 2, {"column": 0})
    room.connected(BOB)
    assert orjson.loads(room.snapshot(BOB))["acks"] == [1, 0]
    room.submit(BOB, 1, {"column": 2})
    # Alice's input was kept: it comes before Bob's move, out of her turn.
    [(alice, error), (everyone, diff)] = _frames(room.tick())
    assert (alice, error["code"], error["seq"]) == (ALICE, "not_your_turn", 2)
    assert everyone is None
    assert diff["acks"] == [2, 1]
    assert diff["diff"]["cells"] == {"0,2": BOB}
    assert room.state["turn"] == ALICE


def test_a_turn_based_room_sends_nothing_when_nothing_changed() -> None:
    room = _room("connect_four")
    assert room.tick() == []


def test_a_diff_names_its_base_when_it_is_not_the_tick_before() -> None:
    room = _room("connect_four")
    room.submit(ALICE, 1, {"column": 0})
    [(_, first)] = _frames(room.tick())
    for _ in range(3):
        assert room.tick() == []
    room.submit(BOB, 1, {"column": 1})
    [(_, later)] = _frames(room.tick())
    assert (first["tick"], "base" in first) == (1, False)
    assert (later["tick"], later["base"]) == (5, 1)


def test_a_client_applying_snapshot_then_diffs_holds_the_server_state() -> None:
    room = _room("arena")
    client = orjson.loads(room.snapshot(ALICE))["state"]
    for tick in range(1, 100):
        room.submit(ALICE, tick, {"dir": [1, (tick % 3) - 1]})
        for _, frame in _frames(room.tick()):
            if frame["type"] == "diff":
                client = apply_patch(client, frame["diff"])
    assert client == room.state


def test_a_snapshot_matches_the_last_frame_sent() -> None:
    room = _room("arena")
    room.submit(ALICE, 1, {"dir": [0, 1]})
    room.tick()
    snapshot = orjson.loads(room.snapshot(BOB))
    assert snapshot["tick"] == room.sent_tick == 1
    assert snapshot["acks"] == [1, 0]
    assert snapshot["room"]["you"] == BOB
    assert snapshot["room"]["players"][ALICE] == {
        "name": "Alice",
        "seat": 0,
        "connected": False,
        "gone": False,
        "bot": False,
    }


def test_a_dropped_player_keeps_the_seat_for_the_window() -> None:
    room = _room("connect_four")
    room.connected(ALICE)
    room.disconnected(ALICE)
    for _ in range(room.seats.window_ticks - 1):
        room.tick()
    room.connected(ALICE)
    for _ in range(5):
        room.tick()
    assert room.result is None
    assert not room.seats[ALICE].gone


def test_after_the_window_the_game_treats_the_player_as_gone() -> None:
    room = _room("connect_four")
    room.disconnected(ALICE)
    frames: list = []
    for _ in range(room.seats.window_ticks):
        frames = _frames(room.tick())
    assert room.seats[ALICE].gone
    assert room.result is not None
    assert room.result.reason == "forfeit"
    assert frames[-1][1] == {
        "type": "end",
        "tick": room.seats.window_ticks,
        "result": {
            "placements": {BOB: 1, ALICE: 2},
            "scores": {BOB: 1, ALICE: 0},
            "reason": "forfeit",
        },
    }


def test_a_finished_room_does_not_tick() -> None:
    room = _room("arena", duration=15, tick_rate=10)
    ticks = 0
    while room.result is None:
        room.tick()
        ticks += 1
    assert ticks == 150
    assert room.tick() == []


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_match_replays_exactly_from_its_seed_and_inputs(seed: int) -> None:
    def play() -> dict:
        room = _room("arena", seed=seed)
        for tick in range(1, 200):
            room.submit(ALICE, tick, {"dir": [1, 1]})
            room.submit(BOB, tick, {"dir": [-1, (tick % 5) / 5]})
            room.tick()
        return room.state

    assert play() == play()


def test_the_log_holds_each_input_in_about_its_own_size() -> None:
    """The log keeps every entry all match long: an arena match of 8 players at 20 inputs
    a second logs 96,000 in its longest 600 s. orjson's bytes kept 4 KB each (tracemalloc
    counted 4,098 bytes an entry), 390 MB for that one room."""
    room = _room()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for seq in range(1, 1001):
            room.submit(ALICE, seq, {"dir": [0.6, -0.8]})
            room.tick()
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert len(room.log) == 1000
    assert orjson.loads(room.log[-1]) == [1000, "input", ALICE, {"dir": [0.6, -0.8]}]
    assert grown / len(room.log) < 500
