"""A test harness for game authors: play a game through the real engine, with no network.

`GameHarness` runs a game in the engine's own `Room` (games/engine/room.py), so a test
sees what players would see: inputs are checked as the player socket checks them, applied
at the next tick in the order they were sent, acked or refused with an error frame, and
every frame is the JSON the room would broadcast. Nothing here touches Django, the
database or an event loop; there is no clock to wait for, `tick()` runs the next tick.

    from games.testing import GameHarness

    def test_four_in_a_column_wins() -> None:
        game = GameHarness("connect_four", players=["alice", "bob"])
        for column in (0, 1, 0, 1, 0, 1, 0):
            game.input(game.state["turn"], {"column": column})
            game.tick()
        assert game.result.placements == {"alice": 1, "bob": 2}

After every tick the harness also applies each diff to a copy of what each player's
client holds and checks it against the game's view of the state. A game that breaks the
contract (a None in its state, which a merge patch reads as "delete this key") fails
there with a `HarnessError` that says so, rather than in a browser.

Every input and disconnection is logged with the tick it took effect in; `replay()`
plays the log again from the same seed, which is how a match replays exactly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any, Literal

import orjson

from games import protocol
from games.engine.diff import apply_patch
from games.engine.room import Room
from games.rules import CATALOGUE
from games.rules.base import GameDef, Input, Result, State

_DEFAULT_VIEW = next(item.default for item in fields(GameDef) if item.name == "view")


class HarnessError(AssertionError):
    """The game broke the engine's contract, or the test asked for something impossible."""


@dataclass(frozen=True)
class SentFrame:
    """One frame the room sent: to everyone (`to` is None) or to one player."""

    to: str | None
    message: dict[str, Any]

    @property
    def type(self) -> str:
        return str(self.message["type"])

    def reaches(self, player: str) -> bool:
        return self.to is None or self.to == player


@dataclass(frozen=True)
class LogEntry:
    """Something a player did, and the tick it took effect in (before that tick ran)."""

    tick: int
    player: str
    kind: Literal["input", "disconnect", "connect"]
    seq: int = 0
    data: Input = field(default_factory=dict)


