"""The contract between a game module and the engine.

A game is plain data and pure functions: no Django, no Channels, no asyncio, no clock
and no randomness of its own. The engine passes in a `Ctx` with the tick and a seeded
random source, so a match replays exactly from its seed and its input log.

State is JSON-shaped: dicts with string keys, lists, strings, numbers and booleans, but
never None (in a merge patch, null deletes a key). Keep entities in dicts keyed by id
(not in lists) so that state diffs, which are JSON Merge Patches, stay small. The
functions may change the state they are given in place and return it, or return a new
one: the engine keeps its own copy for diffs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

# Re-exported: a game's bot is handed one, and games do not import `random` themselves.
from random import Random as Random
from typing import Any

State = dict[str, Any]
Input = dict[str, Any]
Settings = dict[str, Any]


class InvalidInput(Exception):
    """An input the rules refuse. `code` is stable and shown to the player's client."""

    def __init__(self, code: str, message: str = "") -> None:
        super().__init__(message or code)
        self.code = code
        self.message = message or code


class SettingsError(ValueError):
    """A lobby setting outside the game's schema."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Setting:
    """One entry of a game's settings schema: an int range, a bool, or a choice."""

    name: str
    label: str
    default: int | bool | str
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[str, ...] = ()

    def clean(self, value: Any) -> int | bool | str:
        if isinstance(self.default, bool):
            if not isinstance(value, bool):
                raise SettingsError(self.name, "must be true or false")
            return value
        if isinstance(self.default, int):
            if isinstance(value, bool) or not isinstance(value, int):
                raise SettingsError(self.name, "must be a whole number")
            if self.minimum is not None and value < self.minimum:
                raise SettingsError(self.name, f"must be at least {self.minimum}")
            if self.maximum is not None and value > self.maximum:
                raise SettingsError(self.name, f"must be at most {self.maximum}")
            return value
        if value not in self.choices:
            raise SettingsError(self.name, f"must be one of {', '.join(self.choices)}")
        return str(value)


@dataclass
class Ctx:
    """What the engine tells a game: never stored in the state."""

    tick: int
    tick_rate: int
    random: Random
    players: tuple[str, ...]
    settings: Settings


@dataclass(frozen=True)
class Result:
    """How a match ended: a place per player (1 is best, ties share) and their scores."""

    placements: dict[str, int]
    scores: dict[str, int]
    reason: str


def _no_view(state: State, player: str | None) -> State:
    return state


# A bot's move: its own view of the state (`view(state, player)`, so hidden information
# never reaches it), its player id, a seeded random source of its own, its level (one of
# the game's `bot_levels`) and the tick the view is as of. It returns one input, or None
# to do nothing this tick.
Bot = Callable[[State, str, Random, str, int], Input | None]


@dataclass(frozen=True)
class GameDef:
    """A game as the engine and the lobby see it.

    - `setup(ctx)` returns the first state for `ctx.players` in seat order.
    - `apply_input(state, ctx, player, data)` validates one player's input and applies
      it, or raises `InvalidInput`. Real-time games usually only record intent here.
    - `tick(state, ctx)` advances time by one tick, after that tick's inputs were
      applied in arrival order.
    - `player_left(state, ctx, player)` runs when a dropped player's seat window ends.
    - `result(state, ctx)` is None while the match runs, then the `Result`.
    - `view(state, player)` is what one player may see; the default shows everything.
      `player` is None for a spectator: show what every player may see, and no more.
    - `bot(view, player, random, level, tick)`, if the game has one, picks a bot's input from
      its own view (see `Bot`); `bot_levels` names its levels, the first the default.
    - `version` names the rules as they are now: raise it whenever a change makes the
      same seed and inputs play differently or end in a state held another way, so that
      replays recorded under an older version are refused rather than shown wrong, and a
      room saved under it plays its log again under these rules (docs/replays.md).
    - `realtime` tells clients and the catalogue whether players act continuously or
      take turns. Either way the engine sends a frame only for a tick that changed the
      state or processed inputs; turn-based games use ticks for their timers.
    """

    slug: str
    name: str
    description: str
    min_players: int
    max_players: int
    realtime: bool
    settings: tuple[Setting, ...]
    tick_rate: Callable[[Settings], int]
    setup: Callable[[Ctx], State]
    apply_input: Callable[[State, Ctx, str, Input], State]
    tick: Callable[[State, Ctx], State]
    player_left: Callable[[State, Ctx, str], State]
    result: Callable[[State, Ctx], Result | None]
    view: Callable[[State, str | None], State] = _no_view
    hides_information: bool = False
    bot: Bot | None = None
    bot_levels: tuple[str, ...] = ("normal",)
    version: str = "1"

    def clean_settings(self, raw: Mapping[str, Any] | None) -> Settings:
        """Defaults filled in, every value checked; unknown names are an error."""
        raw = dict(raw or {})
        known = {setting.name for setting in self.settings}
        for name in raw:
            if name not in known:
                raise SettingsError(name, "is not a setting of this game")
        return {
            setting.name: setting.clean(raw.get(setting.name, setting.default))
            for setting in self.settings
        }

    def schema(self) -> list[dict[str, Any]]:
        """The settings schema as JSON, for forms and the API."""
        return [
            {
                "name": setting.name,
                "label": setting.label,
                "default": setting.default,
                "minimum": setting.minimum,
                "maximum": setting.maximum,
                "choices": list(setting.choices),
            }
            for setting in self.settings
        ]
