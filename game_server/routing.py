"""WebSocket URLs of every app."""

from __future__ import annotations

from lobby.routing import websocket_urlpatterns as lobby_urlpatterns

websocket_urlpatterns = [*lobby_urlpatterns]
