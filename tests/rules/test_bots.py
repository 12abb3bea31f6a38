"""The games' bots: connect four's three levels and arena's pellet chaser, each reading
only its own view."""

from __future__ import annotations

from random import Random

import pytest

from games.rules import arena, connect_four
from games.rules.base import State
from games.testing import GameHarness

ALICE, BOB = "1", "2"


def _board(columns: list[int]) -> State:
    """A connect four view after these drops, Alice first; nobody has won."""
    cells: dict[str, str] = {}
    turn = ALICE
    for column in columns:
        row = sum(1 for cell in cells if cell.endswith(f",{column}"))
        cells[f"{row},{column}"] = turn
        turn = BOB if turn == ALICE else ALICE
    return {"cells": cells, "turn": turn, "over": False, "seats": [ALICE, BOB]}


def _wins(view: State, player: str, column: int) -> bool:
    cells = view["cells"]
    row = sum(1 for cell in cells if cell.endswith(f",{column}"))
    if row == connect_four.ROWS:
        return False
    return bool(
        connect_four._winning_cells({**cells, f"{row},{column}": player}, row, column, player)
    )


def _random_positions(count: int, seed: int) -> list[State]:
    """Positions of random play where the game is still on: many with a win or a loss in
    one waiting."""
    random = Random(seed)
    positions = []
    while len(positions) < count:
        columns: list[int] = []
        for _ in range(random.randrange(4, 30)):
            view = _board(columns)
            open_columns = [c for c in range(connect_four.COLUMNS) if not _full(view, c)]
            column = random.choice(open_columns)
            if _wins(view, view["turn"], column):
                break
            columns.append(column)
        positions.append(_board(columns))
    return positions


def _full(view: State, column: int) -> bool:
    return f"{connect_four.ROWS - 1},{column}" in view["cells"]


def _other(player: str) -> str:
    return BOB if player == ALICE else ALICE


POSITIONS = _random_positions(400, seed=12)


@pytest.mark.parametrize("level", ["easy", "normal", "hard"])
def test_every_connect_four_level_takes_a_win_in_one(level: str) -> None:
    tried = 0
    for number, view in enumerate(POSITIONS):
        me = view["turn"]
        winning = {c for c in range(connect_four.COLUMNS) if _wins(view, me, c)}
        if winning:
            tried += 1
            move = connect_four.bot(view, me, Random(number), level, 0)
            assert move is not None
            assert move["column"] in winning
    assert tried > 50


@pytest.mark.parametrize("level", ["normal", "hard"])
def test_normal_and_hard_connect_four_bots_block_a_win_in_one(level: str) -> None:
    tried = 0
    for number, view in enumerate(POSITIONS):
        me = view["turn"]
        if any(_wins(view, me, c) for c in range(connect_four.COLUMNS)):
            continue
        threats = {c for c in range(connect_four.COLUMNS) if _wins(view, _other(me), c)}
        if threats:
            tried += 1
            move = connect_four.bot(view, me, Random(number), level, 0)
            assert move is not None
            assert move["column"] in threats
    assert tried > 50


def test_the_easy_connect_four_bot_misses_blocks_the_others_make() -> None:
    missed = 0
    for number, view in enumerate(POSITIONS):
        me = view["turn"]
        threats = {c for c in range(connect_four.COLUMNS) if _wins(view, _other(me), c)}
        if threats and not any(_wins(view, me, c) for c in range(connect_four.COLUMNS)):
            move = connect_four.bot(view, me, Random(number), "easy", 0)
            missed += move is not None and move["column"] not in threats
    assert missed > 10


def _match(first: str, second: str, seed: int) -> str:
    """A whole game between two bot levels; the winner's level, or "" for a draw."""
    random = Random(seed)
    columns: list[int] = []
    levels = {ALICE: first, BOB: second}
    while len(columns) < connect_four.ROWS * connect_four.COLUMNS:
        view = _board(columns)
        me = view["turn"]
        move = connect_four.bot(view, me, random, levels[me], 0)
        assert move is not None
        if _wins(view, me, move["column"]):
            return levels[me]
        columns.append(move["column"])
    return ""


@pytest.mark.parametrize(("stronger", "weaker"), [("normal", "easy"), ("hard", "normal")])
def test_a_higher_connect_four_level_wins_more_games_than_the_one_below(
    stronger: str, weaker: str
) -> None:
    winners = [_match(stronger, weaker, seed) for seed in range(10)]
    winners += [_match(weaker, stronger, seed) for seed in range(10)]
    assert winners.count(stronger) > winners.count(weaker), winners


def test_a_connect_four_bot_waits_for_its_turn_and_for_a_game_on() -> None:
    view = _board([3])
    assert connect_four.bot(view, ALICE, Random(1), "hard", 0) is None
    assert connect_four.bot({**view, "over": True}, BOB, Random(1), "hard", 0) is None


def test_connect_four_levels_are_normal_first_then_easy_and_hard() -> None:
    assert connect_four.GAME.bot_levels == ("normal", "easy", "hard")


def _arena_view(x: float, y: float, pellets: dict[str, list[int]], direction: list[float]) -> State:
    """Alice at (x, y) at tick 0, going in `direction` at the arena's speed."""
    body = {
        "dir": direction,
        "vx": direction[0] * arena.SPEED,
        "vy": direction[1] * arena.SPEED,
        "ox": x,
        "oy": y,
        "ot": 0,
    }
    return {"over": False, "tick_rate": 20, "players": {ALICE: body}, "pellets": pellets}


def test_the_arena_bot_steers_to_the_nearest_pellet() -> None:
    view = _arena_view(500, 500, {"0": [900, 500], "1": [500, 400], "2": [100, 100]}, [0, 0])
    assert arena.bot(view, ALICE, Random(1), "normal", 0) == {"dir": [0.0, -1.0]}


def test_the_arena_bot_sends_nothing_while_its_way_picks_the_pellet_up() -> None:
    view = _arena_view(500, 500, {"0": [500, 100]}, [0.02, -0.999])
    assert arena.bot(view, ALICE, Random(1), "normal", 0) is None


def test_the_arena_bot_turns_when_its_way_would_miss_the_pellet() -> None:
    view = _arena_view(500, 500, {"0": [500, 100]}, [0.05, -0.998])
    assert arena.bot(view, ALICE, Random(1), "normal", 0) == {"dir": [0.0, -1.0]}


def test_the_arena_bot_finds_itself_along_its_way_at_the_tick() -> None:
    # Two seconds up from (500, 900): at (500, 300), just past the pellet at (500, 350).
    view = _arena_view(500, 900, {"0": [500, 350], "1": [500, 100]}, [0.0, -1.0])
    assert arena.bot(view, ALICE, Random(1), "normal", 20) is None
    assert arena.bot(view, ALICE, Random(1), "normal", 40) == {"dir": [0.0, 1.0]}


def test_the_arena_bot_stops_when_it_has_left_or_the_match_is_over() -> None:
    view = _arena_view(500, 500, {"0": [500, 400]}, [0, 0])
    assert arena.bot(view, BOB, Random(1), "normal", 0) is None
    assert arena.bot({**view, "over": True}, ALICE, Random(1), "normal", 0) is None


def test_the_arena_bot_wins_against_a_player_who_stands_still() -> None:
    game = GameHarness(
        "arena", players=[ALICE, BOB], settings={"duration": 15}, bots={BOB: "normal"}
    )
    result = game.run_until_over()
    assert result.placements == {BOB: 1, ALICE: 2}
    assert result.scores[BOB] > 5
