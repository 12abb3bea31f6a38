"""Arena rules: movement, dashes, pellets, the clock, departures and the result."""

from __future__ import annotations

import copy
import json
import math
from random import Random
from typing import Any

import pytest

from games.rules.arena import (
    DASH_COOLDOWN_SECONDS,
    DASH_SECONDS,
    DASH_SPEED,
    GAME,
    HEIGHT,
    PELLET_RADIUS,
    PLAYER_RADIUS,
    SPEED,
    WIDTH,
    position,
)
from games.rules.base import Ctx, InvalidInput, State

ALICE = "1"
BOB = "2"
CAROL = "3"
DAVE = "4"


def make_ctx(players: tuple[str, ...] = (ALICE, BOB), *, seed: int = 7, **settings: Any) -> Ctx:
    """A ctx as the engine builds it: cleaned settings, tick rate from the settings."""
    cleaned = GAME.clean_settings(settings)
    return Ctx(
        tick=0,
        tick_rate=GAME.tick_rate(cleaned),
        random=Random(seed),
        players=players,
        settings=cleaned,
    )


def start(players: tuple[str, ...] = (ALICE, BOB), **settings: Any) -> tuple[State, Ctx]:
    ctx = make_ctx(players, **settings)
    return GAME.setup(ctx), ctx


def advance(state: State, ctx: Ctx, ticks: int) -> State:
    for _ in range(ticks):
        ctx.tick += 1
        state = GAME.tick(state, ctx)
    return state


def send(state: State, ctx: Ctx, player: str, data: dict[str, Any]) -> State:
    """Apply an input the way the engine does: with the ctx of the tick it takes effect in."""
    ctx.tick += 1
    state = GAME.apply_input(state, ctx, player, data)
    ctx.tick -= 1
    return state


def place(state: State, player: str, x: float, y: float) -> None:
    """Put a standing player somewhere, as if they had walked there."""
    body = state["players"][player]
    body["ox"], body["oy"] = x, y


def where(state: State, ctx: Ctx, player: str) -> tuple[float, float]:
    """Where the player stands now."""
    return position(state["players"][player], ctx.tick, ctx.tick_rate)


def clear_pellets(state: State) -> None:
    state["pellets"].clear()


def rejection(state: State, ctx: Ctx, player: str, data: Any) -> str:
    with pytest.raises(InvalidInput) as caught:
        GAME.apply_input(state, ctx, player, data)
    return caught.value.code


def test_setup_puts_every_player_inside_the_field_apart_with_no_score() -> None:
    state, ctx = start((ALICE, BOB, CAROL, DAVE))

    positions = {where(state, ctx, player) for player in state["players"]}
    assert len(positions) == 4
    for x, y in positions:
        assert PLAYER_RADIUS <= x <= WIDTH - PLAYER_RADIUS
        assert PLAYER_RADIUS <= y <= HEIGHT - PLAYER_RADIUS
    assert all(body["score"] == 0 for body in state["players"].values())


def test_setup_tells_clients_the_field_size() -> None:
    state, _ = start()

    assert (state["width"], state["height"]) == (WIDTH, HEIGHT)
    assert state["player_radius"] == PLAYER_RADIUS
    assert state["pellet_radius"] == PELLET_RADIUS


@pytest.mark.parametrize("count", [5, 30, 100])
def test_setup_stocks_the_configured_number_of_pellets(count: int) -> None:
    state, _ = start(pellets=count)

    assert len(state["pellets"]) == count
    for x, y in state["pellets"].values():
        assert 0 <= x <= WIDTH
        assert 0 <= y <= HEIGHT


@pytest.mark.parametrize(("tick_rate", "duration", "ends_at_tick"), [(20, 90, 1800), (60, 15, 900)])
def test_setup_stores_the_tick_at_which_time_is_up(
    tick_rate: int, duration: int, ends_at_tick: int
) -> None:
    state, _ = start(tick_rate=tick_rate, duration=duration)

    assert state["ends_at_tick"] == ends_at_tick


