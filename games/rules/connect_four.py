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

from games.rules.base import (
    Ctx,
    GameDef,
    Input,
    InvalidInput,
    Random,
    Result,
    Setting,
    Settings,
    State,
)

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


# The bot. It reads the board as two bitboards, one per player: the cell (row, column) is
# bit column * 7 + row, each column keeping a spare bit on top so that lines never wrap
# from one column into the next.
COLUMN_BITS = ROWS + 1
# The columns a search tries first: the middle ones take part in the most lines.
SEARCH_ORDER = (3, 2, 4, 1, 5, 0, 6)
# How many moves ahead each level looks, after taking a win and blocking a loss in one.
# Even depths end on the opponent's reply; hard's four keep a move to a few milliseconds
# of the room's tick (six took up to 90 ms here).
BOT_DEPTHS = {"normal": 2, "hard": 4}
WIN_SCORE = 1_000_000
# What a line of four still open to one player is worth, by its discs of that player.
LINE_WEIGHTS = (0, 1, 8, 64, 0)


def _lines() -> tuple[int, ...]:
    """Every line of four cells on the board, as a bitmask."""
    lines = []
    for row in range(ROWS):
        for column in range(COLUMNS):
            for row_step, column_step in DIRECTIONS:
                cells = [(row + i * row_step, column + i * column_step) for i in range(4)]
                if all(0 <= r < ROWS and 0 <= c < COLUMNS for r, c in cells):
                    lines.append(sum(1 << (c * COLUMN_BITS + r) for r, c in cells))
    return tuple(lines)


LINES = _lines()


def _has_four(discs: int) -> bool:
    # Shifts of one column, one row, and the two diagonals.
    for shift in (COLUMN_BITS, 1, COLUMN_BITS + 1, COLUMN_BITS - 1):
        pairs = discs & (discs >> shift)
        if pairs & (pairs >> 2 * shift):
            return True
    return False


def _winning_columns(mine: int, heights: list[int]) -> list[int]:
    """The columns where a disc of `mine` makes four."""
    return [
        column
        for column in range(COLUMNS)
        if heights[column] < ROWS
        and _has_four(mine | 1 << (column * COLUMN_BITS + heights[column]))
    ]


def _evaluate(mine: int, theirs: int) -> int:
    """How good the board looks for `mine`: the lines still open to each side."""
    score = 0
    for line in LINES:
        if not line & theirs:
            score += LINE_WEIGHTS[(line & mine).bit_count()]
        elif not line & mine:
            score -= LINE_WEIGHTS[(line & theirs).bit_count()]
    return score


def _negamax(mine: int, theirs: int, heights: list[int], depth: int, alpha: int, beta: int) -> int:
    """The board's worth for `mine`, to move, searching `depth` moves (alpha-beta)."""
    if depth == 0:
        return _evaluate(mine, theirs)
    best = -WIN_SCORE * 2
    for column in SEARCH_ORDER:
        row = heights[column]
        if row == ROWS:
            continue
        after = mine | 1 << (column * COLUMN_BITS + row)
        if _has_four(after):
            # A sooner win is worth more.
            return WIN_SCORE + depth
        heights[column] += 1
        score = -_negamax(theirs, after, heights, depth - 1, -beta, -alpha)
        heights[column] -= 1
        best = max(best, score)
        alpha = max(alpha, score)
        if alpha >= beta:
            break
    # A full board is a draw.
    return 0 if best == -WIN_SCORE * 2 else best


def bot(view: State, player: str, random: Random, level: str, tick: int) -> Input | None:
    """A move for `player` when it is their turn.

    Every level takes a win in one. "easy" then plays any column; "normal" and "hard"
    block the opponent's win in one, then search two and four moves ahead, breaking ties
    at random.
    """
    if view["over"] or view["turn"] != player:
        return None
    mine = theirs = 0
    heights = [0] * COLUMNS
    for cell, owner in view["cells"].items():
        row, column = (int(part) for part in cell.split(","))
        bit = 1 << (column * COLUMN_BITS + row)
        if owner == player:
            mine |= bit
        else:
            theirs |= bit
        heights[column] = max(heights[column], row + 1)
    open_columns = [column for column in range(COLUMNS) if heights[column] < ROWS]
    choices = _winning_columns(mine, heights)
    if not choices and level != "easy":
        choices = _winning_columns(theirs, heights)
    if not choices and level == "easy":
        choices = open_columns
    if not choices:
        depth = BOT_DEPTHS[level]
        scores = {}
        for column in open_columns:
            heights[column] += 1
            after = mine | 1 << (column * COLUMN_BITS + heights[column] - 1)
            scores[column] = -_negamax(
                theirs, after, heights, depth - 1, -WIN_SCORE * 2, WIN_SCORE * 2
            )
            heights[column] -= 1
        best = max(scores.values())
        choices = [column for column, score in scores.items() if score == best]
    return {"column": random.choice(choices)}


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
    bot=bot,
    bot_levels=("normal", "easy", "hard"),
)
