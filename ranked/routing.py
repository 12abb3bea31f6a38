from __future__ import annotations

from django.urls import path

from ranked.consumers import QueueConsumer

websocket_urlpatterns = [
    path("ws/queue/<slug:game>/", QueueConsumer.as_asgi()),
]
