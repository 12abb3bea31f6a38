"""Connect Four rules: dropping discs, refusals, wins, draws, the move timer, leaving."""

from __future__ import annotations

import copy
import json
from random import Random
from typing import Any

import pytest

from games.rules.base import Ctx, InvalidInput, State
from games.rules.connect_four import COLUMNS, GAME, ROWS

ALICE = "1"
BOB = "2"

# A full board with no four in a line, Alice and Bob alternating from Alice.
DRAWN_GAME = [0, 0, 2, 0, 0, 1, 0, 0, 1, 2, 1, 1, 4, 1, 1, 2, 2, 3, 2, 2, 3]
DRAWN_GAME += [4, 3, 3, 6, 3, 3, 4, 4, 5, 4, 4, 5, 6, 5, 6, 6, 5, 6, 5, 5, 6]


def start(**settings: Any) -> tuple[State, Ctx]:
    cleaned = GAME.clean_settings(settings)
    ctx = Ctx(
        tick=0,
        tick_rate=GAME.tick_rate(cleaned),
        random=Random(3),
        players=(ALICE, BOB),
        settings=cleaned,
    )
    return GAME.setup(ctx), ctx


def play(state: State, ctx: Ctx, columns: list[int]) -> State:
    """Drop discs in these columns, whoever's turn it is."""
    for column in columns:
        state = GAME.apply_input(state, ctx, state["turn"], {"column": column})
    return state


def advance(state: State, ctx: Ctx, ticks: int) -> State:
    for _ in range(ticks):
        ctx.tick += 1
        state = GAME.tick(state, ctx)
    return state


def rejection(state: State, ctx: Ctx, player: str, data: Any) -> str:
    with pytest.raises(InvalidInput) as caught:
        GAME.apply_input(state, ctx, player, data)
    return caught.value.code


def test_the_first_seat_moves_first_on_an_empty_board() -> None:
    state, _ = start()

    assert state["turn"] == ALICE
    assert state["seats"] == [ALICE, BOB]
    assert state["cells"] == {}
    assert (state["rows"], state["columns"]) == (ROWS, COLUMNS)


def test_it_needs_exactly_two_players() -> None:
    ctx = Ctx(tick=0, tick_rate=10, random=Random(1), players=(ALICE,), settings={})

    with pytest.raises(ValueError, match="two players"):
        GAME.setup(ctx)


def test_the_state_is_plain_json() -> None:
    state, ctx = start(move_seconds=30)
    play(state, ctx, [3, 3, 4])

    assert json.loads(json.dumps(state)) == state


def test_a_disc_falls_to_the_lowest_free_row() -> None:
    state, ctx = start()

    play(state, ctx, [3, 3, 3])

    assert state["cells"] == {"0,3": ALICE, "1,3": BOB, "2,3": ALICE}
    assert state["last_move"] == "2,3"


def test_a_move_adds_a_single_cell_and_passes_the_turn() -> None:
    state, ctx = start()
    before = copy.deepcopy(state)

    play(state, ctx, [5])

    changed = {key for key in state if state[key] != before[key]}
    assert changed == {"cells", "turn", "last_move"}
    assert state["cells"] == {"0,5": ALICE}
    assert state["turn"] == BOB


def test_it_rejects_a_move_out_of_turn() -> None:
    state, ctx = start()

    assert rejection(state, ctx, BOB, {"column": 0}) == "not_your_turn"


def test_it_rejects_a_move_from_someone_not_seated() -> None:
    state, ctx = start()

    assert rejection(state, ctx, "99", {"column": 0}) == "not_your_turn"


@pytest.mark.parametrize("column", [-1, COLUMNS, 100, "3", 3.0, True, None, [3]])
def test_it_rejects_a_bad_column(column: Any) -> None:
    state, ctx = start()

    assert rejection(state, ctx, ALICE, {"column": column}) == "bad_column"


@pytest.mark.parametrize("data", [{}, {"col": 3}, {"column": 3, "also": 1}, [3], "3"])
def test_it_rejects_unknown_input(data: Any) -> None:
    state, ctx = start()

    assert rejection(state, ctx, ALICE, data) == "unknown_input"


def test_it_rejects_a_full_column() -> None:
    state, ctx = start()
    play(state, ctx, [2] * ROWS)

    assert rejection(state, ctx, ALICE, {"column": 2}) == "column_full"


def test_it_rejects_a_move_once_the_game_is_over() -> None:
    state, ctx = start()
    play(state, ctx, [0, 1, 0, 1, 0, 1, 0])

    assert rejection(state, ctx, BOB, {"column": 1}) == "game_over"


