"""What each viewer of a room was last sent: the base its next diff is taken against.

A game that shows everyone everything has one view for all (viewer None): the state
itself. A game that hides information has one per player, and one for spectators
(SPECTATORS) from the first time someone watches: before that nobody needs it, and its
diffs would cost every tick for nothing.

Most ticks change nothing a viewer sees (a player running straight changes nothing in
the arena's state): each view's JSON is compared with the JSON of what was last sent,
one call into orjson, and only a view that differs is walked by `diff_into`. Equal JSON
is an exact match, types included (1, 1.0 and true differ in it), so nothing is missed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from games.engine.diff import copy_state, diff_into
from games.engine.frames import SPECTATORS
from games.rules.base import GameDef, State


class Views:
    def __init__(self, game: GameDef, players: Sequence[str], state: State) -> None:
        self.game = game
        self.players = tuple(players)
        self.watched = False
        self.sent = self._copies(state)
        # The JSON of each view in `sent`, where known.
        self.sent_json: dict[str | None, bytes] = {}

    def _current(self, state: State) -> dict[str | None, State]:
        if not self.game.hides_information:
            return {None: state}
        views: dict[str | None, State] = {
            player: self.game.view(state, player) for player in self.players
        }
        if self.watched:
            views[SPECTATORS] = self.game.view(state, None)
        return views

    def _copies(self, state: State) -> dict[str | None, State]:
        return {viewer: copy_state(view) for viewer, view in self._current(state).items()}

    def reset(self, state: State) -> None:
        """The state was sent as it is (a room restored from a save)."""
        self.sent = self._copies(state)
        self.sent_json = {}

    def patches(self, state: State) -> dict[str | None, dict[str, Any]]:
        """Each view's merge patch from what was last sent to `state`, which counts as
        sent from now on."""
        sent, sent_json = self.sent, self.sent_json
        patches: dict[str | None, dict[str, Any]] = {}
        for viewer, view in self._current(state).items():
            encoded = orjson.dumps(view)
            if encoded == sent_json.get(viewer):
                patches[viewer] = {}
            else:
                sent_json[viewer] = encoded
                patches[viewer] = diff_into(sent[viewer], view)
        return patches

    def last_sent(self, state: State, player: str | None) -> State:
        """What `player` (None: a spectator) was last sent, for a snapshot."""
        if not self.game.hides_information:
            return self.sent[None]
        if player is not None:
            return self.sent[player]
        if not self.watched:
            # The first spectator. A view for no player shows no more than the players'
            # views, which the last frame sent holds: the state now is what it showed.
            self.watched = True
            self.sent[SPECTATORS] = copy_state(self.game.view(state, None))
        return self.sent[SPECTATORS]
