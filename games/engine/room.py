"""A room: one game instance run authoritatively, one tick at a time.

The room is plain synchronous code with no I/O: `submit` queues a player's input,
`tick` applies the queued inputs in arrival order, advances the game and returns the
frames to send, each serialized once (frames.py); then the room's bots (bots.py) queue
theirs for the next tick. `RoomRunner` (runner.py) calls `tick`
on time and sends the frames; tests call `tick` by hand. `export` and `save` write what
another process needs to go on with the room; `from_saved` reads it back.

The room keeps a log of everything besides time that changed its state: each input given
to the game, each player the game was told had left, an end called from outside, with
its tick, in order. With the seed and the settings it replays the match exactly
(games/replay.py). Saves do not carry the log, which grows all match long: a save says
how long the log was, and the registries store the log beside it, appending only what
is new since their last save (`log_since`; docs/replays.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from random import Random
from types import MappingProxyType
from typing import Any, NamedTuple, NotRequired, TypedDict

import orjson

from game_server import metrics
from games.engine.bots import SavedBot, seat_bots
from games.engine.frames import (
    Frame,
    diff_frame,
    end_frame,
    error_frame,
    presence_frame,
    snapshot_frame,
)
from games.engine.seats import Seats
from games.engine.views import Views
from games.rules.base import Ctx, GameDef, Input, InvalidInput, Result, Settings, State


class Room:
    def __init__(
        self,
        *,
        room_id: str,
        game: GameDef,
        settings: Settings,
        players: Sequence[tuple[str, str]],
        seed: int,
        seat_window_seconds: float = 30.0,
        removed: Sequence[str] = (),
        bots: Mapping[str, str] = MappingProxyType({}),
    ) -> None:
        """`bots`: the level of each player a bot plays (`game.bot`), by player id."""
        self.room_id = room_id
        self.game = game
        self.seed = seed
        self.tick_rate = game.tick_rate(settings)
        self.seats = Seats(
            players,
            window_ticks=max(1, round(seat_window_seconds * self.tick_rate)),
            bots=bots,
        )
        self.bots = seat_bots(game, [player for player, _ in players], bots, seed)
        self.ctx = Ctx(
            tick=0,
            tick_rate=self.tick_rate,
            random=Random(seed),
            players=tuple(self.seats),
            settings=settings,
        )
        self.state = game.setup(self.ctx)
        self.acks = dict.fromkeys(self.seats, 0)
        self.result: Result | None = None
        self.aborted = False
        # The tick of the last frame sent: the base of the next diff.
        self.sent_tick = 0
        self.views = Views(game, self.ctx.players, self.state)
        self._inputs: list[tuple[str, int, Input]] = []
        self.log: list[LogEntry] = []
        # False for a room resumed from a save written before rooms kept their log (a
        # rolling restart onto this version): its log misses the match's start.
        self.replayable = True
        # Players kicked before the room started: gone at its first tick.
        for player in removed:
            self.remove(player)

    def submit(self, player: str, seq: int, data: Input) -> None:
        """Queues one input for the next tick. Sequence numbers only go up."""
        self._inputs.append((player, seq, data))

    def tick(self) -> list[Frame]:
        """Runs one tick and returns the frames to send."""
        if self.result is not None:
            return []
        ctx = self.ctx
        ctx.tick += 1
        frames: list[Frame] = []
        acked = self._apply_inputs(frames)
        self._expire_seats()
        self.state = self.game.tick(self.state, ctx)
        self.result = self.game.result(self.state, ctx)
        patches = self.views.patches(self.state)
        frames.extend(self._diff_frames(patches, force=acked))
        if self.result is not None:
            frames.append((None, self.end_frame()))
        elif self.bots:
            self._bots_think(patches)
        return frames

    def _apply_inputs(self, frames: list[Frame]) -> bool:
        inputs, self._inputs = self._inputs, []
        accepted = 0
        for player, seq, data in inputs:
            if seq <= self.acks[player]:
                message = f"Inputs must count up from {self.acks[player] + 1}."
                frames.append((player, error_frame(self.sent_tick, "stale_seq", message, seq=seq)))
                metrics.INPUTS_REFUSED.labels("stale_seq").inc()
                continue
            # Logged even if the rules refuse it: a game may have drawn a random number
            # or changed its state before refusing, and the replay must do the same.
            self.log.append((self.ctx.tick, "input", player, data))
            try:
                self.state = self.game.apply_input(self.state, self.ctx, player, data)
            except InvalidInput as error:
                frames.append(
                    (player, error_frame(self.sent_tick, error.code, error.message, seq=seq))
                )
                metrics.INPUTS_REFUSED.labels(error.code).inc()
            else:
                accepted += 1
            self.acks[player] = seq
        if accepted:
            metrics.INPUTS_ACCEPTED.inc(accepted)
        return bool(inputs)

    def _expire_seats(self) -> None:
        expired = self.seats.expired(self.ctx.tick)
        for player in expired:
            self.log.append((self.ctx.tick, "left", player, {}))
            self.state = self.game.player_left(self.state, self.ctx, player)
        if expired and self.bots and all(seat.gone or seat.bot for seat in self.seats.values()):
            # Nobody is left to play with the bots: they leave too, and the game ends
            # as it does when everyone has left.
            for player in self.bots:
                self.seats[player].gone = True
                self.log.append((self.ctx.tick, "left", player, {}))
                self.state = self.game.player_left(self.state, self.ctx, player)

    def _bots_think(self, patches: dict[str | None, dict[str, Any]]) -> None:
        """Each bot whose view changed (or that is awake) picks its input for the next
        tick from the view just sent: a view the bot must not change."""
        think = self.game.bot
        assert think is not None
        hidden = self.game.hides_information
        for player, bot in self.bots.items():
            if not (bot.awake or patches.get(player if hidden else None)):
                continue
            bot.awake = False
            if self.seats[player].gone:
                continue
            view = self.views.last_sent(self.state, player)
            data = think(view, player, bot.random, bot.level)
            if data is not None:
                bot.seq += 1
                self.submit(player, bot.seq, data)

    def _diff_frames(
        self, patches: dict[str | None, dict[str, Any]], *, force: bool
    ) -> list[Frame]:
        if not force and not any(patches.values()):
            return []
        # Every view gets a frame when one does (in a game that hides information, one
        # may change alone): each viewer's diffs then chain from the same tick.
        base, self.sent_tick = self.sent_tick, self.ctx.tick
        tick, acks = self.ctx.tick, self.acks
        return [
            (viewer, diff_frame(tick=tick, base=base, acks=acks, diff=patch))
            for viewer, patch in patches.items()
        ]

    def snapshot(self, player: str | None) -> str:
        """The last state sent, for a player who joins, reconnects or saw a gap; with
        `player` None, for a spectator."""
        return snapshot_frame(
            tick=self.sent_tick,
            acks=self.acks,
            state=self.views.last_sent(self.state, player),
            room_id=self.room_id,
            game=self.game.slug,
            tick_rate=self.tick_rate,
            you=player,
            players=self.seats.presence(),
            result=self.result,
        )

    def presence_frame(self) -> str:
        return presence_frame(self.sent_tick, self.seats.presence())

    def connected(self, player: str) -> None:
        self.seats.connected(player)

    def disconnected(self, player: str) -> None:
        """Keeps the seat for the window; the game is told at its end."""
        self.seats.disconnected(player, self.ctx.tick)

    def remove(self, player: str) -> None:
        """The lobby's host removed the player: their seat window ends now, so the next
        tick treats them as gone, as any dropped player whose window ran out."""
        self.seats.removed(player, self.ctx.tick)

    def abort(self, reason: str) -> None:
        """Ends the match now with no placements; the runner sends the end frame."""
        if self.result is None:
            self.result = Result(placements={}, scores={}, reason=reason)
            self.aborted = True
            self.log.append((self.ctx.tick, "end", "", {"reason": reason}))

    def end_frame(self) -> str:
        assert self.result is not None
        return end_frame(self.ctx.tick, self.result)

    # A save: written by `export` and `save`, read by `read_saved` and `from_saved`.

    def export(self) -> SavedRoom:
        """Everything a room needs to go on in another process, as JSON-ready data.

        Taken between ticks, when the last frames sent match the state.
        """
        version, internal, gauss = self.ctx.random.getstate()
        return {
            "match": self.room_id,
            "seed": self.seed,
            "tick": self.ctx.tick,
            "sent_tick": self.sent_tick,
            "state": self.state,
            "acks": self.acks,
            "random": (version, internal, gauss),
            "seats": {
                seat.player: (seat.connected, seat.leaves_at_tick, seat.gone)
                for seat in self.seats.values()
            },
            "inputs": self._inputs,
            "bots": {player: bot.export() for player, bot in self.bots.items()},
            "log_length": len(self.log),
            "replayable": self.replayable,
        }

    def log_since(self, start: int) -> list[bytes]:
        """The log's entries from `start` on, each serialized: what a registry appends
        to the log it stores beside a save."""
        return [orjson.dumps(entry) for entry in self.log[start:]]

    def saved(self) -> Saved:
        """A save and the whole log, as a registry reads them back."""
        return Saved(self.save(), list(self.log))

    def save(self) -> bytes:
        """`export` serialized: what the registries store, in Redis and the database."""
        return orjson.dumps(self.export())

    @staticmethod
    def read_saved(data: bytes) -> SavedRoom:
        """A `save` as `export` wrote it (JSON has turned its tuples into lists)."""
        saved: SavedRoom = orjson.loads(data)
        return saved

    @classmethod
    def from_saved(
        cls,
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
        saved = cls.read_saved(saved_room.data)
        length = saved.get("log_length", 0)
        if len(saved_room.log) < length:
            raise ValueError(
                f"room {saved['match']}: its save counts {length} log entries, "
                f"{len(saved_room.log)} were stored"
            )
        room = cls(
            room_id=saved["match"],
            game=game,
            settings=settings,
            players=players,
            # The generator's state comes from the save.
            seed=saved.get("seed", 0),
            seat_window_seconds=seat_window_seconds,
            bots=bots,
        )
        version, internal, gauss = saved["random"]
        room.ctx.random.setstate((version, tuple(internal), gauss))
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
        room._inputs = [(player, seq, sent) for player, seq, sent in saved["inputs"]]
        # A save from before bots were part of it holds none.
        for player, saved_bot in saved.get("bots", {}).items():
            room.bots[player].restore(saved_bot)
        room.log = [
            (tick, kind, player, data) for tick, kind, player, data in saved_room.log[:length]
        ]
        room.replayable = saved.get("replayable", False)
        room.views.reset(room.state)
        for player in removed:
            room.remove(player)
        return room


class SavedRoom(TypedDict):
    """A room as `Room.export` writes it, JSON-ready: what a save holds."""

    match: str
    # The match's seed, which its replay starts from.
    seed: int
    tick: int
    sent_tick: int
    state: State
    acks: dict[str, int]
    # The generator's `getstate()`.
    random: tuple[int, tuple[int, ...], float | None]
    # Per player: whether connected, the tick their seat window ends (0 while
    # connected), whether gone.
    seats: dict[str, tuple[bool, int, bool]]
    # Inputs queued for the next tick: player, sequence number, input.
    inputs: list[tuple[str, int, Input]]
    # Per bot (bots.py): its sequence number, whether awake, its random source's state.
    bots: NotRequired[dict[str, SavedBot]]
    # How many entries the room's log had: the registry stores them beside the save.
    log_length: int
    # Whether the log holds the whole match (`Room.replayable`). Saves written before
    # rooms kept a log have neither this nor `seed` nor `log_length`.
    replayable: bool


# One entry of a room's log: the tick, what happened ("input": the player's input was
# given to the game; "left": the game was told the player left; "end": the match was
# ended from outside, {"reason": ...}), the player ("" for an end), and the input.
LogEntry = tuple[int, str, str, Input]


class Saved(NamedTuple):
    """A save as a registry reads it back: `Room.save`'s data and the log stored beside
    it, at least as long as the save counts."""

    data: bytes
    log: list[LogEntry]
