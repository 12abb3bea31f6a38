"""The game author's harness, driven against both shipped games."""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path

import pytest

from games.rules import arena, connect_four
from games.rules.base import Ctx, State
from games.testing import GameHarness, HarnessError

SHORT_ARENA = {"duration": 15, "tick_rate": 10, "pellets": 5}


def _play_columns(game: GameHarness, columns: list[int]) -> None:
    for column in columns:
        game.input(game.state["turn"], {"column": column})
        game.tick()


def test_it_plays_connect_four_to_a_win() -> None:
    game = GameHarness("connect_four", players=["alice", "bob"])
    _play_columns(game, [0, 1, 0, 1, 0, 1, 0])
    assert game.result is not None
    assert game.result.placements == {"alice": 1, "bob": 2}
    assert game.result.reason == "four_in_a_row"


def test_it_returns_the_decoded_frames_of_a_tick() -> None:
    game = GameHarness("connect_four")
    game.input("alice", {"column": 3})
    [frame] = game.tick()
    assert (frame.to, frame.type) == (None, "diff")
    assert frame.message["acks"] == [1, 0]
    assert frame.message["diff"]["cells"] == {"0,3": "alice"}


def test_a_turn_based_game_sends_nothing_on_a_quiet_tick() -> None:
    assert GameHarness("connect_four").tick(5) == []


def test_the_last_tick_sends_the_end_frame() -> None:
    game = GameHarness("connect_four")
    _play_columns(game, [0, 1, 0, 1, 0, 1])
    game.input("alice", {"column": 0})
    frames = game.tick()
    assert [frame.type for frame in frames] == ["diff", "end"]
    assert frames[-1].message["result"]["placements"] == {"alice": 1, "bob": 2}


def test_it_collects_invalid_input_codes_per_player() -> None:
    game = GameHarness("connect_four")
    game.input("bob", {"column": 0})
    game.input("alice", {"column": 9})
    game.tick()
    assert game.errors == {"alice": ["bad_column"], "bob": ["not_your_turn"]}


def test_a_refused_input_is_still_acked() -> None:
    game = GameHarness("connect_four")
    game.input("bob", {"column": 0})
    game.tick()
    assert game.acks == {"alice": 0, "bob": 1}


def test_inputs_count_up_per_player() -> None:
    game = GameHarness("connect_four")
    assert [game.input("alice", {"column": 0}) for _ in range(3)] == [1, 2, 3]
    assert game.input("bob", {"column": 0}) == 1


def test_an_input_that_does_not_count_up_is_a_stale_seq_error() -> None:
    game = GameHarness("connect_four")
    game.input("alice", {"column": 0}, seq=5)
    game.input("alice", {"column": 1}, seq=5)
    game.tick()
    assert game.errors["alice"] == ["stale_seq"]
    assert game.state["cells"] == {"0,0": "alice"}


def test_it_refuses_inputs_the_socket_would_refuse() -> None:
    game = GameHarness("arena")
    with pytest.raises(HarnessError, match="bad_input"):
        game.input("alice", {"dir": [[[[1]]]]})


def test_it_refuses_an_input_from_someone_without_a_seat() -> None:
    with pytest.raises(HarnessError, match="no seat"):
        GameHarness("arena").input("carol", {"dash": True})


def test_settings_are_checked_against_the_schema() -> None:
    with pytest.raises(ValueError, match="tick_rate: must be at most 60"):
        GameHarness("arena", settings={"tick_rate": 600})


def test_it_runs_arena_until_time_is_up() -> None:
    game = GameHarness(arena.GAME, players=["alice", "bob", "carol"], settings=SHORT_ARENA)
    result = game.run_until_over()
    assert result.reason == "time_up"
    assert game.tick_number == 15 * 10


def test_run_until_over_fails_on_a_match_that_does_not_end() -> None:
    with pytest.raises(HarnessError, match="not over after 10 ticks"):
        GameHarness("arena").run_until_over(max_ticks=10)


