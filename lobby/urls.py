from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path

from lobby import account_views, api, views

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
    path(f"l/{CODE}/", views.invite, name="invite"),
    path(f"l/{CODE}/join/", views.invite_join, name="invite_join"),
    path(f"lobby/{CODE}/", views.lobby_page, name="lobby"),
    path(f"lobby/{CODE}/state/", views.lobby_state, name="lobby_state"),
    path(f"lobby/{CODE}/<slug:action>/", views.lobby_action, name="lobby_action"),
    # JSON API (docs/api.md)
    path("api/guest/", api.guest, name="api_guest"),
    path("api/login/", api.log_in, name="api_login"),
    path("api/logout/", api.log_out, name="api_logout"),
    path("api/socket-ticket/", api.socket_ticket, name="api_socket_ticket"),
    path("api/me/", api.me, name="api_me"),
    path("api/games/", api.games, name="api_games"),
    path("api/lobbies/", api.lobbies, name="api_lobbies"),
    path("api/quick-play/", api.quick_play, name="api_quick_play"),
    path(f"api/lobbies/{CODE}/", api.lobby_detail, name="api_lobby"),
    path(f"api/lobbies/{CODE}/join/", api.lobby_join, name="api_lobby_join"),
    path(f"api/lobbies/{CODE}/leave/", api.lobby_leave, name="api_lobby_leave"),
    path(f"api/lobbies/{CODE}/ready/", api.lobby_ready, name="api_lobby_ready"),
    path(f"api/lobbies/{CODE}/settings/", api.lobby_settings, name="api_lobby_settings"),
    path(f"api/lobbies/{CODE}/kick/", api.lobby_kick, name="api_lobby_kick"),
    path(f"api/lobbies/{CODE}/host/", api.lobby_host, name="api_lobby_host"),
    path(f"api/lobbies/{CODE}/start/", api.lobby_start, name="api_lobby_start"),
    path(f"api/lobbies/{CODE}/chat/", api.lobby_chat, name="api_lobby_chat"),
    path(f"api/lobbies/{CODE}/close/", api.lobby_close, name="api_lobby_close"),
]
