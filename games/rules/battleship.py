"""Battleship: two players hide a fleet each, then take turns firing at the other's sea.

The match has three phases. In `placing` each player starts with a fleet laid out at
random (from `ctx.random`); they may re-roll it, lay it out themselves, then say they are
ready. When both are ready (or the placement timer runs out) `firing` begins: the first
seat fires first, a hit lets the shooter fire again when `hit_fires_again` is on, a miss
passes the turn. A ship is sunk when every cell of it was hit; the first player to sink
the whole enemy fleet wins, and the phase is `over`.

Each player's board is `boards[player]`: their `ships` (by id: its `cells` as "row,column"
strings and whether it is `sunk`), the `shots` fired at them ("row,column" to "hit" or
"miss"), the `last_shot` fired at them and whether they are `ready`. This is hidden
information (`hides_information=True`): `view(state, player)` shows a player their own
board whole, and of the other board only its shots and its sunk ships; a spectator
(player None) sees that of both boards. Once the match is over, every view is the whole
state, so the end screen can show both fleets.

Ticks only drive the timers: `deadline_tick` is the tick at which the placement phase
ends or the player to fire runs out of time (0 when there is no timer).
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

TICK_RATE = 10
ACROSS = "across"
DOWN = "down"
# Ship lengths by id, longest first: the order a random layout places them in.
FLEETS: dict[str, dict[str, int]] = {
    "classic": {"carrier": 5, "battleship": 4, "cruiser": 3, "submarine": 3, "destroyer": 2},
    "small": {"battleship": 4, "cruiser": 3, "destroyer": 2},
}

SETTINGS = (
    Setting("size", "Board size (cells a side)", 10, minimum=6, maximum=10),
    Setting("fleet", "Fleet", "classic", choices=tuple(FLEETS)),
    Setting("hit_fires_again", "A hit fires again", True),
    Setting(
        "placement_seconds", "Seconds to place ships (0 for no limit)", 90, minimum=0, maximum=600
    ),
    Setting("move_seconds", "Seconds per shot (0 for no limit)", 0, minimum=0, maximum=300),
    Setting("on_timeout", "When time for a shot runs out", "skip", choices=("skip", "forfeit")),
)


def tick_rate(settings: Settings) -> int:
    return TICK_RATE


def setup(ctx: Ctx) -> State:
    """Both fleets laid out at random; the placement phase starts."""
    if len(ctx.players) != 2:
        raise ValueError("battleship needs exactly two players")
    size = int(ctx.settings["size"])
    fleet = FLEETS[str(ctx.settings["fleet"])]
    return {
        "size": size,
        "fleet": dict(fleet),
        "seats": list(ctx.players),
        "phase": "placing",
        "boards": {
            player: {
                "ships": random_ships(size, fleet, ctx.random),
                "shots": {},
                "last_shot": "",
                "ready": False,
            }
            for player in ctx.players
        },
        "turn": "",
        "deadline_tick": _deadline(ctx, "placement_seconds"),
        "winner": "",
        "reason": "",
    }


def _deadline(ctx: Ctx, setting: str) -> int:
    """The tick at which a timer of `setting` seconds starting now runs out, 0 for none."""
    seconds = int(ctx.settings[setting])
    return ctx.tick + seconds * ctx.tick_rate if seconds else 0


def cell(row: int, column: int) -> str:
    return f"{row},{column}"


def ship_cells(row: int, column: int, heading: str, length: int) -> list[str]:
    """The cells of a ship whose bow is at (row, column), heading across or down."""
    if heading == ACROSS:
        return [cell(row, column + step) for step in range(length)]
    return [cell(row + step, column) for step in range(length)]


def random_ships(size: int, fleet: dict[str, int], random: Random) -> dict[str, dict[str, object]]:
    """Each ship of the fleet at a random free place, longest first."""
    while True:
        taken: set[str] = set()
        ships: dict[str, dict[str, object]] = {}
        for ship, length in fleet.items():
            places = [
                cells
                for heading in (ACROSS, DOWN)
                for row in range(size - (length - 1 if heading == DOWN else 0))
                for column in range(size - (length - 1 if heading == ACROSS else 0))
                if taken.isdisjoint(cells := ship_cells(row, column, heading, length))
            ]
            if not places:
                break
            cells = random.choice(places)
            taken.update(cells)
            ships[ship] = {"cells": cells, "sunk": False}
        else:
            return ships


def apply_input(state: State, ctx: Ctx, player: str, data: Input) -> State:
    """Placement inputs while placing, shots while firing."""
    if state["phase"] == "over":
        raise InvalidInput("game_over")
    if not isinstance(data, dict) or len(data) != 1:
        raise InvalidInput("unknown_input")
    (kind,) = data
    if kind == "fire":
        _fire(state, ctx, player, data["fire"])
    elif kind in ("fleet", "random", "ready"):
        _place(state, ctx, player, kind, data[kind])
    else:
        raise InvalidInput("unknown_input")
    return state


def _place(state: State, ctx: Ctx, player: str, kind: str, value: object) -> None:
    if state["phase"] != "placing":
        raise InvalidInput("placement_over")
    board = state["boards"][player]
    if board["ready"]:
        raise InvalidInput("already_ready")
    if kind == "fleet":
        board["ships"] = _laid_out(state, value)
    elif value is not True:
        raise InvalidInput("unknown_input")
    elif kind == "random":
        board["ships"] = random_ships(state["size"], state["fleet"], ctx.random)
    else:
        board["ready"] = True
        if all(each["ready"] for each in state["boards"].values()):
            _start_firing(state, ctx)


def _laid_out(state: State, value: object) -> dict[str, dict[str, object]]:
    """The fleet of a `fleet` input, {ship: [row, column, "across" or "down"]}, checked."""
    fleet: dict[str, int] = state["fleet"]
    if not isinstance(value, dict) or value.keys() != fleet.keys():
        raise InvalidInput("bad_fleet", f"Place exactly these ships: {', '.join(fleet)}.")
    size: int = state["size"]
    taken: set[str] = set()
    ships: dict[str, dict[str, object]] = {}
    for ship, length in fleet.items():
        place = value[ship]
        if (
            not isinstance(place, list)
            or len(place) != 3
            or not all(type(number) is int for number in place[:2])
            or place[2] not in (ACROSS, DOWN)
        ):
            raise InvalidInput("bad_ship_place", "A ship is [row, column, across or down].")
        row, column, heading = place
        end_row = row + (length - 1 if heading == DOWN else 0)
        end_column = column + (length - 1 if heading == ACROSS else 0)
        if min(row, column) < 0 or max(end_row, end_column) >= size:
            raise InvalidInput("ship_off_board", f"The {ship} does not fit on the board there.")
        cells = ship_cells(row, column, heading, length)
        if not taken.isdisjoint(cells):
            raise InvalidInput("ships_overlap", f"The {ship} overlaps another ship.")
        taken.update(cells)
        ships[ship] = {"cells": cells, "sunk": False}
    return ships


def _start_firing(state: State, ctx: Ctx) -> None:
    for board in state["boards"].values():
        board["ready"] = True
    state["phase"] = "firing"
    state["turn"] = state["seats"][0]
    state["deadline_tick"] = _deadline(ctx, "move_seconds")


def _fire(state: State, ctx: Ctx, player: str, target: object) -> None:
    if state["phase"] != "firing":
        raise InvalidInput("still_placing")
    if player != state["turn"]:
        raise InvalidInput("not_your_turn")
    size: int = state["size"]
    if (
        not isinstance(target, list)
        or len(target) != 2
        or not all(type(number) is int and 0 <= number < size for number in target)
    ):
        raise InvalidInput("bad_cell", "Fire at [row, column] on the board.")
    shot = cell(*target)
    board = state["boards"][_other(state, player)]
    if shot in board["shots"]:
        raise InvalidInput("already_fired")
    hit = next((ship for ship in board["ships"].values() if shot in ship["cells"]), None)
    board["shots"][shot] = "hit" if hit else "miss"
    board["last_shot"] = shot
    if hit is not None and all(part in board["shots"] for part in hit["cells"]):
        hit["sunk"] = True
        if all(ship["sunk"] for ship in board["ships"].values()):
            _finish(state, winner=player, reason="fleet_sunk")
            return
    if hit is None or not ctx.settings["hit_fires_again"]:
        state["turn"] = _other(state, player)
    state["deadline_tick"] = _deadline(ctx, "move_seconds")


def _other(state: State, player: str) -> str:
    first, second = state["seats"]
    return str(second if player == first else first)


def _finish(state: State, *, winner: str, reason: str) -> None:
    state["phase"] = "over"
    state["winner"] = winner
    state["reason"] = reason
    state["turn"] = ""
    state["deadline_tick"] = 0


def tick(state: State, ctx: Ctx) -> State:
    """The timers: placement ends with the fleets as they are; a late shot is skipped or
    loses the match."""
    deadline = state["deadline_tick"]
    if state["phase"] == "over" or not deadline or ctx.tick < deadline:
        return state
    if state["phase"] == "placing":
        _start_firing(state, ctx)
    elif ctx.settings["on_timeout"] == "forfeit":
        _finish(state, winner=_other(state, state["turn"]), reason="timeout")
    else:
        state["turn"] = _other(state, state["turn"])
        state["deadline_tick"] = _deadline(ctx, "move_seconds")
    return state


def player_left(state: State, ctx: Ctx, player: str) -> State:
    """A player who leaves a running match forfeits it; a finished one stays as it ended."""
    if state["phase"] != "over" and player in state["seats"]:
        _finish(state, winner=_other(state, player), reason="forfeit")
    return state


def ships_sunk(state: State, player: str) -> int:
    """How many of the other player's ships this player has sunk."""
    ships = state["boards"][_other(state, player)]["ships"].values()
    return sum(1 for ship in ships if ship["sunk"])


