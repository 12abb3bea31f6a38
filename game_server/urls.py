from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from game_server.health import health

urlpatterns = [
    path("admin/", admin.site.urls),
    path("health/", health, name="health"),
    path("", include("games.urls")),
    path("", include("lobby.urls")),
]
