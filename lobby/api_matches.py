"""`GET /api/matches/<id>/replay/` (docs/api.md): a finished match's replay log, for those
who could watch the match (docs/replays.md). A ninja Router, mounted on the lobby API
(game_server/api.py) at `/matches/`."""

from __future__ import annotations

from typing import Any

import orjson
from django.http import HttpRequest
from ninja import Router

from games.services import ReplayRefused, match_replay_read, replay_details
from lobby.api_conventions import SIGNED_IN
from lobby.api_schemas import MatchReplayLog, refusals
from lobby.services import LobbyError

router = Router(tags=["matches"])

# The API's code for each reason a replay is refused (games.services.REPLAY_REFUSALS).
CODES = {
    "no_such_match": "MATCH_NOT_FOUND",
    "not_allowed": "REPLAY_FORBIDDEN",
    "running": "MATCH_RUNNING",
    "no_replay": "REPLAY_NOT_RECORDED",
    "old_version": "REPLAY_OLD_VERSION",
}


@router.get(
    "/{match_id}/replay/",
    response={200: MatchReplayLog, **refusals(*SIGNED_IN, *CODES.values())},
    url_name="api_match_replay",
    summary="A finished match's replay log",
)
def match_replay(request: HttpRequest, match_id: str) -> dict[str, Any]:
    """What replays the match exactly: seed, settings, the rules' version and every
    input with its tick. For the match's players and whoever could watch it."""
    try:
        replay = match_replay_read(match_id=match_id, user_id=request.user.pk)
    except ReplayRefused as refused:
        raise LobbyError(CODES[refused.reason], refused.message) from None
    return {**replay_details(replay), "log": orjson.loads(replay.log)}
