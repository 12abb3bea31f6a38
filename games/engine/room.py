"""A room: one game instance run authoritatively, one tick at a time.

The room is plain synchronous code with no I/O: `submit` queues a player's input,
`tick` applies the queued inputs in arrival order, advances the game and returns the
frames to send, each serialized once. `RoomRunner` (runner.py) calls `tick` on time and
sends the frames; tests call `tick` by hand.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from random import Random
from typing import Any

import orjson

from game_server import metrics
from games.engine.diff import copy_state, diff_into
from games.rules.base import Ctx, GameDef, Input, InvalidInput, Result, Settings

PROTOCOL_VERSION = 1

# Who a frame is for: everyone in the room (None), one player (their id), or, in a game
# that hides information, SPECTATORS: the view of someone without a seat. Player ids are
# user ids, never this word.
SPECTATORS = "spectators"
Frame = tuple[str | None, str]


def dumps(message: dict[str, Any]) -> str:
    return orjson.dumps(message).decode()


def error_frame(tick: int, code: str, message: str, *, seq: int | None = None) -> str:
    """The one shape of an error frame, from the room or from a player's socket."""
    error: dict[str, Any] = {"type": "error", "tick": tick, "code": code, "message": message}
    if seq is not None:
        error["seq"] = seq
    return dumps(error)


