"""Arena: a real-time scramble for pellets on a square field.

Players steer with a direction, may dash now and then, and score a point per pellet
they touch. The match lasts a fixed number of seconds, counted in ticks.

Movement is integrated from a segment rather than step by step: each player moves in a
straight line from an origin (`ox`, `oy`) taken at tick `ot`, at velocity (`vx`, `vy`)
in units per second, and a new segment starts whenever the velocity changes (a new
direction, a dash starting or ending). Rounding a position to one decimal every tick
would accumulate an error that grows with the tick rate; computing it from the
segment's origin keeps the distance travelled in a second the same at 10 Hz and 60 Hz.

The state holds the segments, not the positions: `position` computes where a player
stands at any tick, for the rules, the bot and the browser (static/js/games/arena.js
does the same operations). A player running straight changes nothing in the state, so
the room sends nothing about them until they turn, stop or dash.

Inputs are applied with the `Ctx` of the tick they take effect in, before that tick's
`tick()`; a dash requested at tick n moves at dash speed from tick n on.

A player who leaves is removed from the field. Their score is kept in `departed` and
they are placed after every player still present, ranked among themselves by score:
leaving a match is never better than finishing it.
"""

from __future__ import annotations

import math
from typing import Any

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

WIDTH = 1000
HEIGHT = 1000
PLAYER_RADIUS = 20
PELLET_RADIUS = 8
# Units per second, so that the game plays the same at every tick rate.
SPEED = 300
DASH_SPEED = 900
DASH_SECONDS = 0.2
DASH_COOLDOWN_SECONDS = 2
# Players start on a circle around the centre, evenly spaced by seat.
START_CIRCLE_RADIUS = 350
# Pellets spawn away from the walls so they are always reachable.
PELLET_MARGIN = PLAYER_RADIUS
PICKUP_DISTANCE = PLAYER_RADIUS + PELLET_RADIUS
PICKUP_DISTANCE_SQUARED = PICKUP_DISTANCE**2
# The largest x and y a player's centre reaches.
_MAX_X = WIDTH - PLAYER_RADIUS
_MAX_Y = HEIGHT - PLAYER_RADIUS

SETTINGS = (
    Setting("tick_rate", "Ticks per second", 20, minimum=10, maximum=60),
    Setting("duration", "Match length (seconds)", 90, minimum=15, maximum=600),
    Setting("dash", "Allow dashing", True),
    Setting("pellets", "Pellets on the field", 30, minimum=5, maximum=100),
)


def tick_rate(settings: Settings) -> int:
    return int(settings["tick_rate"])


def setup(ctx: Ctx) -> State:
    """Players evenly spaced around the centre, the field stocked with pellets."""
    state: State = {
        "width": WIDTH,
        "height": HEIGHT,
        "player_radius": PLAYER_RADIUS,
        "pellet_radius": PELLET_RADIUS,
        "speed": SPEED,
        "dash_speed": DASH_SPEED,
        "tick_rate": ctx.tick_rate,
        "ends_at_tick": ctx.tick + int(ctx.settings["duration"]) * ctx.tick_rate,
        "over": False,
        "reason": "",
        "players": {},
        "departed": {},
        "pellets": {},
        "next_pellet": 0,
    }
    count = len(ctx.players)
    for seat, player in enumerate(ctx.players):
        angle = 2 * math.pi * seat / count
        x = round(WIDTH / 2 + START_CIRCLE_RADIUS * math.cos(angle), 1)
        y = round(HEIGHT / 2 + START_CIRCLE_RADIUS * math.sin(angle), 1)
        state["players"][player] = _new_player(x, y, ctx.tick)
    for _ in range(int(ctx.settings["pellets"])):
        _spawn_pellet(state, ctx)
    return state


def _new_player(x: float, y: float, tick: int) -> dict[str, Any]:
    return {
        "dir": [0, 0],
        "vx": 0,
        "vy": 0,
        "ox": x,
        "oy": y,
        "ot": tick,
        "score": 0,
        "dash_until": 0,
        "dash_ready_at": 0,
    }


