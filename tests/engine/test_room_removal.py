"""A player the lobby's host removed: their seat window ends at once, so the next tick
treats them as gone, through the same path as a dropped player's window running out."""

from __future__ import annotations

from games.engine.room import Room
from games.rules import CATALOGUE

ALICE, BOB = "1", "2"


def _room(game: str) -> Room:
    definition = CATALOGUE[game]
    return Room(
        room_id="r1",
        game=definition,
        settings=definition.clean_settings({}),
        players=[(ALICE, "Alice"), (BOB, "Bob")],
        seed=7,
        seat_window_seconds=30,
    )


def test_a_removed_player_is_gone_at_the_next_tick_not_after_the_window() -> None:
    room = _room("connect_four")
    room.connected(ALICE)
    room.connected(BOB)
    room.remove(ALICE)
    assert not room.seats[ALICE].connected
    room.tick()
    assert room.seats[ALICE].gone
    assert room.result is not None
    assert (room.result.reason, room.result.placements) == ("forfeit", {BOB: 1, ALICE: 2})


def test_a_removed_player_who_was_dropped_does_not_wait_for_the_rest_of_the_window() -> None:
    room = _room("arena")
    room.connected(ALICE)
    room.disconnected(ALICE)
    room.tick()
    room.remove(ALICE)
    room.tick()
    assert room.seats[ALICE].gone
    assert ALICE in room.state["departed"]


def test_inputs_queued_before_the_removal_still_apply_in_that_tick() -> None:
    room = _room("connect_four")
    room.submit(ALICE, 1, {"column": 3})
    room.remove(ALICE)
    room.tick()
    assert room.acks[ALICE] == 1
    assert room.state["cells"] == {"0,3": ALICE}
