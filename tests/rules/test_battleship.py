"""Battleship rules: placing fleets, firing in turn, hits, sinking, winning, timers,
leaving, and what each player and a spectator may see."""

from __future__ import annotations

import json
from random import Random
from typing import Any

import pytest

from games.rules.base import Ctx, InvalidInput, State
from games.rules.battleship import FLEETS, GAME, random_ships

ALICE = "1"
BOB = "2"

# The small fleet: battleship 4, cruiser 3, destroyer 2.
ALICE_FLEET = {
    "battleship": [0, 0, "across"],
    "cruiser": [2, 0, "across"],
    "destroyer": [4, 0, "down"],
}
ALICE_SHIPS = {
    "battleship": ["0,0", "0,1", "0,2", "0,3"],
    "cruiser": ["2,0", "2,1", "2,2"],
    "destroyer": ["4,0", "5,0"],
}
BOB_FLEET = {
    "battleship": [9, 6, "across"],
    "cruiser": [5, 9, "down"],
    "destroyer": [0, 8, "across"],
}
BOB_SHIPS = {
    "battleship": ["9,6", "9,7", "9,8", "9,9"],
    "cruiser": ["5,9", "6,9", "7,9"],
    "destroyer": ["0,8", "0,9"],
}
# Cells where neither fleet has a ship.
WATER = [[r, c] for r in range(3, 9) for c in range(2, 7)]


def start(**settings: Any) -> tuple[State, Ctx]:
    cleaned = GAME.clean_settings({"fleet": "small", **settings})
    ctx = Ctx(
        tick=0,
        tick_rate=GAME.tick_rate(cleaned),
        random=Random(3),
        players=(ALICE, BOB),
        settings=cleaned,
    )
    return GAME.setup(ctx), ctx


def placed(**settings: Any) -> tuple[State, Ctx]:
    """Both fleets laid out as above, both players ready: Alice fires first."""
    state, ctx = start(**settings)
    for player, fleet in ((ALICE, ALICE_FLEET), (BOB, BOB_FLEET)):
        GAME.apply_input(state, ctx, player, {"fleet": fleet})
        GAME.apply_input(state, ctx, player, {"ready": True})
    return state, ctx


def fire(state: State, ctx: Ctx, player: str, *cells: str) -> None:
    for target in cells:
        row, column = map(int, target.split(","))
        GAME.apply_input(state, ctx, player, {"fire": [row, column]})


def miss(state: State, ctx: Ctx, player: str) -> None:
    shots = state["boards"][BOB if player == ALICE else ALICE]["shots"]
    target = next(target for target in WATER if f"{target[0]},{target[1]}" not in shots)
    GAME.apply_input(state, ctx, player, {"fire": target})


def rejection(state: State, ctx: Ctx, player: str, data: Any) -> str:
    with pytest.raises(InvalidInput) as caught:
        GAME.apply_input(state, ctx, player, data)
    return caught.value.code


def advance(state: State, ctx: Ctx, ticks: int) -> State:
    for _ in range(ticks):
        ctx.tick += 1
        state = GAME.tick(state, ctx)
    return state


def ship_cells(state: State, player: str) -> set[str]:
    ships = state["boards"][player]["ships"].values()
    return {target for ship in ships for target in ship["cells"]}


# Placement.


def test_each_player_starts_with_a_random_fleet_of_the_chosen_preset() -> None:
    state, _ = start(fleet="classic")

    assert state["phase"] == "placing"
    for player in (ALICE, BOB):
        ships = state["boards"][player]["ships"]
        assert {ship: len(part["cells"]) for ship, part in ships.items()} == FLEETS["classic"]
        assert len(ship_cells(state, player)) == 17
    assert state["boards"][ALICE]["ships"] != state["boards"][BOB]["ships"]


@pytest.mark.parametrize("size", [6, 8, 10])
def test_a_random_fleet_fits_the_board_without_overlaps(size: int) -> None:
    for seed in range(30):
        ships = random_ships(size, FLEETS["classic"], Random(seed))
        cells = [target for ship in ships.values() for target in ship["cells"]]
        assert len(cells) == len(set(cells)) == 17
        assert all(0 <= int(n) < size for target in cells for n in target.split(","))