@dataclass
class Seat:
    player: str
    name: str
    number: int
    connected: bool = False
    # The tick after which a dropped player is treated as gone; 0 while connected.
    leaves_at_tick: int = 0
    gone: bool = False


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
    ) -> None:
        self.room_id = room_id
        self.game = game
        self.tick_rate = game.tick_rate(settings)
        self.seats = {
            player: Seat(player, name, number) for number, (player, name) in enumerate(players)
        }
        self.ctx = Ctx(
            tick=0,
            tick_rate=self.tick_rate,
            random=Random(seed),
            players=tuple(self.seats),
            settings=settings,
        )
        self.state = game.setup(self.ctx)
        self.seat_window_ticks = max(1, round(seat_window_seconds * self.tick_rate))
        self.acks = dict.fromkeys(self.seats, 0)
        self.result: Result | None = None
        self.aborted = False
        # The tick of the last frame sent: the base of the next diff.
        self.sent_tick = 0
        # A game that hides information diffs its public view only once someone watched.
        self._watched = False
        self._inputs: list[tuple[str, int, Input]] = []
        self._views = {key: copy_state(state) for key, state in self._current_views().items()}
        # Players kicked before the room started: gone at its first tick.
        for player in removed:
            self.remove(player)

    def _current_views(self) -> dict[str | None, Any]:
        if not self.game.hides_information:
            return {None: self.state}
        views = {player: self.game.view(self.state, player) for player in self.seats}
        if self._watched:
            views[SPECTATORS] = self.game.view(self.state, None)
        return views

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
        frames.extend(self._diff_frames(force=acked))
        if self.result is not None:
            frames.append((None, self.end_frame()))
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
        for seat in self.seats.values():
            if seat.leaves_at_tick and not seat.gone and self.ctx.tick >= seat.leaves_at_tick:
                seat.gone = True
                self.state = self.game.player_left(self.state, self.ctx, seat.player)

    def _diff_frames(self, *, force: bool) -> list[Frame]:
        patches = {
            viewer: diff_into(self._views[viewer], view)
            for viewer, view in self._current_views().items()
        }
        if not force and not any(patches.values()):
            return []
        # Every view gets a frame when one does (in a game that hides information, one
        # may change alone): each viewer's diffs then chain from the same tick.
        base, self.sent_tick = self.sent_tick, self.ctx.tick
        frames: list[Frame] = []
        for viewer, patch in patches.items():
            message = {
                "type": "diff",
                "tick": self.ctx.tick,
                "base": base,
                "acks": self.acks,
                "diff": patch,
            }
            frames.append((viewer, dumps(message)))
        return frames

    def snapshot(self, player: str | None) -> str:
        """The last state sent, for a player who joins, reconnects or saw a gap; with
        `player` None, for a spectator."""
        message = {
            "type": "snapshot",
            "v": PROTOCOL_VERSION,
            "tick": self.sent_tick,
            "acks": self.acks,
            "state": self._view_of(player),
            "room": {
                "id": self.room_id,
                "game": self.game.slug,
                "tick_rate": self.tick_rate,
                "you": player,
                "spectator": player is None,
                "players": self._presence(),
            },
        }
        if self.result is not None:
            message["result"] = _result_json(self.result)
        return dumps(message)

    def _view_of(self, player: str | None) -> Any:
        if not self.game.hides_information:
            return self._views[None]
        if player is not None:
            return self._views[player]
        if not self._watched:
            # The first spectator. A view for no player shows no more than the players'
            # views, which the last frame sent holds: the state now is what it showed.
            self._watched = True
            self._views[SPECTATORS] = copy_state(self.game.view(self.state, None))
        return self._views[SPECTATORS]

    def _presence(self) -> dict[str, dict[str, Any]]:
        return {
            seat.player: {
                "name": seat.name,
                "seat": seat.number,
                "connected": seat.connected,
                "gone": seat.gone,
            }
            for seat in self.seats.values()
        }

    def presence_frame(self) -> str:
        return dumps({"type": "presence", "tick": self.sent_tick, "players": self._presence()})

    def connected(self, player: str) -> None:
        seat = self.seats[player]
        if not seat.gone:
            seat.connected, seat.leaves_at_tick = True, 0

    def disconnected(self, player: str) -> None:
        """Keeps the seat for the window; the game is told at its end."""
        seat = self.seats[player]
        seat.connected = False
        if not seat.gone:
            seat.leaves_at_tick = self.ctx.tick + self.seat_window_ticks

    def remove(self, player: str) -> None:
        """The lobby's host removed the player: their seat window ends now, so the next
        tick treats them as gone, as any dropped player whose window ran out."""
        seat = self.seats[player]
        seat.connected = False
        if not seat.gone:
            seat.leaves_at_tick = self.ctx.tick + 1

    def export(self) -> dict[str, Any]:
        """Everything a room needs to go on in another process, as JSON-ready data.

        Taken between ticks, when the last frames sent match the state.
        """
        version, internal, gauss = self.ctx.random.getstate()
        return {
            "match": self.room_id,
            "tick": self.ctx.tick,
            "sent_tick": self.sent_tick,
            "state": self.state,
            "acks": self.acks,
            "random": [version, list(internal), gauss],
            "seats": {
                seat.player: [seat.connected, seat.leaves_at_tick, seat.gone]
                for seat in self.seats.values()
            },
            "inputs": self._inputs,
        }

    def save(self) -> bytes:
        """`export` serialized: what the registries store, in Redis and the database."""
        return orjson.dumps(self.export())

    def restore(self, data: bytes) -> None:
        """Continues from a `save`; every seat waits for its socket to join again."""
        saved = orjson.loads(data)
        version, internal, gauss = saved["random"]
        self.ctx.random.setstate((version, tuple(internal), gauss))
        self.ctx.tick = saved["tick"]
        self.sent_tick = saved["sent_tick"]
        self.state = saved["state"]
        self.acks = {player: saved["acks"].get(player, 0) for player in self.seats}
        for player, (connected, leaves_at_tick, gone) in saved["seats"].items():
            seat = self.seats[player]
            seat.connected, seat.leaves_at_tick, seat.gone = False, leaves_at_tick, gone
            if connected:
                # Its socket joins again within moments, or the seat window runs.
                self.disconnected(player)
        self._inputs = [(player, seq, data) for player, seq, data in saved["inputs"]]
        self._views = {key: copy_state(state) for key, state in self._current_views().items()}

    def abort(self, reason: str) -> None:
        """Ends the match now with no placements; the runner sends the end frame."""
        if self.result is None:
            self.result = Result(placements={}, scores={}, reason=reason)
            self.aborted = True

    def end_frame(self) -> str:
        assert self.result is not None
        return dumps({"type": "end", "tick": self.ctx.tick, "result": _result_json(self.result)})


@dataclass(frozen=True)
class SavedRoom:
    """What a `save` says about its room without restoring it (the admin's live rooms)."""

    room_id: str
    tick: int
    connected: int
    seats: int

    @classmethod
    def read(cls, data: bytes) -> SavedRoom:
        saved = orjson.loads(data)
        seats = saved["seats"].values()
        return cls(
            room_id=saved["match"],
            tick=saved["tick"],
            connected=sum(1 for connected, _, _ in seats if connected),
            seats=len(seats),
        )


def _result_json(result: Result) -> dict[str, Any]:
    return {"placements": result.placements, "scores": result.scores, "reason": result.reason}
