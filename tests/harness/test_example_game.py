"""The example game of docs/writing-a-game.md, tested as the page shows."""

from __future__ import annotations

import pytest

from games.testing import GameHarness
from tests.harness.example_game import GAME


def test_rock_beats_scissors() -> None:
    game = GameHarness(GAME, players=["alice", "bob"])
    game.input("alice", {"move": "rock"})
    game.input("bob", {"move": "scissors"})
    game.tick()
    assert game.state["wins"] == {"alice": 1, "bob": 0}
    assert game.state["last_round"] == {"alice": "rock", "bob": "scissors"}


def test_the_first_to_two_wins_the_match() -> None:
    game = GameHarness(GAME, players=["alice", "bob"])
    for alice, bob in [("rock", "paper"), ("paper", "paper"), ("paper", "rock"), ("rock", "paper")]:
        game.input("alice", {"move": alice})
        game.input("bob", {"move": bob})
        game.tick()
    assert game.result is not None
    assert game.result.placements == {"alice": 2, "bob": 1}
    assert game.result.scores == {"alice": 1, "bob": 2}


def test_a_pick_is_hidden_from_the_other_player() -> None:
    game = GameHarness(GAME, players=["alice", "bob"])
    game.input("alice", {"move": "rock"})
    game.tick()
    assert game.client_state("alice")["picks"] == {"alice": "rock"}
    assert game.client_state("bob")["picks"] == {"alice": "hidden"}


@pytest.mark.parametrize(
    ("data", "code"),
    [({"move": "lizard"}, "unknown_input"), ({"throw": "rock"}, "unknown_input")],
)
def test_it_refuses_what_is_not_a_move(data: dict[str, str], code: str) -> None:
    game = GameHarness(GAME, players=["alice", "bob"])
    game.input("alice", data)
    game.tick()
    assert game.errors["alice"] == [code]


def test_a_player_picks_once_a_round() -> None:
    game = GameHarness(GAME, players=["alice", "bob"])
    game.input("alice", {"move": "rock"})
    game.input("alice", {"move": "paper"})
    game.tick()
    assert game.errors["alice"] == ["already_picked"]


def test_time_running_out_picks_at_random_the_same_way_every_replay() -> None:
    game = GameHarness(GAME, players=["alice", "bob"], settings={"round_seconds": 5}, seed=3)
    game.input("alice", {"move": "rock"})
    game.run_for(seconds=5)
    assert game.state["round"] == 2
    assert game.state["last_round"]["bob"] in ("rock", "paper", "scissors")
    assert game.replay().state == game.state


def test_a_player_who_leaves_forfeits() -> None:
    game = GameHarness(GAME, players=["alice", "bob"], seat_window_seconds=1)
    game.disconnect("bob")
    game.run_until_over(max_ticks=20)
    assert game.result is not None
    assert (game.result.placements, game.result.reason) == ({"alice": 1, "bob": 2}, "forfeit")