def result(state: State, ctx: Ctx) -> Result | None:
    """The winner first; each player scores the enemy ships they sank."""
    if state["phase"] != "over":
        return None
    winner: str = state["winner"]
    return Result(
        placements={winner: 1, _other(state, winner): 2},
        scores={player: ships_sunk(state, player) for player in state["seats"]},
        reason=state["reason"],
    )


def view(state: State, player: str | None) -> State:
    """A player's own board whole and the other's shots and sunk ships; a spectator
    (None) sees only that of both. Everything once the match is over."""
    if state["phase"] == "over":
        return state
    boards: dict[str, State] = state["boards"]
    return {
        **state,
        "boards": {
            owner: board if owner == player else public_board(board)
            for owner, board in boards.items()
        },
    }


def public_board(board: State) -> State:
    """What anyone may see of a board: its shots, its sunk ships, whether it is ready."""
    return {
        "ships": {ship: part for ship, part in board["ships"].items() if part["sunk"]},
        "shots": board["shots"],
        "last_shot": board["last_shot"],
        "ready": board["ready"],
    }


def bot(view: State, player: str, random: Random, level: str, tick: int) -> Input | None:
    """A bot's input from its own view: ready with the random fleet it was dealt, then a
    shot when it is its turn. "easy" fires at random unknown cells; "normal" hunts on a
    checkerboard the shortest ship left cannot hide from, and fires around its hits until
    their ship sinks."""
    if view["phase"] == "placing":
        return None if view["boards"][player]["ready"] else {"ready": True}
    if view["phase"] != "firing" or view["turn"] != player:
        return None
    board: State = view["boards"][_other(view, player)]
    size: int = view["size"]
    unknown = [
        (row, column)
        for row in range(size)
        for column in range(size)
        if cell(row, column) not in board["shots"]
    ]
    if level == "easy":
        return {"fire": list(random.choice(unknown))}
    targets = _around_hits(board, set(unknown)) or _hunting(view, board, unknown)
    return {"fire": list(random.choice(targets))}