def test_the_state_is_plain_json() -> None:
    state, ctx = start()
    send(state, ctx, ALICE, {"dir": [1, 0]})
    advance(state, ctx, 3)

    assert json.loads(json.dumps(state)) == state


@pytest.mark.parametrize(
    "direction",
    [
        "up",
        None,
        {"x": 1},
        [1],
        [1, 0, 0],
        [],
        [True, 0],
        [0, False],
        ["1", 0],
        [None, 0],
        [math.nan, 0],
        [0, math.inf],
        [-math.inf, 0],
        [1.5, 0],
        [0, -2],
    ],
)
def test_it_rejects_a_bad_direction(direction: Any) -> None:
    state, ctx = start()

    assert rejection(state, ctx, ALICE, {"dir": direction}) == "bad_direction"


@pytest.mark.parametrize(
    "data",
    [{}, {"jump": True}, {"dash": False}, {"dash": 1}, {"dir": [1, 0], "dash": True}, [], "dash"],
)
def test_it_rejects_unknown_input(data: Any) -> None:
    state, ctx = start()

    assert rejection(state, ctx, ALICE, data) == "unknown_input"


@pytest.mark.parametrize(
    ("direction", "expected"),
    [([0.5, 0], [0.5, 0]), ([0, -1], [0, -1]), ([0, 0], [0, 0]), ([1, 1], [0.707, 0.707])],
)
def test_it_keeps_directions_at_most_one_long(
    direction: list[float], expected: list[float]
) -> None:
    state, ctx = start()

    send(state, ctx, ALICE, {"dir": direction})

    assert state["players"][ALICE]["dir"] == expected
    assert math.hypot(*state["players"][ALICE]["dir"]) <= 1


@pytest.mark.parametrize("direction", [[1, 0], [0.6, -0.8], [1, 1], [-0.3, 0.2]])
def test_a_player_moves_at_most_the_speed_cap_in_a_second(direction: list[float]) -> None:
    state, ctx = start()
    place(state, ALICE, 500, 500)

    send(state, ctx, ALICE, {"dir": direction})
    advance(state, ctx, ctx.tick_rate)

    x, y = where(state, ctx, ALICE)
    assert math.hypot(x - 500, y - 500) <= SPEED + 0.1


def test_a_player_at_full_speed_covers_the_speed_cap_in_a_second() -> None:
    state, ctx = start()
    place(state, ALICE, 200, 500)

    send(state, ctx, ALICE, {"dir": [1, 0]})
    advance(state, ctx, ctx.tick_rate)

    assert where(state, ctx, ALICE) == (200 + SPEED, 500)


