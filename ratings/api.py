"""`GET /api/leaderboards/<game>/` (docs/api.md): a ninja Router, mounted on the lobby
API (game_server/api.py) at `/leaderboards/`, with its conventions: credentials optional, a
bad bearer token refused, refusals in the API's envelope."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from lobby.api_conventions import ANYONE
from lobby.api_schemas import refusals
from lobby.services import LobbyError
from ratings.services import GameNotFound, Leaderboard, leaderboard

router = Router(tags=["leaderboards"])


# The 200 body is the service's `Leaderboard` dataclass: its fields are the API's fields.
@router.get(
    "/{game}/",
    **ANYONE,
    response={200: Leaderboard, **refusals("BAD_TOKEN", "GAME_NOT_FOUND")},
    url_name="api_leaderboard",
    summary="A game's leaderboard",
)
def leaderboard_read(request: HttpRequest, game: str) -> Leaderboard:
    """The top 100 players of a game and, for a signed-in caller, their own standing.
    No authentication needed; a token or session adds `you`."""
    viewer = request.user if request.user.is_authenticated else None
    try:
        return leaderboard(game=game, user=viewer)
    except GameNotFound:
        raise LobbyError("GAME_NOT_FOUND", f"No game is called {game!r}.") from None
