"""Connect Four: two players drop discs into a 6 x 7 board; four in a line wins.

The board is a dict `cells` from "row,column" to the id of the player whose disc is
there, row 0 being the bottom. A move adds one key, so its state diff is one small
entry. Empty cells are absent rather than null, because null deletes a key in a JSON
Merge Patch.

Ticks only drive the optional move timer: `deadline_tick` is the tick at which the
player to move runs out of time (0 when there is no timer or the game is over), so
clients can count down from the tick numbers of the frames they receive.
"""

from __future__ import annotations

from games.rules.base import Ctx, GameDef, Input, InvalidInput, Result, Setting, Settings, State

ROWS = 6
COLUMNS = 7
TICK_RATE = 10
# The four line directions as (row step, column step): across, up, and both diagonals.
DIRECTIONS = ((0, 1), (1, 0), (1, 1), (1, -1))

SETTINGS = (
    Setting("move_seconds", "Seconds per move (0 for no limit)", 0, minimum=0, maximum=300),
    Setting("on_timeout", "When time runs out", "skip", choices=("skip", "forfeit")),
)


def tick_rate(settings: Settings) -> int:
    return TICK_RATE


def setup(ctx: Ctx) -> State:
    """An empty board; the first player in seat order moves first."""
    if len(ctx.players) != 2:
        raise ValueError("connect four needs exactly two players")
    first, _second = ctx.players
    return {
        "rows": ROWS,
        "columns": COLUMNS,
        "seats": list(ctx.players),
        "cells": {},
        "turn": first,
        "deadline_tick": _deadline(ctx),
        "last_move": "",
        "over": False,
        "reason": "",
        "winner": "",
        "winning_cells": [],
    }


def _deadline(ctx: Ctx) -> int:
    """The tick at which a move starting now times out, or 0 without a timer."""
    seconds = int(ctx.settings["move_seconds"])
    return ctx.tick + seconds * ctx.tick_rate if seconds else 0


def _cell(row: int, column: int) -> str:
    return f"{row},{column}"


def apply_input(state: State, ctx: Ctx, player: str, data: Input) -> State:
    """Drop the player's disc into a column, then decide a win, a draw or the next turn."""
    if state["over"]:
        raise InvalidInput("game_over")
    if player != state["turn"]:
        raise InvalidInput("not_your_turn")
    if not isinstance(data, dict) or data.keys() != {"column"}:
        raise InvalidInput("unknown_input")
    column = data["column"]
    if isinstance(column, bool) or not isinstance(column, int) or not 0 <= column < COLUMNS:
        raise InvalidInput("bad_column")
    cells: dict[str, str] = state["cells"]
    row = next((r for r in range(ROWS) if _cell(r, column) not in cells), None)
    if row is None:
        raise InvalidInput("column_full")
    cells[_cell(row, column)] = player
    state["last_move"] = _cell(row, column)
    winning = _winning_cells(cells, row, column, player)
    if winning:
        state["winning_cells"] = winning
        _finish(state, winner=player, reason="four_in_a_row")
    elif len(cells) == ROWS * COLUMNS:
        _finish(state, winner="", reason="draw")
    else:
        _pass_turn(state, ctx)
    return state


def _winning_cells(cells: dict[str, str], row: int, column: int, player: str) -> list[str]:
    """Every cell of every line of four or more through the new disc, sorted, else []."""
    winning: set[str] = set()
    for row_step, column_step in DIRECTIONS:
        line = [_cell(row, column)]
        for sign in (1, -1):
            r, c = row + sign * row_step, column + sign * column_step
            while cells.get(_cell(r, c)) == player:
                line.append(_cell(r, c))
                r, c = r + sign * row_step, c + sign * column_step
        if len(line) >= 4:
            winning.update(line)
    return sorted(winning)


def _other(state: State, player: str) -> str:
    seats: list[str] = state["seats"]
    first, second = seats
    return second if player == first else first


def _pass_turn(state: State, ctx: Ctx) -> None:
    state["turn"] = _other(state, state["turn"])
    state["deadline_tick"] = _deadline(ctx)


def _finish(state: State, *, winner: str, reason: str) -> None:
    state["over"] = True
    state["reason"] = reason
    state["winner"] = winner
    state["deadline_tick"] = 0


def tick(state: State, ctx: Ctx) -> State:
    """Enforce the move timer: skip the late player's turn, or make them lose."""
    deadline = state["deadline_tick"]
    if state["over"] or not deadline or ctx.tick < deadline:
        return state
    if ctx.settings["on_timeout"] == "forfeit":
        _finish(state, winner=_other(state, state["turn"]), reason="timeout")
    else:
        _pass_turn(state, ctx)
    return state


def player_left(state: State, ctx: Ctx, player: str) -> State:
    """A player who leaves a running game forfeits it; a finished game stays as it ended."""
    if not state["over"] and player in state["seats"]:
        _finish(state, winner=_other(state, player), reason="forfeit")
    return state


def result(state: State, ctx: Ctx) -> Result | None:
    """Winner first with a score of 1; a draw puts both first with 0."""
    if not state["over"]:
        return None
    winner: str = state["winner"]
    if not winner:
        return Result(
            placements={player: 1 for player in state["seats"]},
            scores={player: 0 for player in state["seats"]},
            reason=state["reason"],
        )
    loser = _other(state, winner)
    return Result(
        placements={winner: 1, loser: 2},
        scores={winner: 1, loser: 0},
        reason=state["reason"],
    )


GAME = GameDef(
    slug="connect_four",
    name="Connect Four",
    description="Drop discs in turn; the first to line up four in a row wins.",
    min_players=2,
    max_players=2,
    realtime=False,
    settings=SETTINGS,
    tick_rate=tick_rate,
    setup=setup,
    apply_input=apply_input,
    tick=tick,
    player_left=player_left,
    result=result,
)
