"""WebSocket URLs of every app."""

from __future__ import annotations

from games.routing import websocket_urlpatterns as games_urlpatterns
from lobby.routing import websocket_urlpatterns as lobby_urlpatterns

websocket_urlpatterns = [*lobby_urlpatterns, *games_urlpatterns]