def test_a_player_may_lay_out_their_own_fleet() -> None:
    state, ctx = start()

    GAME.apply_input(state, ctx, ALICE, {"fleet": ALICE_FLEET})

    ships = state["boards"][ALICE]["ships"]
    assert {ship: part["cells"] for ship, part in ships.items()} == ALICE_SHIPS


def test_random_placement_re_rolls_the_fleet_before_ready() -> None:
    state, ctx = start()
    GAME.apply_input(state, ctx, ALICE, {"fleet": ALICE_FLEET})

    GAME.apply_input(state, ctx, ALICE, {"random": True})

    assert ship_cells(state, ALICE) != {c for cells in ALICE_SHIPS.values() for c in cells}
    assert len(ship_cells(state, ALICE)) == 9


@pytest.mark.parametrize(
    ("fleet", "code"),
    [
        pytest.param({"battleship": [0, 0, "across"]}, "bad_fleet", id="ships missing"),
        pytest.param({**ALICE_FLEET, "carrier": [8, 0, "across"]}, "bad_fleet", id="extra ship"),
        pytest.param([[0, 0, "across"]], "bad_fleet", id="not an object"),
        pytest.param({**ALICE_FLEET, "cruiser": [2, 0]}, "bad_ship_place", id="no heading"),
        pytest.param({**ALICE_FLEET, "cruiser": [2, 0, "up"]}, "bad_ship_place", id="heading"),
        pytest.param({**ALICE_FLEET, "cruiser": [2.0, 0, "down"]}, "bad_ship_place", id="float"),
        pytest.param({**ALICE_FLEET, "cruiser": [True, 0, "down"]}, "bad_ship_place", id="bool"),
        pytest.param({**ALICE_FLEET, "cruiser": "2,0"}, "bad_ship_place", id="a string"),
        pytest.param({**ALICE_FLEET, "cruiser": [2, 8, "across"]}, "ship_off_board", id="right"),
        pytest.param({**ALICE_FLEET, "cruiser": [8, 5, "down"]}, "ship_off_board", id="bottom"),
        pytest.param({**ALICE_FLEET, "cruiser": [-1, 5, "down"]}, "ship_off_board", id="top"),
        pytest.param({**ALICE_FLEET, "cruiser": [0, 2, "down"]}, "ships_overlap", id="overlap"),
    ],
)
def test_a_bad_layout_is_refused_and_changes_nothing(fleet: Any, code: str) -> None:
    state, ctx = start()
    before = json.dumps(state)

    assert rejection(state, ctx, ALICE, {"fleet": fleet}) == code
    assert json.dumps(state) == before


def test_ships_may_touch() -> None:
    state, ctx = start()
    touching = {**ALICE_FLEET, "cruiser": [1, 0, "across"]}

    GAME.apply_input(state, ctx, ALICE, {"fleet": touching})

    assert state["boards"][ALICE]["ships"]["cruiser"]["cells"] == ["1,0", "1,1", "1,2"]


def test_firing_starts_when_both_are_ready_and_the_first_seat_fires_first() -> None:
    state, ctx = start()
    GAME.apply_input(state, ctx, BOB, {"ready": True})
    assert state["phase"] == "placing"
    assert rejection(state, ctx, ALICE, {"fire": [0, 0]}) == "still_placing"

    GAME.apply_input(state, ctx, ALICE, {"ready": True})

    assert (state["phase"], state["turn"]) == ("firing", ALICE)


def test_a_ready_fleet_is_locked() -> None:
    state, ctx = start()
    GAME.apply_input(state, ctx, ALICE, {"ready": True})

    assert rejection(state, ctx, ALICE, {"random": True}) == "already_ready"
    assert rejection(state, ctx, ALICE, {"fleet": ALICE_FLEET}) == "already_ready"


def test_placing_is_over_once_firing_starts() -> None:
    state, ctx = placed()

    assert rejection(state, ctx, ALICE, {"random": True}) == "placement_over"


@pytest.mark.parametrize(
    "data",
    [{}, {"shoot": [0, 0]}, {"ready": False}, {"random": 1}, {"fire": [0, 0], "ready": True}],
)
def test_it_rejects_unknown_input(data: Any) -> None:
    state, ctx = start()

    assert rejection(state, ctx, ALICE, data) == "unknown_input"


# Firing.


