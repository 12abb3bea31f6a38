from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path

from lobby import account_views

urlpatterns = [
    path("", account_views.home, name="home"),
    path("accounts/signup/", account_views.signup, name="signup"),
    path("accounts/login/", account_views.log_in, name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/guest/", account_views.play_as_guest, name="guest"),
    path("accounts/profile/", account_views.profile, name="profile"),
]