def walk(tick_rate: int, steps: list[list[float]], *, dash: bool = False) -> tuple[float, float]:
    """Where Alice ends after walking each direction for half a second, from the centre."""
    state, ctx = start(tick_rate=tick_rate)
    place(state, ALICE, 500, 500)
    for direction in steps:
        send(state, ctx, ALICE, {"dir": direction})
        if dash:
            send(state, ctx, ALICE, {"dash": True})
        advance(state, ctx, tick_rate // 2)
    return where(state, ctx, ALICE)


@pytest.mark.parametrize(
    "steps",
    [[[1, 0]], [[0.7, 0.3]], [[1, 1], [-0.2, 0.9]], [[0.123, -0.456], [-1, 0.5], [0.3, 0.3]]],
)
@pytest.mark.parametrize("tick_rate", [20, 30, 60])
def test_movement_does_not_depend_on_the_tick_rate(
    steps: list[list[float]], tick_rate: int
) -> None:
    assert walk(tick_rate, steps) == walk(10, steps)


def test_a_dash_covers_the_same_distance_at_any_tick_rate() -> None:
    assert walk(60, [[1, 0]], dash=True) == walk(10, [[1, 0]], dash=True)


def test_a_dash_moves_a_player_farther_than_walking() -> None:
    half_second_walk = SPEED / 2
    dash_bonus = (DASH_SPEED - SPEED) * DASH_SECONDS

    x, _ = walk(20, [[1, 0]], dash=True)

    assert x == pytest.approx(500 + half_second_walk + dash_bonus)


def test_it_rejects_a_dash_when_dashing_is_off() -> None:
    state, ctx = start(dash=False)

    assert rejection(state, ctx, ALICE, {"dash": True}) == "dash_unavailable"


def test_it_rejects_a_dash_during_the_cooldown() -> None:
    state, ctx = start()
    send(state, ctx, ALICE, {"dash": True})
    advance(state, ctx, DASH_COOLDOWN_SECONDS * ctx.tick_rate - 1)

    ctx.tick += 1
    assert rejection(state, ctx, ALICE, {"dash": True}) == "dash_unavailable"


def test_it_allows_another_dash_once_the_cooldown_is_over() -> None:
    state, ctx = start()
    send(state, ctx, ALICE, {"dash": True})
    advance(state, ctx, DASH_COOLDOWN_SECONDS * ctx.tick_rate)

    send(state, ctx, ALICE, {"dash": True})

    assert state["players"][ALICE]["dash_until"] > ctx.tick


@pytest.mark.parametrize(
    ("direction", "expected"),
    [
        ([-1, 0], (PLAYER_RADIUS, 500)),
        ([1, 0], (WIDTH - PLAYER_RADIUS, 500)),
        ([0, -1], (500, PLAYER_RADIUS)),
        ([0, 1], (500, HEIGHT - PLAYER_RADIUS)),
        ([1, 1], (WIDTH - PLAYER_RADIUS, HEIGHT - PLAYER_RADIUS)),
    ],
)
def test_positions_are_clamped_inside_the_field(
    direction: list[float], expected: tuple[float, float]
) -> None:
    state, ctx = start()
    place(state, ALICE, 500, 500)

    send(state, ctx, ALICE, {"dir": direction})
    advance(state, ctx, 10 * ctx.tick_rate)

    assert where(state, ctx, ALICE) == expected


def test_a_player_leaves_a_wall_as_soon_as_they_turn_away() -> None:
    state, ctx = start(tick_rate=10)
    place(state, ALICE, 500, 500)
    send(state, ctx, ALICE, {"dir": [-1, 0]})
    advance(state, ctx, 50)

    send(state, ctx, ALICE, {"dir": [1, 0]})
    advance(state, ctx, 1)

    assert where(state, ctx, ALICE)[0] == PLAYER_RADIUS + SPEED / 10


def test_positions_are_rounded_to_one_decimal() -> None:
    state, ctx = start(tick_rate=60)
    send(state, ctx, ALICE, {"dir": [0.123, 0.777]})
    advance(state, ctx, 37)

    x, y = where(state, ctx, ALICE)
    assert (x, y) == (round(x, 1), round(y, 1))


def test_a_player_running_straight_changes_nothing_in_the_state() -> None:
    state, ctx = start()
    clear_pellets(state)
    place(state, ALICE, 200, 500)
    send(state, ctx, ALICE, {"dir": [1, 0]})
    advance(state, ctx, 1)
    running = copy.deepcopy(state)

    advance(state, ctx, ctx.tick_rate)

    assert state == running
    assert where(state, ctx, ALICE) == (200 + SPEED + SPEED / ctx.tick_rate, 500)


def test_a_turn_starts_a_new_segment_where_the_player_stood_at_the_tick_before() -> None:
    state, ctx = start(tick_rate=10)
    place(state, ALICE, 500, 500)
    send(state, ctx, ALICE, {"dir": [0.6, -0.8]})
    advance(state, ctx, 7)
    stood = where(state, ctx, ALICE)

    send(state, ctx, ALICE, {"dir": [-1, 0]})
    advance(state, ctx, 1)

    body = state["players"][ALICE]
    assert ((body["ox"], body["oy"]), body["ot"]) == (stood, 7)
    assert (body["vx"], body["vy"]) == (-SPEED, 0)
    assert where(state, ctx, ALICE) == (stood[0] - SPEED / 10, stood[1])


def test_a_player_touching_a_pellet_scores_and_it_respawns_under_a_new_id() -> None:
    state, ctx = start()
    clear_pellets(state)
    place(state, ALICE, 300, 300)
    state["pellets"]["target"] = [310, 300]

    advance(state, ctx, 1)

    assert state["players"][ALICE]["score"] == 1
    assert list(state["pellets"]) == [str(state["next_pellet"] - 1)]


def test_a_pellet_just_out_of_reach_stays() -> None:
    state, ctx = start()
    clear_pellets(state)
    place(state, ALICE, 300, 300)
    state["pellets"]["target"] = [300 + PLAYER_RADIUS + PELLET_RADIUS + 1, 300]

    advance(state, ctx, 1)

    assert state["players"][ALICE]["score"] == 0
    assert "target" in state["pellets"]


def test_a_pellet_two_players_touch_at_once_goes_to_the_earlier_seat() -> None:
    state, ctx = start()
    clear_pellets(state)
    place(state, ALICE, 300, 300)
    place(state, BOB, 320, 300)
    state["pellets"]["target"] = [310, 300]

    advance(state, ctx, 1)

    assert state["players"][ALICE]["score"] == 1
    assert state["players"][BOB]["score"] == 0
    assert len(state["pellets"]) == 1


def test_a_tick_keeps_the_same_dicts_for_unchanged_entities() -> None:
    state, ctx = start()
    send(state, ctx, ALICE, {"dir": [1, 0]})
    bodies = {player: id(body) for player, body in state["players"].items()}
    pellets = {pellet_id: id(pellet) for pellet_id, pellet in state["pellets"].items()}

    advance(state, ctx, 5)

    assert {player: id(body) for player, body in state["players"].items()} == bodies
    assert {pellet_id: id(pellet) for pellet_id, pellet in state["pellets"].items()} == pellets


SCRIPT: list[tuple[int, str, dict[str, Any]]] = [
    (1, ALICE, {"dir": [1, 0.2]}),
    (1, BOB, {"dir": [-1, -0.1]}),
    (30, CAROL, {"dir": [0.5, -1]}),
    (45, ALICE, {"dash": True}),
    (90, BOB, {"dir": [0, 1]}),
    (120, ALICE, {"dir": [-0.4, -0.9]}),
    (150, CAROL, {"dash": True}),
    (200, BOB, {"dir": [0.8, 0.8]}),
    (260, ALICE, {"dir": [1, 0]}),
]


def replay(seed: int) -> State:
    """A whole match from its seed and input log, as the engine would run it."""
    ctx = make_ctx((ALICE, BOB, CAROL), seed=seed, duration=15, pellets=100)
    state = GAME.setup(ctx)
    while GAME.result(state, ctx) is None:
        ctx.tick += 1
        for at, player, data in SCRIPT:
            if at == ctx.tick:
                state = GAME.apply_input(state, ctx, player, data)
        state = GAME.tick(state, ctx)
    return copy.deepcopy(state)


def test_a_match_replays_exactly_from_its_seed_and_inputs() -> None:
    first = replay(seed=42)

    assert replay(seed=42) == first
    assert sum(body["score"] for body in first["players"].values()) > 0


def test_pellets_respawn_where_the_seed_says() -> None:
    assert replay(seed=1)["pellets"] != replay(seed=2)["pellets"]


def test_the_match_ends_when_time_is_up() -> None:
    state, ctx = start(tick_rate=10, duration=15)

    advance(state, ctx, 149)
    assert GAME.result(state, ctx) is None

    advance(state, ctx, 1)
    outcome = GAME.result(state, ctx)
    assert outcome is not None
    assert outcome.reason == "time_up"


@pytest.mark.parametrize(
    ("scores", "places"),
    [
        ({ALICE: 3, BOB: 1, CAROL: 2}, {ALICE: 1, BOB: 3, CAROL: 2}),
        ({ALICE: 2, BOB: 2, CAROL: 1}, {ALICE: 1, BOB: 1, CAROL: 3}),
        ({ALICE: 0, BOB: 5, CAROL: 0}, {ALICE: 2, BOB: 1, CAROL: 2}),
        ({ALICE: 4, BOB: 4, CAROL: 4}, {ALICE: 1, BOB: 1, CAROL: 1}),
    ],
)
def test_it_ranks_by_score_and_ties_share_a_place(
    scores: dict[str, int], places: dict[str, int]
) -> None:
    state, ctx = start((ALICE, BOB, CAROL), duration=15)
    for player, score in scores.items():
        state["players"][player]["score"] = score

    advance(state, ctx, 15 * ctx.tick_rate)

    outcome = GAME.result(state, ctx)
    assert outcome is not None
    assert outcome.placements == places
    assert outcome.scores == scores


def test_it_rejects_input_once_time_is_up() -> None:
    state, ctx = start(duration=15)
    advance(state, ctx, 15 * ctx.tick_rate)

    assert rejection(state, ctx, ALICE, {"dir": [1, 0]}) == "game_over"


def test_ticks_after_the_end_change_nothing() -> None:
    state, ctx = start(duration=15)
    send(state, ctx, ALICE, {"dir": [1, 0]})
    advance(state, ctx, 15 * ctx.tick_rate)
    final = copy.deepcopy(state)

    advance(state, ctx, 10)

    assert state == final


def test_a_player_who_leaves_is_taken_off_the_field_with_their_score() -> None:
    state, ctx = start((ALICE, BOB, CAROL))
    state["players"][BOB]["score"] = 4

    GAME.player_left(state, ctx, BOB)

    assert BOB not in state["players"]
    assert state["departed"] == {BOB: 4}
    assert GAME.result(state, ctx) is None


def test_a_player_who_left_cannot_send_input() -> None:
    state, ctx = start((ALICE, BOB, CAROL))
    GAME.player_left(state, ctx, BOB)

    assert rejection(state, ctx, BOB, {"dir": [1, 0]}) == "not_playing"


def test_players_who_left_are_placed_after_those_still_present() -> None:
    state, ctx = start((ALICE, BOB, CAROL, DAVE), duration=15)
    scores = {ALICE: 1, BOB: 9, CAROL: 0, DAVE: 3}
    for player, score in scores.items():
        state["players"][player]["score"] = score
    GAME.player_left(state, ctx, BOB)
    GAME.player_left(state, ctx, DAVE)

    advance(state, ctx, 15 * ctx.tick_rate)

    outcome = GAME.result(state, ctx)
    assert outcome is not None
    assert outcome.placements == {ALICE: 1, CAROL: 2, BOB: 3, DAVE: 4}
    assert outcome.scores == scores


def test_the_match_is_abandoned_when_everyone_left() -> None:
    state, ctx = start()
    state["players"][BOB]["score"] = 2
    GAME.player_left(state, ctx, ALICE)
    GAME.player_left(state, ctx, BOB)

    outcome = GAME.result(state, ctx)

    assert outcome is not None
    assert outcome.reason == "abandoned"
    assert outcome.placements == {BOB: 1, ALICE: 2}


def test_the_match_goes_on_while_one_player_remains() -> None:
    state, ctx = start()
    GAME.player_left(state, ctx, ALICE)

    assert GAME.result(state, ctx) is None


def test_leaving_after_the_end_does_not_change_the_result() -> None:
    state, ctx = start(duration=15)
    state["players"][ALICE]["score"] = 5
    advance(state, ctx, 15 * ctx.tick_rate)

    GAME.player_left(state, ctx, ALICE)

    outcome = GAME.result(state, ctx)
    assert outcome is not None
    assert outcome.placements == {ALICE: 1, BOB: 2}
    assert outcome.reason == "time_up"
