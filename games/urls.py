from __future__ import annotations

from django.urls import path

from games import views

urlpatterns = [
    path("play/<uuid:match_id>/", views.play, name="play"),
    path("replay/<uuid:match_id>/", views.replay, name="replay"),
]
