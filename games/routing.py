from __future__ import annotations

from django.urls import path

from games.consumers import PlayerConsumer

websocket_urlpatterns = [
    path("ws/play/<uuid:room_id>/", PlayerConsumer.as_asgi()),
]
