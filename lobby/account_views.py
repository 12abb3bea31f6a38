"""Pages for signing up, logging in and out, guest play, the profile, and changing and
resetting a password (Django's views, throttled, in the site's templates)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.timesince import timeuntil
from django.views.decorators.http import require_POST

from game_server.limits import client_address
from games.models import Match, MatchPlayer, MatchReplay
from games.rules import CATALOGUE, GAMES
from lobby import accounts
from lobby.forms import (
    ChangePasswordForm,
    DisplayNameForm,
    EmailForm,
    KeepAccountForm,
    LogInForm,
    ResetRequestForm,
    SignUpForm,
    ThrottledForm,
)
from lobby.models import User

MATCH_HISTORY_ROWS = 20


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return settings.LOGIN_REDIRECT_URL


def home(request: HttpRequest) -> HttpResponse:
    with_bots = [game for game in GAMES if game.bot is not None]
    # Every game's bot levels, each once, in the order the games name them; a game
    # whose bot lacks the one chosen says which it has.
    levels = list(dict.fromkeys(level for game in with_bots for level in game.bot_levels))
    return render(request, "lobby/home.html", {"games_with_bots": with_bots, "bot_levels": levels})


def signup(request: HttpRequest) -> HttpResponse:
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect(_next_url(request))
    return render(request, "registration/signup.html", {"form": form, "next": _next_url(request)})


def log_in(request: HttpRequest) -> HttpResponse:
    form = LogInForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        login(request, form.get_user())
        return redirect(_next_url(request))
    context = {"form": form, "next": _next_url(request)}
    return _answer_throttled(render(request, "registration/login.html", context), form)


def _answer_throttled(response: HttpResponse, form: ThrottledForm) -> HttpResponse:
    """A page whose form was refused for its rate: 429, and when to try again."""
    if form.throttled:
        response.status_code = 429
        response["Retry-After"] = str(form.retry_after)
    return response


def become_guest(request: HttpRequest) -> HttpResponse | None:
    """Signs a visitor in as a new guest, within the address's guest budget; the page to
    answer with when over it. A signed-in user stays who they are."""
    if request.user.is_authenticated:
        return None
    rate = accounts.guest_creation_allowed(address=client_address(request.META))
    if not rate.allowed:
        minutes = math.ceil(rate.retry_after / 60)
        response = render(request, "registration/guest_wait.html", {"minutes": minutes}, status=429)
        response["Retry-After"] = str(rate.retry_after)
        return response
    user = accounts.guest_create()
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return None


@require_POST
def play_as_guest(request: HttpRequest) -> HttpResponse:
    return become_guest(request) or redirect(_next_url(request))


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    address = client_address(request.META)
    name_form = DisplayNameForm(initial={"display_name": user.display_name})
    email_form = EmailForm(user=user, address=address, initial={"email": user.email})
    keep_form = KeepAccountForm(user=user)
    if request.method == "POST" and "display_name" in request.POST:
        name_form = DisplayNameForm(request.POST)
        if name_form.is_valid():
            accounts.user_rename(user=user, display_name=name_form.cleaned_data["display_name"])
            messages.success(request, "Display name saved.")
            return redirect("profile")
    elif request.method == "POST" and "email" in request.POST and not user.is_guest:
        email_form = EmailForm(request.POST, user=user, address=address)
        if email_form.is_valid():
            email = email_form.cleaned_data["email"]
            accounts.user_set_email(user=user, email=email)
            messages.success(request, "Email saved." if email else "Email removed.")
            return redirect("profile")
    elif request.method == "POST" and user.is_guest:
        keep_form = KeepAccountForm(request.POST, user=user)
        if keep_form.is_valid() and _kept(keep_form, user):
            # A new password changes the session hash; keep this session logged in.
            update_session_auth_hash(request, user)
            messages.success(request, "Your account is saved. Log in with it from anywhere.")
            return redirect("profile")
    context = {
        "name_form": name_form,
        "email_form": email_form,
        "keep_form": keep_form,
        "history": _match_history(user),
    }
    return _answer_throttled(render(request, "lobby/profile.html", context), email_form)


def _kept(form: KeepAccountForm, user: User) -> bool:
    try:
        accounts.guest_keep(user=user, **form.cleaned_data)
    except ValidationError as error:
        form.add_error(None, error)
        return False
    return True


class _ThrottledFormView:
    """For Django's form views with a `ThrottledForm`: gives the form the client's address,
    and answers a refusal with 429."""

    request: HttpRequest

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = super().get_form_kwargs()
        kwargs["address"] = client_address(self.request.META)
        return kwargs

    def form_invalid(self, form: ThrottledForm) -> HttpResponse:
        return _answer_throttled(super().form_invalid(form), form)


class _RevokesApiTokens:
    """A new password ends the user's other sessions (Django checks each session against
    the password's hash); it revokes their API tokens along with the password's change."""

    def form_valid(self, form: Form) -> HttpResponse:
        with transaction.atomic():
            response: HttpResponse = super().form_valid(form)
            accounts.api_tokens_revoke(user=form.user)
        return response


class PasswordChangeView(_ThrottledFormView, _RevokesApiTokens, auth_views.PasswordChangeView):
    """Django's: needs the old password (under the log-in budgets) and keeps this session
    logged in. Guests have no password yet: they are sent to keep their account."""

    form_class = ChangePasswordForm
    template_name = "registration/password_change.html"
    success_url = reverse_lazy("profile")

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated and request.user.is_guest:
            return render(request, "registration/password_change_guest.html", status=403)
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form: ChangePasswordForm) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(
            self.request,
            "Password changed. You stay signed in here; your other sessions and API "
            "tokens are signed out.",
        )
        return response


class PasswordResetView(_ThrottledFormView, auth_views.PasswordResetView):
    """Django's: mails a one-use link to every active account with a password that has
    this email, and answers the same whether there is one or not."""

    form_class = ResetRequestForm
    template_name = "registration/password_reset.html"
    subject_template_name = "registration/password_reset_mail_subject.txt"
    email_template_name = "registration/password_reset_mail.txt"

    @property
    def extra_email_context(self) -> dict[str, str]:
        now = timezone.now()
        lifetime = timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT)
        return {"link_lifetime": timeuntil(now + lifetime, now)}


class PasswordResetConfirmView(_RevokesApiTokens, auth_views.PasswordResetConfirmView):
    """Django's: the link works once (its token holds the password's hash), then every
    session of the user is logged out."""

    template_name = "registration/password_reset_new.html"


password_change = PasswordChangeView.as_view()
password_reset = PasswordResetView.as_view()
password_reset_confirm = PasswordResetConfirmView.as_view()
password_reset_done = auth_views.PasswordResetDoneView.as_view(
    template_name="registration/password_reset_sent.html"
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="registration/password_reset_finished.html"
)


@dataclass(frozen=True)
class HistoryRow:
    """One ended match as its player sees it on their profile."""

    game: str
    started_at: datetime
    duration: timedelta | None
    placement: int | None
    score: int | None
    players: list[str]
    state: str
    # The match's replay page, if its room recorded one.
    replay_url: str = ""

    @property
    def duration_text(self) -> str:
        """ "4:05" or "1:02:03"; a dash when the match has no end time."""
        if self.duration is None:
            return "—"
        minutes, seconds = divmod(int(self.duration.total_seconds()), 60)
        hours, minutes = divmod(minutes, 60)
        return f"{hours}:{minutes:02}:{seconds:02}" if hours else f"{minutes}:{seconds:02}"

    @property
    def placement_text(self) -> str:
        """ "1st", "2nd", "11th"; a dash for an aborted match, which places nobody."""
        if self.placement is None:
            return "—"
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(self.placement % 10, "th")
        if 10 <= self.placement % 100 <= 20:
            suffix = "th"
        return f"{self.placement}{suffix}"


def _match_history(user: User) -> list[HistoryRow]:
    """The user's latest ended matches, newest first: two queries however many rows."""
    seats = (
        MatchPlayer.objects.filter(user=user)
        .exclude(match__state=Match.State.RUNNING)
        .select_related("match")
        .annotate(has_replay=Exists(MatchReplay.objects.filter(match=OuterRef("match"))))
        .prefetch_related(
            Prefetch("match__players", queryset=MatchPlayer.objects.select_related("user"))
        )
        .order_by("-match__started_at")[:MATCH_HISTORY_ROWS]
    )
    rows = []
    for seat in seats:
        match = seat.match
        # A game taken out of the catalogue still shows, under its slug.
        game = CATALOGUE.get(match.game)
        rows.append(
            HistoryRow(
                game=game.name if game else match.game,
                started_at=match.started_at,
                duration=match.duration,
                placement=seat.placement,
                score=seat.score,
                players=[
                    f"{other.name} [bot]" if other.is_bot else other.name
                    for other in match.players.all()
                ],
                state=match.state,
                replay_url=reverse("replay", args=[match.pk]) if seat.has_replay else "",
            )
        )
    return rows
