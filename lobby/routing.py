from __future__ import annotations

from django.urls import path

from lobby.consumers import LobbyListConsumer

websocket_urlpatterns = [
    path("ws/lobbies/", LobbyListConsumer.as_asgi()),
]