@pytest.mark.parametrize(
    ("moves", "winning_cells"),
    [
        pytest.param([0, 0, 1, 1, 2, 2, 3], ["0,0", "0,1", "0,2", "0,3"], id="across"),
        pytest.param([0, 1, 0, 1, 0, 1, 0], ["0,0", "1,0", "2,0", "3,0"], id="up"),
        pytest.param([0, 1, 1, 2, 2, 3, 2, 3, 3, 6, 3], ["0,0", "1,1", "2,2", "3,3"], id="rising"),
        pytest.param([6, 5, 5, 4, 4, 3, 4, 3, 3, 0, 3], ["0,6", "1,5", "2,4", "3,3"], id="falling"),
        pytest.param([0, 0, 1, 1, 3, 3, 2], ["0,0", "0,1", "0,2", "0,3"], id="gap filled"),
        pytest.param([0, 0, 1, 1, 3, 3, 4, 4, 2], ["0,0", "0,1", "0,2", "0,3", "0,4"], id="five"),
    ],
)
def test_four_in_a_row_wins_and_marks_the_winning_cells(
    moves: list[int], winning_cells: list[str]
) -> None:
    state, ctx = start()

    play(state, ctx, moves)

    assert state["winner"] == ALICE
    assert state["winning_cells"] == winning_cells
    outcome = GAME.result(state, ctx)
    assert outcome is not None
    assert outcome.reason == "four_in_a_row"
    assert outcome.placements == {ALICE: 1, BOB: 2}
    assert outcome.scores == {ALICE: 1, BOB: 0}


def test_the_second_player_can_win_too() -> None:
    state, ctx = start()

    play(state, ctx, [6, 0, 5, 0, 6, 0, 5, 0])

    outcome = GAME.result(state, ctx)
    assert outcome is not None
    assert outcome.placements == {BOB: 1, ALICE: 2}


def test_three_in_a_row_does_not_win() -> None:
    state, ctx = start()

    play(state, ctx, [0, 0, 1, 1, 2, 2])

    assert GAME.result(state, ctx) is None


def test_a_full_board_without_four_in_a_row_is_a_draw() -> None:
    state, ctx = start()

    play(state, ctx, DRAWN_GAME)

    assert len(state["cells"]) == ROWS * COLUMNS
    outcome = GAME.result(state, ctx)
    assert outcome is not None
    assert outcome.reason == "draw"
    assert outcome.placements == {ALICE: 1, BOB: 1}
    assert outcome.scores == {ALICE: 0, BOB: 0}


def test_without_a_timer_ticks_change_nothing() -> None:
    state, ctx = start()
    before = copy.deepcopy(state)

    advance(state, ctx, 10_000)

    assert state == before
    assert state["deadline_tick"] == 0


def test_a_timed_game_shows_when_the_move_runs_out() -> None:
    state, _ = start(move_seconds=5)

    assert state["deadline_tick"] == 50


def test_each_move_restarts_the_timer() -> None:
    state, ctx = start(move_seconds=5)
    advance(state, ctx, 20)

    play(state, ctx, [3])

    assert state["deadline_tick"] == 70


def test_a_late_player_loses_their_move_when_timeouts_skip() -> None:
    state, ctx = start(move_seconds=5, on_timeout="skip")
    advance(state, ctx, 49)
    assert state["turn"] == ALICE

    advance(state, ctx, 1)

    assert state["turn"] == BOB
    assert state["deadline_tick"] == 100
    assert state["cells"] == {}
    assert GAME.result(state, ctx) is None


def test_a_late_player_loses_the_game_when_timeouts_forfeit() -> None:
    state, ctx = start(move_seconds=5, on_timeout="forfeit")
    play(state, ctx, [3])

    advance(state, ctx, 50)

    outcome = GAME.result(state, ctx)
    assert outcome is not None
    assert outcome.reason == "timeout"
    assert outcome.placements == {ALICE: 1, BOB: 2}
    assert state["deadline_tick"] == 0


def test_a_player_who_leaves_forfeits() -> None:
    state, ctx = start()
    play(state, ctx, [3])

    GAME.player_left(state, ctx, ALICE)

    outcome = GAME.result(state, ctx)
    assert outcome is not None
    assert outcome.reason == "forfeit"
    assert outcome.placements == {BOB: 1, ALICE: 2}
    assert outcome.scores == {BOB: 1, ALICE: 0}


def test_leaving_after_the_end_does_not_change_the_result() -> None:
    state, ctx = start()
    play(state, ctx, [0, 1, 0, 1, 0, 1, 0])

    GAME.player_left(state, ctx, ALICE)

    outcome = GAME.result(state, ctx)
    assert outcome is not None
    assert outcome.reason == "four_in_a_row"
    assert outcome.placements == {ALICE: 1, BOB: 2}
