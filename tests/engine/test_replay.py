"""A match replays from its seed, settings and the room's log to the room's own final
state and result, byte for byte: games/replay.py."""

from __future__ import annotations

from random import Random

import orjson
import pytest

from games.engine import saves
from games.engine.diff import apply_patch, copy_state
from games.engine.room import Room, log_json
from games.engine.saves import Saved
from games.replay import Recording, ReplayVersionError, replay, replay_frames
from games.rules import CATALOGUE, arena
from games.rules.base import Result

ALICE, BOB, CAROL = "1", "2", "3"
PLAYERS = [(ALICE, "Alice"), (BOB, "Bob"), (CAROL, "Carol")]


def _room(game: str, players=PLAYERS, seed: int = 11, **settings: object) -> Room:
    definition = CATALOGUE[game]
    return Room(
        room_id="r1",
        game=definition,
        settings=definition.clean_settings(settings),
        players=players,
        seed=seed,
        seat_window_seconds=1,
    )


def _recording(room: Room) -> Recording:
    return Recording(
        game_version=room.game.version,
        seed=room.seed,
        settings=room.ctx.settings,
        players=[(seat.player, seat.name) for seat in room.seats.values()],
        ticks=room.ctx.tick,
        # As the database hands it back: JSON.
        log=[tuple(entry) for entry in orjson.loads(log_json(room.log))],
    )


def _assert_replays(room: Room) -> None:
    replayed = replay(room.game, _recording(room))
    assert orjson.dumps(replayed.state) == orjson.dumps(room.state)
    assert orjson.dumps(replayed.result) == orjson.dumps(room.result)


def _play_arena(room: Room, seqs: dict[str, int], ticks: int) -> None:
    """Every player steers or dashes now and then, some inputs refused (bad shapes): the
    same inputs at the same tick in every room."""
    for _ in range(ticks):
        chooser = Random(room.ctx.tick)
        for player, _name in PLAYERS:
            if chooser.random() < 0.4:
                seqs[player] += 1
                room.submit(player, seqs[player], _arena_input(chooser))
        room.tick()


def _arena_input(chooser: Random) -> dict[str, object]:
    kind = chooser.random()
    if kind < 0.7:
        return {"dir": [round(chooser.uniform(-1, 1), 3), round(chooser.uniform(-1, 1), 3)]}
    if kind < 0.9:
        return {"dash": True}
    return {"jump": 1}


def _seqs() -> dict[str, int]:
    return dict.fromkeys([ALICE, BOB, CAROL], 0)


def test_an_arena_match_with_many_inputs_and_a_player_leaving_replays_byte_for_byte() -> None:
    room = _room("arena", duration=15, tick_rate=20)
    for player, _name in PLAYERS:
        room.connected(player)
    seqs = _seqs()
    _play_arena(room, seqs, 100)
    room.disconnected(CAROL)
    while room.result is None:
        _play_arena(room, seqs, 1)
    kinds = [orjson.loads(entry)[1] for entry in room.log]
    assert kinds.count("input") > 200
    assert kinds.count("left") == 1
    assert room.result.reason != ""
    _assert_replays(room)


def test_a_connect_four_match_with_refused_moves_replays_byte_for_byte() -> None:
    room = _room("connect_four", players=PLAYERS[:2])
    moves = [(ALICE, 3), (BOB, 3), (BOB, 4), (ALICE, 4), (BOB, 9), (BOB, 2), (ALICE, 5)]
    moves += [(BOB, 2), (ALICE, 6)]
    for seq, (player, column) in enumerate(moves, start=1):
        room.submit(player, seq, {"column": column})
        room.tick()
    assert room.result is not None
    assert room.result.placements == {ALICE: 1, BOB: 2}
    _assert_replays(room)


def test_a_room_resumed_from_a_save_mid_match_replays_as_one_that_ran_straight_through() -> None:
    straight = _room("arena", duration=15)
    seqs = _seqs()
    _play_arena(straight, seqs, 120)
    definition = CATALOGUE["arena"]
    resumed = saves.restore(
        saves.saved(straight),
        game=definition,
        settings=straight.ctx.settings,
        players=PLAYERS,
        seat_window_seconds=1,
    )
    # Both go on with the same inputs.
    resumed_seqs = dict(seqs)
    while straight.result is None:
        _play_arena(straight, seqs, 1)
        _play_arena(resumed, resumed_seqs, 1)
    assert resumed.result is not None
    assert resumed.log == straight.log
    assert orjson.dumps(resumed.state) == orjson.dumps(straight.state)
    _assert_replays(resumed)


