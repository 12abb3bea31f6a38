"""A finished match played again from its record: pure, no Django, no clock.

A `Recording` is what the room recorded when its match ended (games/models.py
`MatchReplay`): the game's version, the seed, the settings, the players in seat order,
the last tick and the room's log (games/engine/room.py). `replay` builds the game as the
room did, with the same seeded random source, gives it each logged event at its tick in
the order the room did (inputs and players leaving before that tick's `tick()`, an end
called from outside after it) and returns the final state and result, which equal the
room's byte for byte. `replay_states` yields the state after every tick, for the replay
page's frames (`replay_frames`, kept and sent gzip-compressed: `replay_frames_gzip`).
"""

from __future__ import annotations

import contextlib
import gzip
from collections import defaultdict, deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from random import Random
from typing import Any

import orjson

from games.engine.diff import copy_state, diff_into
from games.engine.room import LogEntry
from games.rules.base import Ctx, GameDef, InvalidInput, Result, Settings, State

# How hard the replay page's frames are compressed, once a match: level 6 makes the
# longest arena match's 1.6 MB of JSON a quarter of that in 50 to 65 ms; level 9 saves
# 4 % more in three times the time (bench/replay_frames.py).
FRAMES_GZIP_LEVEL = 6


class ReplayVersionError(Exception):
    """The match was played under another version of the game's rules."""

    def __init__(self, game: GameDef, recorded: str) -> None:
        super().__init__(
            f"This match was played with version {recorded} of {game.name}; this server "
            f"runs version {game.version}, which may play the same inputs differently."
        )
        self.recorded = recorded
        self.running = game.version


@dataclass(frozen=True)
class Recording:
    game_version: str
    seed: int
    settings: Settings
    players: Sequence[tuple[str, str]]
    ticks: int
    log: Sequence[LogEntry]


@dataclass(frozen=True)
class Replayed:
    state: State
    result: Result | None
    # The game's random source, as the match left it.
    random: Random


def replay(game: GameDef, recording: Recording) -> Replayed:
    """The final state and result of the recorded match."""
    random = Random(recording.seed)
    [(_tick, state, result)] = deque(_played(game, recording, random), maxlen=1)
    return Replayed(state, result, random)


def replay_states(
    game: GameDef, recording: Recording
) -> Iterator[tuple[int, State, Result | None]]:
    """The tick, the state and the result (None while it runs) at tick 0 and after every
    tick. The state is the game's own, changed in place by the next tick: copy it to keep
    it."""
    return _played(game, recording, Random(recording.seed))


def _played(
    game: GameDef, recording: Recording, random: Random
) -> Iterator[tuple[int, State, Result | None]]:
    """`replay_states`, drawing from `random`, seeded with the recording's seed."""
    if recording.game_version != game.version:
        raise ReplayVersionError(game, recording.game_version)
    ctx = Ctx(
        tick=0,
        tick_rate=game.tick_rate(recording.settings),
        random=random,
        players=tuple(player for player, _name in recording.players),
        settings=recording.settings,
    )
    events: defaultdict[int, list[LogEntry]] = defaultdict(list)
    for entry in recording.log:
        events[entry[0]].append(entry)
    state = game.setup(ctx)
    result = _ended(events[0], None)
    yield 0, state, result
    for tick in range(1, recording.ticks + 1):
        ctx.tick = tick
        for _tick, kind, player, data in events[tick]:
            if kind == "input":
                # Refused as the room refused it, having done what the room's game did.
                with contextlib.suppress(InvalidInput):
                    state = game.apply_input(state, ctx, player, data)
            elif kind == "left":
                state = game.player_left(state, ctx, player)
        state = game.tick(state, ctx)
        result = _ended(events[tick], game.result(state, ctx))
        yield tick, state, result


def _ended(events: list[LogEntry], result: Result | None) -> Result | None:
    """The result, or the end called from outside (`Room.abort`) after this tick."""
    for _tick, kind, _player, data in events:
        if kind == "end":
            return Result(placements={}, scores={}, reason=str(data["reason"]))
    return result


def replay_frames(game: GameDef, recording: Recording) -> dict[str, Any]:
    """The match for the replay page: the state at tick 0, then each tick that changed it
    as a merge patch (diff.py) `[tick, patch]`. The match is over, so the whole state is
    shown, hidden information included."""
    states = replay_states(game, recording)
    _tick, first, _result = next(states)
    start = copy_state(first)
    last = copy_state(first)
    diffs: list[tuple[int, dict[str, Any]]] = []
    for tick, state, _result in states:
        if patch := diff_into(last, state):
            diffs.append((tick, patch))
    return {"start": start, "diffs": diffs}


def replay_frames_gzip(game: GameDef, recording: Recording) -> bytes:
    """`replay_frames` as gzip-compressed JSON: the replay page's frames as they are kept
    with the match's record and sent to browsers."""
    frames = orjson.dumps(replay_frames(game, recording))
    return gzip.compress(frames, compresslevel=FRAMES_GZIP_LEVEL, mtime=0)