def test_arena_players_move_as_steered() -> None:
    game = GameHarness("arena", settings=SHORT_ARENA)

    def alice_x() -> float:
        body = game.state["players"]["alice"]
        return arena.position(body, game.tick_number, game.state["tick_rate"])[0]

    x = alice_x()
    game.input("alice", {"dir": [-1, 0]})
    game.run_for(seconds=1)
    assert alice_x() == pytest.approx(x - arena.SPEED)


def test_arena_reports_a_dash_when_dashing_is_off() -> None:
    game = GameHarness("arena", settings={**SHORT_ARENA, "dash": False})
    game.input("alice", {"dash": True})
    game.tick()
    assert game.errors["alice"] == ["dash_unavailable"]


def test_a_dropped_player_leaves_when_the_seat_window_ends() -> None:
    game = GameHarness("arena", settings=SHORT_ARENA, seat_window_seconds=2)
    game.disconnect("bob")
    game.run_for(seconds=1.9)
    assert "bob" in game.state["players"]
    game.run_for(seconds=0.1)
    assert "bob" not in game.state["players"]
    assert game.state["departed"] == {"bob": 0}


def test_a_reconnected_player_keeps_their_seat() -> None:
    game = GameHarness("connect_four", seat_window_seconds=1)
    game.disconnect("bob")
    game.tick(5)
    game.connect("bob")
    game.tick(20)
    assert game.result is None


def test_every_client_holds_what_the_game_shows() -> None:
    game = GameHarness("arena", settings=SHORT_ARENA)
    game.input("alice", {"dir": [0.6, 0.8]})
    game.run_for(seconds=3)
    assert game.client_state("bob") == game.state


def test_a_snapshot_is_the_last_state_sent() -> None:
    game = GameHarness("connect_four")
    game.input("alice", {"column": 2})
    game.tick()
    snapshot = game.snapshot("bob")
    assert (snapshot["tick"], snapshot["room"]["you"]) == (1, "bob")
    assert snapshot["state"]["cells"] == {"0,2": "alice"}


def _random_arena(seed: int) -> GameHarness:
    moves = random.Random(seed)
    game = GameHarness("arena", settings=SHORT_ARENA, seed=seed)
    while game.result is None:
        for player in game.players:
            if moves.random() < 0.3:
                game.input(player, {"dir": [moves.uniform(-1, 1), moves.uniform(-1, 1)]})
            elif moves.random() < 0.02:
                game.input(player, {"dash": True})
        game.tick()
    return game


def test_an_arena_match_replays_exactly_from_its_seed_and_input_log() -> None:
    game = _random_arena(seed=7)
    replayed = game.replay()
    assert replayed.state == game.state
    assert replayed.frames == game.frames
    assert replayed.result == game.result


def test_a_connect_four_match_with_a_dropout_replays_exactly() -> None:
    game = GameHarness("connect_four", seat_window_seconds=1)
    _play_columns(game, [3, 3, 4])
    game.disconnect("bob")
    assert game.run_until_over().reason == "forfeit"
    assert game.replay().frames == game.frames


def test_another_seed_plays_another_match() -> None:
    assert _random_arena(seed=7).state != _random_arena(seed=8).state


def test_it_catches_a_game_that_puts_none_in_its_state() -> None:
    def tick(state: State, ctx: Ctx) -> State:
        state["turn"] = None if ctx.tick == 2 else state["turn"]
        return state

    broken = dataclasses.replace(connect_four.GAME, tick=tick)
    game = GameHarness(broken)
    game.tick()
    with pytest.raises(HarnessError, match="hold None"):
        game.tick()


def test_it_catches_a_view_the_engine_would_never_call() -> None:
    hiding = dataclasses.replace(connect_four.GAME, view=lambda state, player: {})
    with pytest.raises(HarnessError, match="hides_information=True"):
        GameHarness(hiding)


def test_the_guide_shows_the_example_game_and_its_tests_as_they_are() -> None:
    here = Path(__file__).parent
    guide = (here.parent.parent / "docs" / "writing-a-game.md").read_text()
    for name in ("example_game.py", "test_example_game.py"):
        assert f"```python\n{(here / name).read_text()}```" in guide, name