class GameHarness:
    """One match of a game, driven by hand: inputs, ticks, and what came out."""

    def __init__(
        self,
        game: GameDef | str,
        *,
        players: Sequence[str] = ("alice", "bob"),
        settings: Mapping[str, Any] | None = None,
        seed: int = 1,
        seat_window_seconds: float = 30.0,
        check_views: bool = True,
        bots: Mapping[str, str] | None = None,
    ) -> None:
        """`bots`: the players (of `players`) the game's bot plays, with its level; they
        move by themselves, and a replay moves them the same way."""
        self.game = CATALOGUE[game] if isinstance(game, str) else game
        if self.game.view is not _DEFAULT_VIEW and not self.game.hides_information:
            raise HarnessError("the engine only calls view() when hides_information=True")
        self.players = tuple(players)
        self.settings = self.game.clean_settings(settings)
        self.seed = seed
        self.seat_window_seconds = seat_window_seconds
        self.check_views = check_views
        self.bots = dict(bots or {})
        self.room = Room(
            room_id="harness",
            game=self.game,
            settings=self.settings,
            players=[(player, player) for player in self.players],
            seed=seed,
            seat_window_seconds=seat_window_seconds,
            bots=self.bots,
        )
        for player in self.players:
            self.room.connected(player)
        self.log: list[LogEntry] = []
        self.frames: list[SentFrame] = []
        self.errors: dict[str, list[str]] = {player: [] for player in self.players}
        self._seqs = dict.fromkeys(self.players, 0)
        self._clients = {player: self.snapshot(player)["state"] for player in self.players}

    # What the test does.

    def input(self, player: str, data: Input, *, seq: int | None = None) -> int:
        """Sends one input for the next tick and returns its seq (one more than the
        player's last, unless given). The input goes through the socket's own checks
        and a JSON round trip, so `data` must be something a client can send."""
        if player not in self._seqs:
            raise HarnessError(f"{player!r} has no seat; the players are {self.players}")
        seq = self._seqs[player] + 1 if seq is None else seq
        self._seqs[player] = max(self._seqs[player], seq)
        text = orjson.dumps({"type": "input", "seq": seq, "data": data}).decode()
        try:
            frame = protocol.parse_client_frame(text)
        except protocol.ProtocolError as error:
            raise HarnessError(f"the socket would refuse this input: {error.code}") from None
        assert isinstance(frame, protocol.InputFrame)
        self.room.submit(player, frame.seq, frame.data)
        self.log.append(LogEntry(self.tick_number + 1, player, "input", seq, frame.data))
        return seq

    def disconnect(self, player: str) -> None:
        """The player's socket drops: the game hears of it when the seat window ends."""
        self.room.disconnected(player)
        self.log.append(LogEntry(self.tick_number + 1, player, "disconnect"))

    def connect(self, player: str) -> None:
        """The player's socket comes back within the seat window."""
        self.room.connected(player)
        self.log.append(LogEntry(self.tick_number + 1, player, "connect"))

    def tick(self, n: int = 1) -> list[SentFrame]:
        """Runs n ticks and returns the frames they sent, decoded, in order."""
        sent: list[SentFrame] = []
        for _ in range(n):
            frames = [SentFrame(to, orjson.loads(text)) for to, text in self.room.tick()]
            for frame in frames:
                self._receive(frame)
            if self.check_views:
                self._check_views()
            sent.extend(frames)
        self.frames.extend(sent)
        return sent

    def run_for(self, seconds: float) -> list[SentFrame]:
        """Runs as many ticks as the game's tick rate makes of `seconds`."""
        return self.tick(round(seconds * self.room.tick_rate))

    def run_until_over(self, max_ticks: int = 100_000) -> Result:
        """Ticks until the match has a result; fails if it has none after `max_ticks`."""
        for _ in range(max_ticks):
            if self.room.result is not None:
                break
            self.tick()
        if self.room.result is None:
            raise HarnessError(f"the match is not over after {max_ticks} ticks")
        return self.room.result

    def replay(self) -> GameHarness:
        """A new match from the same seed and input log, run to the same tick."""
        return GameHarness.from_log(
            self.game,
            players=self.players,
            settings=self.settings,
            seed=self.seed,
            log=self.log,
            ticks=self.tick_number,
            seat_window_seconds=self.seat_window_seconds,
            bots=self.bots,
        )

    @classmethod
    def from_log(
        cls,
        game: GameDef | str,
        *,
        players: Sequence[str],
        settings: Mapping[str, Any] | None,
        seed: int,
        log: Sequence[LogEntry],
        ticks: int,
        seat_window_seconds: float = 30.0,
        bots: Mapping[str, str] | None = None,
    ) -> GameHarness:
        """Plays a recorded log: each entry is sent just before the tick it took effect in."""
        harness = cls(
            game,
            players=players,
            settings=settings,
            seed=seed,
            seat_window_seconds=seat_window_seconds,
            bots=bots,
        )
        pending = sorted(log, key=lambda entry: entry.tick)
        for tick in range(1, ticks + 1):
            while pending and pending[0].tick == tick:
                entry = pending.pop(0)
                if entry.kind == "input":
                    harness.input(entry.player, entry.data, seq=entry.seq)
                elif entry.kind == "disconnect":
                    harness.disconnect(entry.player)
                else:
                    harness.connect(entry.player)
            harness.tick()
        return harness

    # What the test looks at.

    @property
    def state(self) -> State:
        """The whole authoritative state, as the game left it."""
        return self.room.state

    @property
    def result(self) -> Result | None:
        return self.room.result

    @property
    def tick_number(self) -> int:
        """The last tick that ran (0 before the first)."""
        return self.room.ctx.tick

    @property
    def acks(self) -> dict[str, int]:
        return dict(self.room.acks)

    def view(self, player: str) -> State:
        """What the game shows this player now (the whole state unless it hides some)."""
        if not self.game.hides_information:
            return self.room.state
        return self.game.view(self.room.state, player)

    def client_state(self, player: str) -> State:
        """What this player's client holds: the first snapshot with every diff applied."""
        return self._clients[player]

    def snapshot(self, player: str) -> dict[str, Any]:
        """The snapshot frame this player would get on joining now."""
        message: dict[str, Any] = orjson.loads(self.room.snapshot(player))
        return message

    # Inside.

    def _receive(self, frame: SentFrame) -> None:
        message = frame.message
        if message["type"] == "error" and frame.to is not None:
            self.errors[frame.to].append(message["code"])
        if message["type"] != "diff":
            return
        for player in self.players:
            if frame.reaches(player):
                self._clients[player] = apply_patch(self._clients[player], message["diff"])

    def _check_views(self) -> None:
        for player in self.players:
            expected = orjson.loads(orjson.dumps(self.view(player)))
            if self._clients[player] != expected:
                raise HarnessError(
                    f"after tick {self.tick_number}, {player}'s client holds a different "
                    "state from the game's view. Does the state hold None? A diff sends it "
                    "as null, which deletes the key: leave the key out, or use '' or 0."
                )
