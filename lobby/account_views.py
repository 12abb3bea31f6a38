"""Pages for signing up, logging in and out, guest play and the profile."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from lobby import accounts
from lobby.forms import DisplayNameForm, KeepAccountForm, SignUpForm

THROTTLED_MESSAGE = "Too many failed log-ins. Wait {minutes} minutes, then try again."


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return settings.LOGIN_REDIRECT_URL


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "lobby/home.html")


def signup(request: HttpRequest) -> HttpResponse:
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect(_next_url(request))
    return render(request, "registration/signup.html", {"form": form, "next": _next_url(request)})


def log_in(request: HttpRequest) -> HttpResponse:
    form = AuthenticationForm(request, data=request.POST or None)
    status = 200
    if request.method == "POST":
        username = request.POST.get("username", "")
        address = request.META.get("REMOTE_ADDR", "")
        if accounts.login_throttled(username=username, address=address):
            minutes = max(1, settings.LOGIN_FAILURE_WINDOW_SECONDS // 60)
            form.errors.clear()
            form.add_error(None, THROTTLED_MESSAGE.format(minutes=minutes))
            status = 429
        elif form.is_valid():
            accounts.login_succeeded(username=username)
            login(request, form.get_user())
            return redirect(_next_url(request))
        else:
            accounts.login_failed(username=username, address=address)
    context = {"form": form, "next": _next_url(request)}
    return render(request, "registration/login.html", context, status=status)


@require_POST
def play_as_guest(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        user = accounts.guest_create()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return redirect(_next_url(request))


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    name_form = DisplayNameForm(initial={"display_name": user.display_name})
    keep_form = KeepAccountForm(user=user)
    if request.method == "POST" and "display_name" in request.POST:
        name_form = DisplayNameForm(request.POST)
        if name_form.is_valid():
            accounts.user_rename(user=user, display_name=name_form.cleaned_data["display_name"])
            messages.success(request, "Display name saved.")
            return redirect("profile")
    elif request.method == "POST" and user.is_guest:
        keep_form = KeepAccountForm(request.POST, user=user)
        if keep_form.is_valid():
            accounts.guest_keep(user=user, **keep_form.cleaned_data)
            # A new password changes the session hash; keep this session logged in.
            update_session_auth_hash(request, user)
            messages.success(request, "Your account is saved. Log in with it from anywhere.")
            return redirect("profile")
    context = {"name_form": name_form, "keep_form": keep_form}
    return render(request, "lobby/profile.html", context)
