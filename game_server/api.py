"""The JSON API at /api/, put together from the routers of the apps that answer it.

django-ninja generates its OpenAPI document from them: /api/openapi.json, browsable at
/api/docs/. docs/api.md describes every call; lobby/api_conventions.py holds what every
call shares (authentication, bodies, the error envelope).
"""

from __future__ import annotations

from lobby import api as identity_api
from lobby import api_lobbies, api_matches
from lobby.api_conventions import LobbyApi
from ranked import api as ranked_api
from ratings import api as ratings_api

api = LobbyApi(
    title="Game Server lobby API",
    version="1",
    description=(
        "Identities, the game catalogue and lobbies, for clients that are not the "
        "browser pages. docs/api.md describes every call with examples, and the lobby "
        'and play sockets. Every refusal is `{"error": {"code": …, "message": …}}` '
        "with a stable code; each call lists its codes under its error statuses."
    ),
    urls_namespace="api",
)
api.add_router("", identity_api.router)
api.add_router("", api_lobbies.router)
api.add_router("/leaderboards/", ratings_api.router)
api.add_router("/queue/", ranked_api.router)
api.add_router("/matches/", api_matches.router)
