"""`GET /api/matches/<id>/replay/` (docs/api.md): a finished match's replay log, for those
who could watch the match (docs/replays.md). A ninja Router, mounted on the lobby API
(lobby/api.py) at `/matches/`."""

from __future__ import annotations

from typing import Any

import orjson
from django.http import HttpRequest
from ninja import Router

from games.models import MatchReplay
from games.rules import CATALOGUE
from games.services import ReplayRefused, match_replay_read
from lobby.api_conventions import SIGNED_IN
from lobby.api_schemas import MatchReplayLog, refusals
from lobby.services import LobbyError

router = Router(tags=["matches"])

REFUSALS = {
    "no_such_match": ("MATCH_NOT_FOUND", "There is no match with that id."),
    "not_allowed": (
        "REPLAY_FORBIDDEN",
        "Only the match's players and those its lobby let watch it may see its replay.",
    ),
    "running": ("MATCH_RUNNING", "This match is still being played; its replay comes at its end."),
    "no_replay": ("REPLAY_NOT_RECORDED", "This match ended before it was played: no replay."),
    "old_version": ("REPLAY_OLD_VERSION", ""),
}


@router.get(
    "/{match_id}/replay/",
    response={200: MatchReplayLog, **refusals(*SIGNED_IN, *(c for c, _ in REFUSALS.values()))},
    url_name="api_match_replay",
    summary="A finished match's replay log",
)
def match_replay(request: HttpRequest, match_id: str) -> dict[str, Any]:
    """What replays the match exactly: seed, settings, the rules' version and every
    input with its tick. For the match's players and whoever could watch it."""
    try:
        replay = match_replay_read(match_id=match_id, user_id=request.user.pk)
    except ReplayRefused as refused:
        code, message = REFUSALS[refused.reason]
        raise LobbyError(code, refused.message or message) from None
    return replay_json(replay)


def replay_json(replay: MatchReplay) -> dict[str, Any]:
    match = replay.match
    seats = {str(seat.user_id): seat for seat in match.players.all()}
    return {
        "match_id": str(match.pk),
        "game": match.game,
        "game_version": replay.game_version,
        "seed": replay.seed,
        "settings": replay.settings,
        "tick_rate": CATALOGUE[match.game].tick_rate(replay.settings),
        "ticks": replay.ticks,
        "players": [
            {
                "id": player,
                "name": name,
                "seat": number,
                "placement": seats[player].placement if player in seats else None,
                "score": seats[player].score if player in seats else None,
            }
            for number, (player, name) in enumerate(replay.players)
        ],
        "result": orjson.loads(replay.result),
        "log": orjson.loads(replay.log),
    }
