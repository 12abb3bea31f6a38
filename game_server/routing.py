"""WebSocket URLs of every app, each behind the authentication it needs."""

from __future__ import annotations

from channels.auth import AuthMiddlewareStack
from django.urls import path

from games.routing import websocket_urlpatterns as games_urlpatterns
from lobby.auth import SocketUserMiddleware, TicketAuthMiddleware
from lobby.routing import websocket_urlpatterns as lobby_urlpatterns
from ranked.routing import websocket_urlpatterns as ranked_urlpatterns

websocket_urlpatterns = [
    # Lobby and queue sockets get Channels' session middleware (a ticket wins over the
    # cookie).
    *(
        path(str(pattern.pattern), AuthMiddlewareStack(TicketAuthMiddleware(pattern.callback)))
        for pattern in (*lobby_urlpatterns, *ranked_urlpatterns)
    ),
    # Play sockets carry every frame of every game: identity once, nothing per frame.
    *(
        path(str(pattern.pattern), SocketUserMiddleware(pattern.callback))
        for pattern in games_urlpatterns
    ),
]
