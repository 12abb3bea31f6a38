"""Rock paper scissors: the example game of docs/writing-a-game.md, kept here to test it.

Both players pick in secret; when both have picked, the round is scored and the picks
are shown. The first to `first_to` round wins takes the match. A player who has not
picked when the round timer runs out gets a random pick.
"""

from __future__ import annotations

from games.rules.base import Ctx, GameDef, Input, InvalidInput, Result, Setting, Settings, State

MOVES = ("rock", "paper", "scissors")
BEATS = {"rock": "scissors", "paper": "rock", "scissors": "paper"}
TICK_RATE = 10

SETTINGS = (
    Setting("first_to", "Rounds to win", 2, minimum=1, maximum=5),
    Setting("round_seconds", "Seconds per round (0 for no limit)", 10, minimum=0, maximum=60),
)


def tick_rate(settings: Settings) -> int:
    return TICK_RATE


def setup(ctx: Ctx) -> State:
    return {
        "round": 1,
        "picks": {},  # player -> move, hidden from the other player until the round ends
        "last_round": {},  # player -> move, both shown once a round is scored
        "wins": {player: 0 for player in ctx.players},
        "deadline_tick": _deadline(ctx),
        "winner": "",  # never None: null would delete the key from every client's state
        "reason": "",
    }


def _deadline(ctx: Ctx) -> int:
    seconds = int(ctx.settings["round_seconds"])
    return ctx.tick + seconds * ctx.tick_rate if seconds else 0


def apply_input(state: State, ctx: Ctx, player: str, data: Input) -> State:
    if state["winner"]:
        raise InvalidInput("game_over")
    if data.keys() != {"move"} or data["move"] not in MOVES:
        raise InvalidInput("unknown_input", 'Send {"move": "rock"}, "paper" or "scissors".')
    if player in state["picks"]:
        raise InvalidInput("already_picked")
    state["picks"][player] = data["move"]
    if len(state["picks"]) == len(ctx.players):
        _score_round(state, ctx)
    return state


def tick(state: State, ctx: Ctx) -> State:
    """The round timer: whoever has not picked in time gets a random move."""
    if state["winner"] or not state["deadline_tick"] or ctx.tick < state["deadline_tick"]:
        return state
    for player in ctx.players:
        if player not in state["picks"]:
            state["picks"][player] = ctx.random.choice(MOVES)
    _score_round(state, ctx)
    return state


def _score_round(state: State, ctx: Ctx) -> None:
    first, second = ctx.players
    picks = state["picks"]
    if BEATS[picks[first]] == picks[second]:
        state["wins"][first] += 1
    elif BEATS[picks[second]] == picks[first]:
        state["wins"][second] += 1
    state["last_round"], state["picks"] = picks, {}
    state["round"] += 1
    state["deadline_tick"] = _deadline(ctx)
    for player, wins in state["wins"].items():
        if wins >= ctx.settings["first_to"]:
            state["winner"], state["reason"], state["deadline_tick"] = player, "won", 0


def player_left(state: State, ctx: Ctx, player: str) -> State:
    if not state["winner"]:
        state["winner"] = next(other for other in ctx.players if other != player)
        state["reason"], state["deadline_tick"] = "forfeit", 0
    return state


def result(state: State, ctx: Ctx) -> Result | None:
    if not state["winner"]:
        return None
    placements = {player: 1 if player == state["winner"] else 2 for player in ctx.players}
    return Result(placements=placements, scores=dict(state["wins"]), reason=state["reason"])


def view(state: State, player: str | None) -> State:
    """Each player sees their own pick; the other's only as "hidden" (a spectator, with
    `player` None, sees every pick as "hidden")."""
    picks = {other: move if other == player else "hidden" for other, move in state["picks"].items()}
    return {**state, "picks": picks}


GAME = GameDef(
    slug="rock_paper_scissors",
    name="Rock Paper Scissors",
    description="Pick in secret; first to win the set number of rounds wins.",
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
)