def _spawn_pellet(state: State, ctx: Ctx) -> None:
    """Add one pellet at a seeded random spot, under a fresh id so clients see it appear."""
    pellet_id = str(state["next_pellet"])
    state["next_pellet"] += 1
    x = ctx.random.randint(PELLET_MARGIN, WIDTH - PELLET_MARGIN)
    y = ctx.random.randint(PELLET_MARGIN, HEIGHT - PELLET_MARGIN)
    state["pellets"][pellet_id] = [x, y]


def apply_input(state: State, ctx: Ctx, player: str, data: Input) -> State:
    """Record a new direction or start a dash; the movement itself happens in `tick`."""
    if state["over"]:
        raise InvalidInput("game_over")
    body = state["players"].get(player)
    if body is None:
        raise InvalidInput("not_playing")
    if isinstance(data, dict) and data.keys() == {"dir"}:
        body["dir"] = _parse_direction(data["dir"])
    elif isinstance(data, dict) and data.keys() == {"dash"} and data["dash"] is True:
        if not ctx.settings["dash"] or ctx.tick < body["dash_ready_at"]:
            raise InvalidInput("dash_unavailable")
        body["dash_until"] = ctx.tick + _ticks(DASH_SECONDS, ctx)
        body["dash_ready_at"] = ctx.tick + _ticks(DASH_COOLDOWN_SECONDS, ctx)
    else:
        raise InvalidInput("unknown_input")
    return state


def _parse_direction(value: Any) -> list[float]:
    """A direction of length at most 1, components cut to 3 decimals to keep frames short.

    Cutting toward zero (not rounding) can only shorten the vector, so the speed cap holds.
    """
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise InvalidInput("bad_direction")
    for component in value:
        if isinstance(component, bool) or not isinstance(component, int | float):
            raise InvalidInput("bad_direction")
        if not math.isfinite(component) or not -1 <= component <= 1:
            raise InvalidInput("bad_direction")
    dx, dy = float(value[0]), float(value[1])
    length = math.hypot(dx, dy)
    if length > 1:
        dx, dy = dx / length, dy / length
    return [math.trunc(dx * 1000) / 1000, math.trunc(dy * 1000) / 1000]


def _ticks(seconds: float, ctx: Ctx) -> int:
    return max(1, round(seconds * ctx.tick_rate))


def tick(state: State, ctx: Ctx) -> State:
    """Move everyone, hand out pellets, and end the match when time is up."""
    if state["over"]:
        return state
    for body in state["players"].values():
        _update_segment(body, ctx)
    _collect_pellets(state, ctx)
    if ctx.tick >= state["ends_at_tick"]:
        state["over"] = True
        state["reason"] = "time_up"
    return state


def _update_segment(body: dict[str, Any], ctx: Ctx) -> None:
    """Start a new segment if the player's velocity changes at this tick."""
    now = ctx.tick
    speed = DASH_SPEED if now < body["dash_until"] else SPEED
    dx, dy = body["dir"]
    vx = round(dx * speed, 1)
    vy = round(dy * speed, 1)
    if vx != body["vx"] or vy != body["vy"]:
        # The new segment starts where the player stood at the end of the last tick.
        body["ox"], body["oy"] = position(body, now - 1, ctx.tick_rate)
        body["ot"] = now - 1
        body["vx"], body["vy"] = vx, vy


def position(body: dict[str, Any], tick: int, tick_rate: int) -> tuple[float, float]:
    """Where a player stands at `tick` (at or after their segment's `ot`): along the
    segment, clamped to the field, rounded to 0.1."""
    elapsed = (tick - body["ot"]) / tick_rate
    x = body["ox"] + body["vx"] * elapsed
    y = body["oy"] + body["vy"] * elapsed
    # Clamped by comparisons, not min() and max(), which took two fifths of its time: the
    # rules and the bots call this for every player every tick.
    return (
        round(PLAYER_RADIUS if x < PLAYER_RADIUS else _MAX_X if x > _MAX_X else x, 1),
        round(PLAYER_RADIUS if y < PLAYER_RADIUS else _MAX_Y if y > _MAX_Y else y, 1),
    )


