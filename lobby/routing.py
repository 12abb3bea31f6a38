from __future__ import annotations

from django.urls import path

from lobby.consumers import LobbyConsumer, LobbyListConsumer

websocket_urlpatterns = [
    path("ws/lobbies/", LobbyListConsumer.as_asgi()),
    path("ws/lobby/<str:code>/", LobbyConsumer.as_asgi()),
]