def test_a_miss_passes_the_turn_and_is_marked() -> None:
    state, ctx = placed()

    fire(state, ctx, ALICE, "5,5")

    assert state["boards"][BOB]["shots"] == {"5,5": "miss"}
    assert state["boards"][BOB]["last_shot"] == "5,5"
    assert state["turn"] == BOB


def test_a_hit_fires_again() -> None:
    state, ctx = placed()

    fire(state, ctx, ALICE, "9,6")

    assert state["boards"][BOB]["shots"] == {"9,6": "hit"}
    assert state["turn"] == ALICE
    assert state["boards"][BOB]["ships"]["battleship"]["sunk"] is False


def test_without_hit_fires_again_a_hit_passes_the_turn_too() -> None:
    state, ctx = placed(hit_fires_again=False)

    fire(state, ctx, ALICE, "9,6")

    assert state["turn"] == BOB


def test_hitting_every_cell_of_a_ship_sinks_it() -> None:
    state, ctx = placed()

    fire(state, ctx, ALICE, "0,8", "0,9")

    assert state["boards"][BOB]["ships"]["destroyer"]["sunk"] is True
    assert state["boards"][BOB]["ships"]["cruiser"]["sunk"] is False
    assert state["phase"] == "firing"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"fire": [10, 0]}, "bad_cell"),
        ({"fire": [0, -1]}, "bad_cell"),
        ({"fire": [0]}, "bad_cell"),
        ({"fire": "0,0"}, "bad_cell"),
        ({"fire": [0.0, 1]}, "bad_cell"),
        ({"fire": [False, 1]}, "bad_cell"),
    ],
)
def test_it_rejects_a_shot_off_the_board(data: Any, code: str) -> None:
    state, ctx = placed()

    assert rejection(state, ctx, ALICE, data) == code


def test_it_rejects_a_shot_out_of_turn() -> None:
    state, ctx = placed()

    assert rejection(state, ctx, BOB, {"fire": [0, 0]}) == "not_your_turn"


def test_it_rejects_a_second_shot_at_the_same_cell() -> None:
    state, ctx = placed()
    fire(state, ctx, ALICE, "9,6")

    assert rejection(state, ctx, ALICE, {"fire": [9, 6]}) == "already_fired"


def test_sinking_the_whole_fleet_wins_and_scores_ships_sunk() -> None:
    state, ctx = placed()
    miss(state, ctx, ALICE)
    fire(state, ctx, BOB, "4,0", "5,0")
    miss(state, ctx, BOB)
    fire(state, ctx, ALICE, *[target for cells in BOB_SHIPS.values() for target in cells])

    assert (state["phase"], state["winner"], state["reason"]) == ("over", ALICE, "fleet_sunk")
    outcome = GAME.result(state, ctx)
    assert outcome is not None
    assert outcome.placements == {ALICE: 1, BOB: 2}
    assert outcome.scores == {ALICE: 3, BOB: 1}
    assert outcome.reason == "fleet_sunk"
    assert rejection(state, ctx, BOB, {"fire": [0, 0]}) == "game_over"


def test_there_is_no_result_while_the_match_runs() -> None:
    state, ctx = placed()
    fire(state, ctx, ALICE, "0,8", "0,9")

    assert GAME.result(state, ctx) is None


def test_the_state_is_plain_json() -> None:
    state, ctx = placed(move_seconds=30)
    fire(state, ctx, ALICE, "9,6", "5,5")

    assert json.loads(json.dumps(state)) == state


# Timers and leaving.


def test_the_placement_timer_starts_firing_with_the_fleets_as_they_are() -> None:
    state, ctx = start(placement_seconds=5)
    GAME.apply_input(state, ctx, ALICE, {"fleet": ALICE_FLEET})
    advance(state, ctx, 49)
    assert state["phase"] == "placing"

    advance(state, ctx, 1)

    assert (state["phase"], state["turn"]) == ("firing", ALICE)
    assert ship_cells(state, ALICE) == {c for cells in ALICE_SHIPS.values() for c in cells}


def test_without_a_placement_timer_placing_waits() -> None:
    state, ctx = start(placement_seconds=0)

    advance(state, ctx, 10_000)

    assert (state["phase"], state["deadline_tick"]) == ("placing", 0)


def test_a_late_shot_is_skipped_and_the_timer_restarts() -> None:
    state, ctx = placed(move_seconds=3)
    assert state["deadline_tick"] == 30

    advance(state, ctx, 30)

    assert (state["turn"], state["deadline_tick"]) == (BOB, 60)