def _collect_pellets(state: State, ctx: Ctx) -> None:
    """Give a point for each pellet a player touches; players earlier in seat order win ties.

    Only the pellets in the square around a player are measured (the scan runs for
    every player every tick). Pellets are respawned after the scan so the dict is not
    changed while iterated.
    """
    pellets = state["pellets"].items()
    eaten: list[str] = []
    for body in state["players"].values():
        x, y = position(body, ctx.tick, ctx.tick_rate)
        left, right, low, high = (
            x - PICKUP_DISTANCE,
            x + PICKUP_DISTANCE,
            y - PICKUP_DISTANCE,
            y + PICKUP_DISTANCE,
        )
        near = [
            (pellet_id, px, py)
            for pellet_id, (px, py) in pellets
            if left <= px <= right and low <= py <= high
        ]
        for pellet_id, px, py in near:
            dx = px - x
            dy = py - y
            if dx * dx + dy * dy <= PICKUP_DISTANCE_SQUARED and pellet_id not in eaten:
                eaten.append(pellet_id)
                body["score"] += 1
    for pellet_id in eaten:
        del state["pellets"][pellet_id]
        _spawn_pellet(state, ctx)


def player_left(state: State, ctx: Ctx, player: str) -> State:
    """Take the player off the field, keep their score, end the match if nobody is left.

    Once the match is over the standings are final, so a later departure changes nothing.
    """
    if state["over"] or player not in state["players"]:
        return state
    body = state["players"].pop(player)
    state["departed"][player] = body["score"]
    if not state["players"]:
        state["over"] = True
        state["reason"] = "abandoned"
    return state


def result(state: State, ctx: Ctx) -> Result | None:
    """Rank by score, ties sharing a place; departed players come after those present."""
    if not state["over"]:
        return None
    present = {player: body["score"] for player, body in state["players"].items()}
    departed: dict[str, int] = dict(state["departed"])
    placements = _rank(present, offset=0)
    placements.update(_rank(departed, offset=len(present)))
    return Result(placements=placements, scores={**present, **departed}, reason=state["reason"])


def _rank(scores: dict[str, int], *, offset: int) -> dict[str, int]:
    """Competition ranking (1, 2, 2, 4): a place is one more than the number ahead."""
    return {
        player: offset + 1 + sum(1 for other in scores.values() if other > score)
        for player, score in scores.items()
    }


# A bot keeps its way while that way passes this close to the pellet it goes for, centre
# to centre: half the reach, so that it picks the pellet up even at 10 ticks a second,
# where the ticks either side of its nearest point find it up to 15 units before or past.
BOT_AIM = (PLAYER_RADIUS + PELLET_RADIUS) / 2


def bot(view: State, player: str, random: Random, level: str, tick: int) -> Input | None:
    """Steers toward the nearest pellet; stands still when there is none.

    The room asks a bot again when its view changes (a pellet taken, someone turning), not
    while it runs straight on: so it sends a new direction only when its way would not
    pick up the nearest pellet, and then aims straight at it.
    """
    body = view["players"].get(player)
    if view["over"] or body is None:
        return None
    x, y = position(body, tick, view["tick_rate"])
    nearest = min(
        view["pellets"].values(),
        key=lambda pellet: (pellet[0] - x) ** 2 + (pellet[1] - y) ** 2,
        default=None,
    )
    direction = [0.0, 0.0]
    if nearest is not None:
        dx, dy = nearest[0] - x, nearest[1] - y
        if _passes_within(body["dir"], dx, dy, BOT_AIM):
            return None
        length = math.hypot(dx, dy)
        if length:
            direction = _parse_direction([dx / length, dy / length])
    if direction == body["dir"]:
        return None
    return {"dir": direction}


def _passes_within(direction: list[float], dx: float, dy: float, distance: float) -> bool:
    """Whether going on in `direction` passes within `distance` of the point (dx, dy) away."""
    ux, uy = direction
    ahead = dx * ux + dy * uy
    aside = abs(dx * uy - dy * ux)
    return ahead > 0 and aside <= distance * math.hypot(ux, uy)


GAME = GameDef(
    slug="arena",
    name="Arena",
    description="Race around the arena collecting pellets; most pellets when time runs out wins.",
    min_players=2,
    max_players=8,
    realtime=True,
    settings=SETTINGS,
    tick_rate=tick_rate,
    setup=setup,
    apply_input=apply_input,
    tick=tick,
    player_left=player_left,
    result=result,
    bot=bot,
    # 2: the state holds each player's segment, no longer their position.
    version="2",
)
