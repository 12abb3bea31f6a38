from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path

from lobby import account_views, views

CODE = "<str:code>"

urlpatterns = [
    path("", account_views.home, name="home"),
    path("accounts/signup/", account_views.signup, name="signup"),
    path("accounts/login/", account_views.log_in, name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/guest/", account_views.play_as_guest, name="guest"),
    path("accounts/profile/", account_views.profile, name="profile"),
    path("accounts/password/change/", account_views.password_change, name="password_change"),
    path("accounts/password/reset/", account_views.password_reset, name="password_reset"),
    path(
        "accounts/password/reset/sent/",
        account_views.password_reset_done,
        name="password_reset_done",
    ),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        account_views.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path(
        "accounts/password/reset/done/",
        account_views.password_reset_complete,
        name="password_reset_complete",
    ),
    # Pages
    path("lobbies/", views.lobby_list, name="lobby_list"),
    path("lobbies/new/", views.lobby_new, name="lobby_new"),
    path("lobbies/join/", views.join_by_code, name="join_by_code"),
    path("play-now/<slug:game>/", views.play_now, name="play_now"),
    path("play-computer/", views.play_computer, name="play_computer"),
    path(f"l/{CODE}/", views.invite, name="invite"),
    path(f"l/{CODE}/join/", views.invite_join, name="invite_join"),
    path(f"lobby/{CODE}/", views.lobby_page, name="lobby"),
    path(f"lobby/{CODE}/state/", views.lobby_state, name="lobby_state"),
    path(f"lobby/{CODE}/<slug:action>/", views.lobby_action, name="lobby_action"),
]
