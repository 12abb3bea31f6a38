"""A room's save: what another process needs to go on with a room, written and read here.

`export` takes it between two ticks, as JSON-ready data (`SavedRoom`), and `save`
serializes it for the registries, which store it in Redis and the database; `read`
turns their bytes back into it, and `restore` builds the room that goes on from it.
A save does not carry the room's log, which grows all match long: it says how long the
log was, and the registries store the log beside it (`Saved`; docs/replays.md).

A save names the version of its game's rules it was written under. A room restored under
another version does not go on from the saved state, which those rules made: it plays
its log again under the rules it runs now, and goes on from what they make of the match.
A room whose log misses the match's start cannot: its match ends at once, with the reason
`rules_changed`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from random import Random
from types import MappingProxyType
from typing import NamedTuple, NotRequired, TypedDict

import orjson

from games.engine.room import Room
from games.replay import Recording, replay
from games.rules.base import GameDef, Input, Settings, State

# How a match ends whose save was written under other rules, and cannot be played again.
RULES_CHANGED = "rules_changed"


def export(room: Room) -> SavedRoom:
    """Everything a room needs to go on in another process, as JSON-ready data.

    Taken between ticks, when the last frames sent match the state.
    """
    return {
        "match": room.room_id,
        "game_version": room.game.version,
        "seed": room.seed,
        "tick": room.ctx.tick,
        "sent_tick": room.sent_tick,
        "state": room.state,
        "acks": room.acks,
        "random": _random_state(room.ctx.random),
        "seats": {
            seat.player: (seat.connected, seat.leaves_at_tick, seat.gone)
            for seat in room.seats.values()
        },
        "inputs": room.queued,
        "bots": {
            player: (bot.seq, bot.awake, _random_state(bot.random))
            for player, bot in room.bots.items()
        },
        "log_length": len(room.log),
        "replayable": room.replayable,
    }


def save(room: Room) -> bytes:
    """`export` serialized: what the registries store, in Redis and the database."""
    return orjson.dumps(export(room))


def saved(room: Room) -> Saved:
    """A save and the whole log, as a registry reads them back."""
    return Saved(save(room), list(room.log))


def read(data: bytes) -> SavedRoom:
    """A `save` as `export` wrote it (JSON has turned its tuples into lists)."""
    read_back: SavedRoom = orjson.loads(data)
    return read_back


def restore(
    saved_room: Saved,
    *,
    game: GameDef,
    settings: Settings,
    players: Sequence[tuple[str, str]],
    seat_window_seconds: float = 30.0,
    removed: Sequence[str] = (),
    bots: Mapping[str, str] = MappingProxyType({}),
) -> Room:
    """The room a `save` holds, going on from it; every seat but a bot's waits for its
    socket to join again. `removed`: players kicked since the save, gone at its next
    tick."""
    saved = read(saved_room.data)
    length = saved.get("log_length", 0)
    if len(saved_room.log) < length:
        raise ValueError(
            f"room {saved['match']}: its save counts {length} log entries, "
            f"{len(saved_room.log)} were stored"
        )
    room = Room(
        room_id=saved["match"],
        game=game,
        settings=settings,
        players=players,
        # The generator's state comes from the save.
        seed=saved.get("seed", 0),
        seat_window_seconds=seat_window_seconds,
        bots=bots,
    )
    _set_random_state(room.ctx.random, saved["random"])
    room.ctx.tick = saved["tick"]
    room.sent_tick = saved["sent_tick"]
    room.state = saved["state"]
    room.acks = {player: saved["acks"].get(player, 0) for player in room.seats}
    for player, (connected, leaves_at_tick, gone) in saved["seats"].items():
        seat = room.seats[player]
        seat.connected, seat.leaves_at_tick, seat.gone = seat.bot, leaves_at_tick, gone
        if connected and not seat.bot:
            # Its socket joins again within moments, or the seat window runs.
            room.disconnected(player)
    room.queued = [(player, seq, sent) for player, seq, sent in saved["inputs"]]
    # A save from before bots were part of it holds none.
    for player, (seq, awake, random_state) in saved.get("bots", {}).items():
        bot = room.bots[player]
        bot.seq, bot.awake = seq, awake
        _set_random_state(bot.random, random_state)
    room.log = saved_room.log[:length]
    room.replayable = saved.get("replayable", False)
    # Saves written before they named the version are of every game's first.
    if saved.get("game_version", "1") != game.version:
        _under_the_rules_now(room)
    room.views.reset(room.state)
    for player in removed:
        room.remove(player)
    return room


def _under_the_rules_now(room: Room) -> None:
    """The room's state and random source as the rules it runs now make them from its log:
    its save was written under another version of them. Without the match's whole log,
    the match ends."""
    if not room.replayable:
        room.abort(RULES_CHANGED)
        return
    recording = Recording(
        game_version=room.game.version,
        seed=room.seed,
        settings=room.ctx.settings,
        players=[(seat.player, seat.name) for seat in room.seats.values()],
        ticks=room.ctx.tick,
        log=[orjson.loads(entry) for entry in room.log],
    )
    replayed = replay(room.game, recording)
    room.state, room.ctx.random = replayed.state, replayed.random


def _random_state(random: Random) -> SavedRandom:
    version, internal, gauss = random.getstate()
    return (version, internal, gauss)


def _set_random_state(random: Random, saved: SavedRandom) -> None:
    """A random source back where `_random_state` found it (JSON turned its tuple into a
    list)."""
    version, internal, gauss = saved
    random.setstate((version, tuple(internal), gauss))


# A random source's `getstate()`.
SavedRandom = tuple[int, tuple[int, ...], float | None]
# A bot's save (bots.py): its last sequence number, whether it thinks at the next tick's
# end, and its random source's state.
SavedBot = tuple[int, bool, SavedRandom]


class SavedRoom(TypedDict):
    """A room as `export` writes it, JSON-ready: what a save holds."""

    match: str
    # The version of the game's rules the state was made under (`GameDef.version`).
    game_version: NotRequired[str]
    # The match's seed, which its replay starts from.
    seed: int
    tick: int
    sent_tick: int
    state: State
    acks: dict[str, int]
    # The generator's `getstate()`.
    random: SavedRandom
    # Per player: whether connected, the tick their seat window ends (0 while
    # connected), whether gone.
    seats: dict[str, tuple[bool, int, bool]]
    # Inputs queued for the next tick: player, sequence number, input.
    inputs: list[tuple[str, int, Input]]
    # Per bot.
    bots: NotRequired[dict[str, SavedBot]]
    # How many entries the room's log had: the registry stores them beside the save.
    log_length: int
    # Whether the log holds the whole match (`Room.replayable`). Saves written before
    # rooms kept a log have neither this nor `seed` nor `log_length`.
    replayable: bool


class Saved(NamedTuple):
    """A save as a registry reads it back: `save`'s data and the log stored beside
    it, at least as long as the save counts."""

    data: bytes
    # Each entry serialized, as the room holds it.
    log: list[bytes]
