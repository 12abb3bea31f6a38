"""The battleship bot: given only its own view, it readies, fires legal shots at unknown
cells, and at the "normal" level hunts and targets well enough to sink a fleet in fewer
shots than "easy"."""

from __future__ import annotations

from random import Random
from statistics import mean

import pytest

from games.rules.base import Ctx, State
from games.rules.battleship import GAME, bot
from games.testing import GameHarness
from tests.rules.test_battleship import ALICE, BOB, fire, placed, start


def shots_at(view: State, player: str) -> dict[str, str]:
    return dict(view["boards"][player]["shots"])


@pytest.mark.parametrize("level", GAME.bot_levels)
def test_a_bot_plays_a_whole_match_through_the_engine_with_legal_moves_only(level: str) -> None:
    game = GameHarness(GAME, players=[ALICE, BOB], settings={"size": 8}, seed=4)
    randoms = {ALICE: Random(1), BOB: Random(2)}
    levels = {ALICE: level, BOB: "easy"}
    while game.result is None:
        for player in (ALICE, BOB):
            # What the bot sees is what that player's client holds: their view.
            data = bot(
                game.client_state(player), player, randoms[player], levels[player], game.tick_number
            )
            if data is not None:
                game.input(player, data)
        game.tick()
        assert game.tick_number < 1_000

    assert game.errors == {ALICE: [], BOB: []}
    assert game.result.reason == "fleet_sunk"


def test_while_placing_a_bot_readies_once_with_the_fleet_it_was_dealt() -> None:
    state, ctx = start()

    assert bot(GAME.view(state, ALICE), ALICE, Random(1), "normal", 0) == {"ready": True}
    GAME.apply_input(state, ctx, ALICE, {"ready": True})
    assert bot(GAME.view(state, ALICE), ALICE, Random(1), "normal", 0) is None


@pytest.mark.parametrize("level", GAME.bot_levels)
def test_a_bot_waits_for_its_turn(level: str) -> None:
    state, _ = placed()

    assert bot(GAME.view(state, BOB), BOB, Random(1), level, 0) is None


@pytest.mark.parametrize("level", GAME.bot_levels)
def test_a_bot_never_fires_at_a_known_cell(level: str) -> None:
    state, ctx = placed(hit_fires_again=False)
    random = Random(7)
    while state["phase"] != "over":
        player = state["turn"]
        view = GAME.view(state, player)
        data = bot(view, player, random, level, 0)
        assert data is not None
        row, column = data["fire"]
        assert f"{row},{column}" not in shots_at(view, BOB if player == ALICE else ALICE)
        GAME.apply_input(state, ctx, player, data)


@pytest.mark.parametrize("level", GAME.bot_levels)
def test_with_one_cell_left_unknown_a_bot_fires_there(level: str) -> None:
    state, _ = placed()
    board = state["boards"][BOB]
    board["shots"] = {f"{r},{c}": "miss" for r in range(10) for c in range(10) if (r, c) != (9, 9)}

    assert bot(GAME.view(state, ALICE), ALICE, Random(1), level, 0) == {"fire": [9, 9]}


def test_normal_fires_beside_a_lone_hit() -> None:
    state, ctx = placed()
    fire(state, ctx, ALICE, "5,9")

    data = bot(GAME.view(state, ALICE), ALICE, Random(1), "normal", 0)

    assert data is not None
    assert data["fire"] in ([4, 9], [6, 9], [5, 8])


def test_normal_follows_a_line_of_hits_to_its_ends() -> None:
    state, ctx = placed()
    fire(state, ctx, ALICE, "9,7", "9,8")

    for seed in range(10):
        data = bot(GAME.view(state, ALICE), ALICE, Random(seed), "normal", 0)
        assert data is not None
        assert data["fire"] in ([9, 6], [9, 9])


def test_normal_leaves_a_sunk_ship_alone_and_hunts_again() -> None:
    state, ctx = placed()
    fire(state, ctx, ALICE, "0,8", "0,9")

    for seed in range(10):
        data = bot(GAME.view(state, ALICE), ALICE, Random(seed), "normal", 0)
        assert data is not None
        row, column = data["fire"]
        # The shortest ship afloat is the cruiser (3): a hunt shot on every third diagonal.
        assert (row + column) % 3 == 0


def test_the_bot_decides_on_its_view_alone_wherever_the_hidden_fleet_is() -> None:
    state, ctx = placed()
    fire(state, ctx, ALICE, "9,7")
    other, _ = placed()
    fire(other, ctx, ALICE, "9,7")
    other["boards"][BOB]["ships"]["cruiser"]["cells"] = ["3,3", "3,4", "3,5"]
    assert state["boards"][BOB] != other["boards"][BOB]
    assert GAME.view(state, ALICE) == GAME.view(other, ALICE)

    for seed in range(5):
        assert bot(GAME.view(state, ALICE), ALICE, Random(seed), "normal", 0) == bot(
            GAME.view(other, ALICE), ALICE, Random(seed), "normal", 0
        )


def shots_to_win(level: str, seed: int) -> int:
    """Both players as bots of a level on the classic 10 x 10 sea: the winner's shots."""
    cleaned = GAME.clean_settings({})
    ctx = Ctx(tick=0, tick_rate=10, random=Random(seed), players=(ALICE, BOB), settings=cleaned)
    state = GAME.setup(ctx)
    randoms = {ALICE: Random(seed * 2), BOB: Random(seed * 2 + 1)}
    while state["phase"] != "over":
        for player in (ALICE, BOB):
            data = bot(GAME.view(state, player), player, randoms[player], level, 0)
            if data is not None:
                state = GAME.apply_input(state, ctx, player, data)
    loser = BOB if state["winner"] == ALICE else ALICE
    return len(state["boards"][loser]["shots"])


def test_normal_sinks_a_fleet_in_fewer_shots_than_easy() -> None:
    easy = mean(shots_to_win("easy", seed) for seed in range(20))
    normal = mean(shots_to_win("normal", seed) for seed in range(20))

    # Measured over 100 seeds: 46 shots for normal, 93 for easy, of the 100 cells.
    assert normal < 0.75 * easy, (normal, easy)
