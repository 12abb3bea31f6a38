from __future__ import annotations

from django.urls import path

from ratings import views

urlpatterns = [
    path("leaderboards/", views.leaderboard_list, name="leaderboard_list"),
    path("leaderboards/<slug:game>/", views.leaderboard, name="leaderboard"),
]
