"""A room: one game instance run authoritatively, one tick at a time.

The room is plain synchronous code with no I/O: `submit` queues a player's input,
`tick` applies the queued inputs in arrival order, advances the game and returns the
frames to send, each serialized once (frames.py); then the room's bots (bots.py) queue
theirs for the next tick. `RoomRunner` (runner.py) calls `tick` on time and sends the
frames; tests call `tick` by hand. saves.py writes what another process needs to go on
with the room, and reads it back.

The room keeps a log of everything besides time that changed its state: each input given
to the game, each player the game was told had left, an end called from outside, with
its tick, in order. With the seed and the settings it replays the match exactly
(games/replay.py). Saves do not carry the log, which grows all match long: a save says
how long the log was, and the registries store the log beside it, appending only what
is new since their last save (`log_since`; docs/replays.md). Each entry is serialized
as it is written: the log lives as long as the match, and entries held as Python
objects kept the garbage collector busy (a collection of a young generation full of
them stopped every room for 280 ms at 140 rooms; bench/README.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from random import Random
from types import MappingProxyType
from typing import Any

import orjson

from game_server import metrics
from games.engine.bots import seat_bots
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
from games.rules.base import Ctx, GameDef, Input, InvalidInput, Result, Settings


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
        # The seq of each player's last input applied, in seat order: frames carry the
        # values alone, by seat number (docs/protocol.md).
        self.acks = dict.fromkeys(self.seats, 0)
        self.result: Result | None = None
        self.aborted = False
        # The tick of the last frame sent: the base of the next diff.
        self.sent_tick = 0
        self.views = Views(game, self.ctx.players, self.state)
        # Inputs for the next tick, in arrival order: player, sequence number, input.
        self.queued: list[tuple[str, int, Input]] = []
        # Each entry as JSON (`LogEntry`).
        self.log: list[bytes] = []
        # False for a room resumed from a save written before rooms kept their log (a
        # rolling restart onto this version): its log misses the match's start.
        self.replayable = True
        # Players kicked before the room started: gone at its first tick.
        for player in removed:
            self.remove(player)

    def submit(self, player: str, seq: int, data: Input) -> None:
        """Queues one input for the next tick. Sequence numbers only go up."""
        self.queued.append((player, seq, data))

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
        inputs, self.queued = self.queued, []
        accepted = 0
        for player, seq, data in inputs:
            if seq <= self.acks[player]:
                message = f"Inputs must count up from {self.acks[player] + 1}."
                frames.append((player, error_frame(self.sent_tick, "stale_seq", message, seq=seq)))
                metrics.INPUTS_REFUSED.labels("stale_seq").inc()
                continue
            # Logged even if the rules refuse it: a game may have drawn a random number
            # or changed its state before refusing, and the replay must do the same.
            self._log("input", player, data)
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
            self._log("left", player, {})
            self.state = self.game.player_left(self.state, self.ctx, player)
        if expired and self.bots and all(seat.gone or seat.bot for seat in self.seats.values()):
            # Nobody is left to play with the bots: they leave too, and the game ends
            # as it does when everyone has left.
            for player in self.bots:
                self.seats[player].gone = True
                self._log("left", player, {})
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
            data = think(view, player, bot.random, bot.level, self.ctx.tick)
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
        tick, acks = self.ctx.tick, list(self.acks.values())
        return [
            (viewer, diff_frame(tick=tick, base=base, acks=acks, diff=patch))
            for viewer, patch in patches.items()
        ]

    def snapshot(self, player: str | None) -> str:
        """The last state sent, for a player who joins, reconnects or saw a gap; with
        `player` None, for a spectator."""
        return snapshot_frame(
            tick=self.sent_tick,
            acks=list(self.acks.values()),
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
        """A socket of the player joined, and gets the last state sent as its snapshot.
        Their inputs not applied yet came from the socket before it, whose page threw
        them away on this snapshot (docs/protocol.md): applied later, they would take
        the new page's next `seq` numbers."""
        self.seats.connected(player)
        self.queued = [queued for queued in self.queued if queued[0] != player]

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
            self._log("end", "", {"reason": reason})

    def end_frame(self) -> str:
        assert self.result is not None
        return end_frame(self.ctx.tick, self.result)

    def _log(self, kind: str, player: str, data: Input) -> None:
        self.log.append(serialized_entry((self.ctx.tick, kind, player, data)))

    def log_since(self, start: int) -> list[bytes]:
        """The log's entries from `start` on, each serialized: what a registry appends
        to the log it stores beside a save."""
        return self.log[start:]


def serialized_entry(entry: LogEntry) -> bytes:
    """One log entry as JSON, in bytes of its own size. orjson's output keeps the buffer
    it was written in, 4 KB whatever the length: a log keeps every entry all match long,
    and 4 KB an input was 19 MB more memory each second at 60 rooms (bench/README.md)."""
    return orjson.dumps(entry).decode().encode()


def log_json(entries: list[bytes]) -> bytes:
    """Serialized log entries as one JSON array."""
    return b"[" + b",".join(entries) + b"]"


# One entry of a room's log: the tick, what happened ("input": the player's input was
# given to the game; "left": the game was told the player left; "end": the match was
# ended from outside, {"reason": ...}), the player ("" for an end), and the input.
LogEntry = tuple[int, str, str, Input]