def test_a_match_ended_from_outside_replays_to_its_end() -> None:
    room = _room("arena")
    _play_arena(room, _seqs(), 30)
    room.abort("ended_by_admin")
    assert orjson.loads(room.log[-1]) == [30, "end", "", {"reason": "ended_by_admin"}]
    _assert_replays(room)


def test_a_match_of_another_version_of_the_rules_is_refused_clearly() -> None:
    room = _room("connect_four", players=PLAYERS[:2])
    room.tick()
    recording = _recording(room)
    old = Recording(**{**recording.__dict__, "game_version": "0"})
    with pytest.raises(ReplayVersionError, match="version 0 of Connect Four"):
        replay(room.game, old)


def test_the_replay_frames_rebuild_the_state_of_every_tick() -> None:
    room = _room("connect_four", players=PLAYERS[:2])
    states = [copy_state(room.state)]
    for seq, column in enumerate([0, 1, 0, 1, 0, 1, 0], start=1):
        room.submit(ALICE if seq % 2 else BOB, (seq + 1) // 2, {"column": column})
        room.tick()
        states.append(copy_state(room.state))
    frames = replay_frames(room.game, _recording(room))
    state = copy_state(frames["start"])
    assert state == states[0]
    for tick, patch in frames["diffs"]:
        state = apply_patch(state, patch)
        assert state == states[tick]
    assert state == room.state


def test_a_room_resumed_from_a_save_older_than_logs_plays_on_but_is_not_replayable() -> None:
    original = _room("arena")
    _play_arena(original, _seqs(), 10)
    resumed = _resumed_from_a_save_before_logs(original, saves.save(original))
    assert (resumed.ctx.tick, resumed.log, resumed.replayable) == (10, [], False)
    assert original.replayable


def _resumed_from_a_save_before_logs(original: Room, save: bytes) -> Room:
    """The room `save` resumes, written as saves were before rooms kept a log: no seed,
    no log length, no log beside it."""
    data = orjson.loads(save)
    for key in ("seed", "log_length", "replayable"):
        del data[key]
    return saves.restore(
        Saved(orjson.dumps(data), []),
        game=original.game,
        settings=original.ctx.settings,
        players=PLAYERS,
        seat_window_seconds=1,
    )


def _as_arena_version_1(save: bytes) -> bytes:
    """The save as version 1 of the arena wrote it: no version named, and each player's
    position at the save's tick in the state beside their segment, no tick rate."""
    data = orjson.loads(save)
    del data["game_version"]
    state = data["state"]
    tick_rate = state.pop("tick_rate")
    for body in state["players"].values():
        body["x"], body["y"] = arena.position(body, data["tick"], tick_rate)
    return orjson.dumps(data)


def test_a_save_of_older_rules_resumes_as_these_rules_play_the_match_s_log() -> None:
    straight = _room("arena", duration=15)
    seqs = _seqs()
    _play_arena(straight, seqs, 120)
    saved = saves.saved(straight)
    resumed = saves.restore(
        Saved(_as_arena_version_1(saved.data), saved.log),
        game=straight.game,
        settings=straight.ctx.settings,
        players=PLAYERS,
        seat_window_seconds=1,
    )
    assert orjson.dumps(resumed.state) == orjson.dumps(straight.state)
    assert resumed.ctx.random.getstate() == straight.ctx.random.getstate()
    resumed_seqs = dict(seqs)
    while straight.result is None:
        _play_arena(straight, seqs, 1)
        _play_arena(resumed, resumed_seqs, 1)
    assert orjson.dumps(resumed.state) == orjson.dumps(straight.state)
    assert resumed.result == straight.result
    _assert_replays(resumed)


def test_a_save_of_older_rules_without_the_match_s_whole_log_ends_the_match() -> None:
    original = _room("arena")
    _play_arena(original, _seqs(), 10)
    resumed = _resumed_from_a_save_before_logs(original, _as_arena_version_1(saves.save(original)))
    assert resumed.result == Result(placements={}, scores={}, reason=saves.RULES_CHANGED)
    assert (resumed.aborted, resumed.replayable) == (True, False)
    assert orjson.loads(resumed.end_frame())["result"]["reason"] == "rules_changed"
