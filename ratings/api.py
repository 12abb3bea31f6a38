"""`GET /api/leaderboards/<game>/` (docs/api.md): a ninja Router, mounted on the
project's API at `/leaderboards/`."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from lobby.auth import bearer_token, user_for_token
from lobby.models import User
from ratings.services import GameNotFound, Leaderboard, leaderboard

router = Router(tags=["leaderboards"])


class LeaderboardErrorDetail(Schema):
    code: str
    message: str


class LeaderboardErrorOut(Schema):
    error: LeaderboardErrorDetail


def _error(status: int, code: str, message: str) -> Status[dict[str, dict[str, str]]]:
    return Status(status, {"error": {"code": code, "message": message}})


# The 200 body is the service's `Leaderboard` dataclass: its fields are the API's fields.
@router.get(
    "/{game}/",
    response={200: Leaderboard, 401: LeaderboardErrorOut, 404: LeaderboardErrorOut},
    auth=None,
    url_name="api_leaderboard",
    summary="A game's leaderboard",
)
def leaderboard_read(request: HttpRequest, game: str) -> Status[Any]:
    """The top 100 players of a game and, for a signed-in caller, their own standing.
    No authentication needed; a token or session adds `you`."""
    authorization = request.headers.get("Authorization")
    viewer: User | None = None
    if authorization is not None:
        token = bearer_token(authorization)
        viewer = user_for_token(token) if token else None
        if viewer is None:
            return _error(401, "BAD_TOKEN", "That token is not valid.")
    elif request.user.is_authenticated:
        viewer = request.user
    try:
        return Status(200, leaderboard(game=game, user=viewer))
    except GameNotFound:
        return _error(404, "GAME_NOT_FOUND", f"No game is called {game!r}.")
