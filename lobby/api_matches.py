"""`GET /api/matches/<id>/replay/` (docs/api.md): a finished match's replay log, and
`.../replay/frames/`, what the replay page plays, for those who could watch the match
(docs/replays.md). A ninja Router, mounted on the lobby API (game_server/api.py) at
`/matches/`."""

from __future__ import annotations

import gzip
from typing import Any

import orjson
from django.http import HttpRequest, HttpResponse
from django.middleware.gzip import re_accepts_gzip
from django.utils.cache import patch_cache_control, patch_vary_headers
from ninja import Router

from games.models import MatchReplay
from games.services import (
    ReplayRefused,
    match_replay_frames,
    match_replay_read,
    replay_details,
)
from lobby.api_conventions import SIGNED_IN
from lobby.api_schemas import MatchReplayLog, ReplayFrames, refusals
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
    replay = _replay(request, match_id)
    return {**replay_details(replay), "log": orjson.loads(replay.log)}


@router.get(
    "/{match_id}/replay/frames/",
    response={200: ReplayFrames, **refusals(*SIGNED_IN, *CODES.values())},
    url_name="api_match_replay_frames",
    summary="A finished match's frames, as the replay page plays them",
)
def match_replay_frames_read(request: HttpRequest, match_id: str) -> HttpResponse:
    """The state at tick 0, then a merge patch for each tick that changed it, hidden
    information included. Made at the first request for them and kept: a client that
    accepts gzip (every browser) gets them as kept, `Content-Encoding: gzip`, about a
    quarter of their size."""
    frames = match_replay_frames(_replay(request, match_id))
    if re_accepts_gzip.search(request.headers.get("Accept-Encoding", "")):
        response = HttpResponse(frames, content_type="application/json")
        response["Content-Encoding"] = "gzip"
    else:
        response = HttpResponse(gzip.decompress(frames), content_type="application/json")
    patch_vary_headers(response, ("Accept-Encoding",))
    # A match's frames never change once made.
    patch_cache_control(response, private=True, max_age=3600)
    return response


def _replay(request: HttpRequest, match_id: str) -> MatchReplay:
    try:
        return match_replay_read(match_id=match_id, user_id=request.user.pk)
    except ReplayRefused as refused:
        raise LobbyError(CODES[refused.reason], refused.message) from None