def test_a_hit_restarts_the_timer() -> None:
    state, ctx = placed(move_seconds=3)
    advance(state, ctx, 20)

    fire(state, ctx, ALICE, "9,6")

    assert (state["turn"], state["deadline_tick"]) == (ALICE, 50)


def test_with_forfeit_a_late_shot_loses_the_match() -> None:
    state, ctx = placed(move_seconds=3, on_timeout="forfeit")
    fire(state, ctx, ALICE, "0,8", "0,9")

    advance(state, ctx, 30)

    outcome = GAME.result(state, ctx)
    assert outcome is not None
    assert (outcome.placements, outcome.reason) == ({BOB: 1, ALICE: 2}, "timeout")
    assert outcome.scores == {ALICE: 1, BOB: 0}


@pytest.mark.parametrize("phase", ["placing", "firing"])
def test_a_player_who_leaves_forfeits(phase: str) -> None:
    state, ctx = start() if phase == "placing" else placed()

    GAME.player_left(state, ctx, ALICE)

    outcome = GAME.result(state, ctx)
    assert outcome is not None
    assert (outcome.placements, outcome.reason) == ({BOB: 1, ALICE: 2}, "forfeit")


def test_leaving_a_finished_match_changes_nothing() -> None:
    state, ctx = placed()
    fire(state, ctx, ALICE, *[target for cells in BOB_SHIPS.values() for target in cells])

    GAME.player_left(state, ctx, ALICE)

    assert (state["winner"], state["reason"]) == (ALICE, "fleet_sunk")


def test_it_needs_exactly_two_players() -> None:
    ctx = Ctx(tick=0, tick_rate=10, random=Random(1), players=(ALICE,), settings={})

    with pytest.raises(ValueError, match="two players"):
        GAME.setup(ctx)


# Views.


def test_a_player_sees_their_own_fleet_and_none_of_the_other() -> None:
    state, ctx = placed()
    fire(state, ctx, ALICE, "9,6", "0,8", "0,9", "5,5")

    seen = GAME.view(state, ALICE)

    assert seen["boards"][ALICE] == state["boards"][ALICE]
    assert seen["boards"][BOB] == {
        "ships": {"destroyer": {"cells": ["0,8", "0,9"], "sunk": True}},
        "shots": {"9,6": "hit", "0,8": "hit", "0,9": "hit", "5,5": "miss"},
        "last_shot": "5,5",
        "ready": True,
    }


def test_the_other_player_sees_the_shots_at_them_and_their_own_ships() -> None:
    state, ctx = placed()
    fire(state, ctx, ALICE, "9,6", "5,5")

    seen = GAME.view(state, BOB)

    assert seen["boards"][BOB] == state["boards"][BOB]
    assert seen["boards"][ALICE]["ships"] == {}


def test_a_spectator_sees_only_shots_and_sunk_ships() -> None:
    state, ctx = placed()
    fire(state, ctx, ALICE, "0,8", "0,9", "5,5")
    fire(state, ctx, BOB, "4,0")

    seen = GAME.view(state, None)

    assert seen["boards"][ALICE]["ships"] == {}
    assert seen["boards"][ALICE]["shots"] == {"4,0": "hit"}
    assert list(seen["boards"][BOB]["ships"]) == ["destroyer"]
    assert "9,6" not in json.dumps(seen)


def test_no_one_sees_the_other_fleet_while_placing() -> None:
    state, _ = start()

    for viewer, hidden in ((ALICE, BOB), (BOB, ALICE), (None, ALICE), (None, BOB)):
        assert GAME.view(state, viewer)["boards"][hidden]["ships"] == {}


def test_once_over_every_view_shows_both_fleets() -> None:
    state, ctx = placed()
    fire(state, ctx, ALICE, *[target for cells in BOB_SHIPS.values() for target in cells])

    for viewer in (ALICE, BOB, None):
        assert GAME.view(state, viewer) == state


def test_a_view_leaves_the_state_as_it_was() -> None:
    state, ctx = placed()
    fire(state, ctx, ALICE, "9,6")
    before = json.dumps(state)

    GAME.view(state, None)
    GAME.view(state, BOB)

    assert json.dumps(state) == before
