"""Bots in a room: seats without sockets whose inputs go through the room's queue,
applied and acked at the next tick, the same from the same seed, kept by a save."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import orjson

from games.engine import saves
from games.engine.room import Room
from games.engine.saves import Saved
from games.rules import CATALOGUE

HUMAN = "1"
ARENA_PLAYERS = [(HUMAN, "Alice"), ("bot1", "Bot 2"), ("bot2", "Bot 3"), ("bot3", "Bot 4")]
ARENA_BOTS = {"bot1": "normal", "bot2": "normal", "bot3": "normal"}


def _room(game: str, players: list[tuple[str, str]], bots: dict[str, str], seed: int = 5) -> Room:
    definition = CATALOGUE[game]
    room = Room(
        room_id="r1",
        game=definition,
        settings=definition.clean_settings({}),
        players=players,
        seed=seed,
        seat_window_seconds=1,
        bots=bots,
    )
    room.connected(HUMAN)
    return room


def _connect_four() -> Room:
    return _room("connect_four", [(HUMAN, "Alice"), ("bot1", "Bot 2")], {"bot1": "hard"})


def _messages(frames: list[tuple[str | None, str]]) -> list[dict[str, Any]]:
    return [orjson.loads(text) for _, text in frames]


def test_a_bot_moves_at_the_tick_after_the_human_and_is_acked() -> None:
    room = _connect_four()
    assert room.tick() == []
    room.submit(HUMAN, 1, {"column": 3})
    (human_move,) = _messages(room.tick())
    assert human_move["diff"]["cells"] == {"0,3": HUMAN}
    (bot_move,) = _messages(room.tick())
    assert bot_move["acks"] == [1, 1]
    assert list(bot_move["diff"]["cells"].values()) == ["bot1"]
    assert bot_move["diff"]["turn"] == HUMAN


def test_a_bot_does_not_think_again_until_its_view_changes() -> None:
    room = _connect_four()
    room.submit(HUMAN, 1, {"column": 3})
    room.tick()
    room.tick()
    for _ in range(20):
        assert room.tick() == []
    assert room.acks["bot1"] == 1


def test_bots_play_the_same_from_the_same_seed_and_differently_from_another() -> None:
    first = _room("arena", ARENA_PLAYERS, ARENA_BOTS, seed=9)
    second = _room("arena", ARENA_PLAYERS, ARENA_BOTS, seed=9)
    other = _room("arena", ARENA_PLAYERS, ARENA_BOTS, seed=10)
    same = [first.tick() == second.tick() for _ in range(200)]
    assert all(same)
    differ = [first.tick() != other.tick() for _ in range(20)]
    assert any(differ)


def test_arena_bots_collect_pellets_while_the_human_stands_still() -> None:
    room = _room("arena", ARENA_PLAYERS, ARENA_BOTS)
    for _ in range(20 * 20):
        room.tick()
    scores = {player: body["score"] for player, body in room.state["players"].items()}
    assert all(scores[bot] > scores[HUMAN] + 3 for bot in ARENA_BOTS)
    assert all(room.acks[bot] > 0 for bot in ARENA_BOTS)


def test_a_restored_room_with_bots_plays_on_exactly_the_same() -> None:
    original = _room("arena", ARENA_PLAYERS, ARENA_BOTS)
    for _ in range(37):
        original.tick()
    definition = CATALOGUE["arena"]
    restored = saves.restore(
        Saved(saves.save(original), list(original.log)),
        game=definition,
        settings=definition.clean_settings({}),
        players=ARENA_PLAYERS,
        seat_window_seconds=1,
        bots=ARENA_BOTS,
    )
    restored.connected(HUMAN)
    for _ in range(100):
        assert restored.tick() == original.tick()
    assert restored.log == original.log


def test_presence_marks_bots_always_connected() -> None:
    room = _connect_four()
    players = orjson.loads(room.snapshot(HUMAN))["room"]["players"]
    assert players["bot1"] == {
        "name": "Bot 2",
        "seat": 1,
        "connected": True,
        "gone": False,
        "bot": True,
    }
    assert players[HUMAN]["bot"] is False


def test_bots_never_leave_while_a_human_plays_and_leave_when_the_last_one_is_gone() -> None:
    room = _room("arena", ARENA_PLAYERS, ARENA_BOTS)
    for _ in range(5 * 20):
        room.tick()
    assert not any(room.seats[bot].gone for bot in ARENA_BOTS)
    room.disconnected(HUMAN)
    frames = [frame for _ in range(21) for frame in room.tick()]
    assert room.result is not None
    assert room.result.reason == "abandoned"
    assert all(room.seats[bot].gone for bot in ARENA_BOTS)
    assert _messages(frames)[-1]["type"] == "end"


def test_a_bot_s_input_reaches_no_socket() -> None:
    room = _connect_four()
    room.submit(HUMAN, 1, {"column": 3})
    frames = [frame for _ in range(3) for frame in room.tick()]
    assert {to for to, _ in frames} == {None}


def test_a_bot_in_a_game_that_hides_information_plays_from_its_own_view_alone() -> None:
    """Battleship's bot is handed its own view on every turn: of the person's fleet, only
    ships already sunk, until the match is over; and it plays the match to its end."""
    battleship = CATALOGUE["battleship"]
    seen: list[dict[str, Any]] = []

    def watched_bot(view: dict[str, Any], player: str, random: Any, level: str, tick: int) -> Any:
        seen.append(orjson.loads(orjson.dumps(view)))
        assert battleship.bot is not None
        return battleship.bot(view, player, random, level, tick)

    room = Room(
        room_id="r1",
        game=replace(battleship, bot=watched_bot),
        settings=battleship.clean_settings({"size": 6, "fleet": "small"}),
        players=[(HUMAN, "Alice"), ("bot1", "Bot 2")],
        seed=11,
        bots={"bot1": "normal"},
    )
    room.connected(HUMAN)
    room.submit(HUMAN, 1, {"ready": True})
    seq, shots = 1, [(row, column) for row in range(6) for column in range(6)]
    for _ in range(2000):
        room.tick()
        if room.result is not None:
            break
        if room.state["turn"] == HUMAN and shots:
            seq += 1
            room.submit(HUMAN, seq, {"fire": list(shots.pop())})

    assert room.result is not None
    assert any(view["phase"] == "firing" for view in seen)
    for view in seen:
        if view["phase"] != "over":
            assert all(ship["sunk"] for ship in view["boards"][HUMAN]["ships"].values())
