from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from game_server.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    # The JSON API (docs/api.md), its OpenAPI document and docs page
    path("api/", api.urls),
    path("", include("games.urls")),
    path("", include("lobby.urls")),
    path("", include("ratings.urls")),
    path("", include("ranked.urls")),
]