def _around_hits(board: State, unknown: set[tuple[int, int]]) -> list[tuple[int, int]]:
    """Unknown cells that go on a line of hits of a ship still afloat, or, without such a
    line, unknown cells beside such a hit."""
    sunk = {part for ship in board["ships"].values() for part in ship["cells"]}
    hits = {
        (int(row), int(column))
        for target, outcome in board["shots"].items()
        if outcome == "hit" and target not in sunk
        for row, column in [target.split(",")]
    }
    on_lines: set[tuple[int, int]] = set()
    beside: set[tuple[int, int]] = set()
    for row, column in hits:
        for step_row, step_column in ((0, 1), (1, 0)):
            if (row + step_row, column + step_column) not in hits:
                beside.update(
                    {(row + step_row, column + step_column), (row - step_row, column - step_column)}
                )
                continue
            # The hit starts or continues a line: the cells past both of its ends.
            for sign in (1, -1):
                step = 1
                while (row + sign * step * step_row, column + sign * step * step_column) in hits:
                    step += 1
                on_lines.add((row + sign * step * step_row, column + sign * step * step_column))
    return sorted(on_lines & unknown) or sorted(beside & unknown)


def _hunting(view: State, board: State, unknown: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The unknown cells every ship afloat, even the shortest, must cover one of."""
    fleet: dict[str, int] = view["fleet"]
    shortest = min(length for ship, length in fleet.items() if ship not in board["ships"])
    checkerboard = [(row, column) for row, column in unknown if (row + column) % shortest == 0]
    return checkerboard or unknown


GAME = GameDef(
    slug="battleship",
    name="Battleship",
    description="Hide your fleet, then take turns firing; sink every enemy ship to win.",
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
    view=view,
    hides_information=True,
    bot=bot,
    bot_levels=("normal", "easy"),
)
