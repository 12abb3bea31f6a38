"""A room saved with `save` and read back with `saves.restore` goes on exactly the same."""

from __future__ import annotations

from games.engine import saves
from games.engine.room import Room
from games.engine.saves import Saved
from games.rules import CATALOGUE

ALICE, BOB = "1", "2"
PLAYERS = [(ALICE, "Alice"), (BOB, "Bob")]


def _room(seed: int) -> Room:
    definition = CATALOGUE["arena"]
    return Room(
        room_id="r1",
        game=definition,
        settings=definition.clean_settings({}),
        players=PLAYERS,
        seed=seed,
        seat_window_seconds=1,
    )


def _restored(saved: Saved) -> Room:
    definition = CATALOGUE["arena"]
    return saves.restore(
        saved,
        game=definition,
        settings=definition.clean_settings({}),
        players=PLAYERS,
        seat_window_seconds=1,
    )


def _steer(room: Room, seq: int) -> None:
    room.submit(ALICE, seq, {"dir": [1, 0]})
    room.submit(BOB, seq, {"dir": [0, -1]})


def test_a_restored_room_sends_the_same_frames_as_the_original() -> None:
    original = _room(seed=7)
    for player, _name in PLAYERS:
        original.connected(player)
    for seq in range(1, 20):
        _steer(original, seq)
        original.tick()
    _steer(original, 20)
    saved = saves.saved(original)
    restored = _restored(saved)
    for player, _name in PLAYERS:
        original.disconnected(player)
        original.connected(player)
        restored.connected(player)
    for seq in range(21, 60):
        assert restored.tick() == original.tick()
        _steer(original, seq)
        _steer(restored, seq)
    assert restored.snapshot(ALICE) == original.snapshot(ALICE)


def test_seats_wait_for_their_sockets_after_a_restore() -> None:
    original = _room(seed=7)
    original.connected(ALICE)
    restored = _restored(saves.saved(original))
    assert [seat.connected for seat in restored.seats.values()] == [False, False]
    assert restored.seats[ALICE].leaves_at_tick == restored.seats.window_ticks
