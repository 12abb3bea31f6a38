"""What a room shows a spectator: the state everyone sees, or the public view of a game
that hides information, which the room diffs only once someone watches."""

from __future__ import annotations

import dataclasses

import orjson

from games.engine.diff import apply_patch
from games.engine.frames import SPECTATORS
from games.engine.room import Room
from games.rules import CATALOGUE
from games.rules.base import Ctx, GameDef, State
from tests.harness.example_game import GAME as ROCK_PAPER_SCISSORS

ALICE, BOB = "1", "2"
PLAYERS = [(ALICE, "Alice"), (BOB, "Bob")]


def _room(game: GameDef) -> Room:
    return Room(
        room_id="r1",
        game=game,
        settings=game.clean_settings({}),
        players=PLAYERS,
        seed=7,
    )


def test_a_spectators_snapshot_is_the_state_and_says_they_are_watching() -> None:
    room = _room(CATALOGUE["connect_four"])
    room.submit(ALICE, 1, {"column": 3})
    room.tick()
    watching = orjson.loads(room.snapshot(None))
    playing = orjson.loads(room.snapshot(ALICE))
    assert (watching["room"]["you"], watching["room"]["spectator"]) == (None, True)
    assert (playing["room"]["you"], playing["room"]["spectator"]) == (ALICE, False)
    assert watching["state"] == playing["state"] == room.state
    assert set(watching["room"]["players"]) == {ALICE, BOB}


def test_in_a_game_that_hides_information_a_spectator_sees_the_public_view() -> None:
    room = _room(ROCK_PAPER_SCISSORS)
    room.submit(ALICE, 1, {"move": "rock"})
    room.tick()
    snapshot = orjson.loads(room.snapshot(None))
    assert snapshot["state"]["picks"] == {ALICE: "hidden"}
    assert orjson.loads(room.snapshot(ALICE))["state"]["picks"] == {ALICE: "rock"}


def test_once_watched_the_public_view_goes_to_spectators_diff_by_diff() -> None:
    room = _room(ROCK_PAPER_SCISSORS)
    client = orjson.loads(room.snapshot(None))["state"]
    sent_to_spectators = []
    moves = [(ALICE, "rock"), (BOB, "paper"), (ALICE, "paper"), (BOB, "paper")]
    for seq, (player, move) in enumerate(moves, start=1):
        room.submit(player, seq, {"move": move})
        for target, text in room.tick():
            frame = orjson.loads(text)
            if target == SPECTATORS:
                sent_to_spectators.append(frame)
                client = apply_patch(client, frame["diff"])
    assert [frame["tick"] for frame in sent_to_spectators] == [1, 2, 3, 4]
    assert client == ROCK_PAPER_SCISSORS.view(room.state, None)
    assert client["last_round"] == {ALICE: "paper", BOB: "paper"}


def test_a_room_nobody_watches_makes_no_public_view() -> None:
    asked: list[str | None] = []

    def view(state: State, player: str | None) -> State:
        asked.append(player)
        return ROCK_PAPER_SCISSORS.view(state, player)

    room = _room(dataclasses.replace(ROCK_PAPER_SCISSORS, view=view))
    room.submit(ALICE, 1, {"move": "rock"})
    frames = room.tick()
    assert SPECTATORS not in {target for target, _text in frames}
    assert None not in asked


def _deal_the_first_player_a_card(state: State, ctx: Ctx) -> State:
    if ctx.tick == 2:
        state["cards"][ctx.players[0]] = 7
    return state


def _own_cards(state: State, player: str | None) -> State:
    return {"cards": {owner: card for owner, card in state["cards"].items() if owner == player}}


# A game that hides information and changes, on a tick, what only one player sees.
SECRET_CARDS = GameDef(
    slug="secret_cards",
    name="Secret cards",
    description="Alice is dealt a card nobody else sees.",
    min_players=2,
    max_players=2,
    realtime=False,
    settings=(),
    tick_rate=lambda settings: 10,
    setup=lambda ctx: {"cards": {}},
    apply_input=lambda state, ctx, player, data: state,
    tick=_deal_the_first_player_a_card,
    player_left=lambda state, ctx, player: state,
    result=lambda state, ctx: None,
    view=_own_cards,
    hides_information=True,
)


def test_a_change_one_viewer_sees_sends_every_viewer_a_frame_so_that_diffs_chain() -> None:
    room = _room(SECRET_CARDS)
    room.snapshot(None)
    assert room.tick() == []
    frames = {target: orjson.loads(text) for target, text in room.tick()}
    assert set(frames) == {ALICE, BOB, SPECTATORS}
    assert {(frame["base"], frame["tick"]) for frame in frames.values()} == {(0, 2)}
    assert (frames[ALICE]["diff"], frames[BOB]["diff"]) == ({"cards": {ALICE: 7}}, {})
