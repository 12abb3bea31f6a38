"""Lobby pages: the list, the create form, invite links, the lobby itself, host actions.

Every action is a POST that calls one service and redirects; a refusal becomes a page
message that says why. The lobby page's script keeps it live over /ws/lobby/<code>/.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from game_server.limits import client_address
from games.rules import CATALOGUE, GAMES
from games.services import match_may_watch
from lobby import services
from lobby.forms import JoinCodeForm, LobbyForm
from lobby.models import Lobby, Membership, User
from lobby.services import LobbyError


def _lobby_url(lobby: Lobby) -> str:
    return reverse("lobby", args=[lobby.code])


def _say_left(request: HttpRequest, previous: Membership | None, lobby: Lobby) -> None:
    if previous is not None and previous.lobby_id != lobby.pk:
        messages.info(
            request,
            f"You left the lobby “{previous.lobby.name}” ({previous.lobby.code}) "
            "to join this one. You can sit in one lobby at a time.",
        )


def _refusal_page(request: HttpRequest, error: LobbyError) -> HttpResponse:
    """No such lobby (404), or too many codes tried from this address (429)."""
    limited = error.code == "RATE_LIMITED"
    context = {"error": error.message, "title": "Wait a minute" if limited else "Lobby not found"}
    response = render(request, "lobby/invite.html", context, status=429 if limited else 404)
    if error.retry_after:
        response["Retry-After"] = str(error.retry_after)
    return response


def _lookup(request: HttpRequest, code: str) -> Lobby:
    address = client_address(request.META)
    return services.lobby_lookup(code=code, user=request.user, address=address)


def _with_lobby(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Passes the lobby of the URL's code to the view, or answers with `_refusal_page`."""

    @wraps(view)
    def wrapper(request: HttpRequest, code: str, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            lobby = _lookup(request, code)
        except LobbyError as error:
            return _refusal_page(request, error)
        return view(request, lobby, *args, **kwargs)

    return wrapper


@require_GET
def lobby_list(request: HttpRequest) -> HttpResponse:
    services.lobby_close_idle_if_due()
    context = {
        "lobbies": services.lobby_list_public(),
        "games": GAMES,
        "join_form": JoinCodeForm(),
    }
    return render(request, "lobby/list.html", context)


@login_required
def lobby_new(request: HttpRequest) -> HttpResponse:
    game = CATALOGUE.get(request.GET.get("game") or request.POST.get("game") or GAMES[0].slug)
    if game is None:
        raise Http404("No such game")
    form = LobbyForm(request.POST or None, game=game)
    if request.method == "POST" and form.is_valid():
        previous = services.membership_current(user=request.user)
        try:
            lobby = services.lobby_create(
                host=request.user,
                game=game.slug,
                name=form.cleaned_data["name"],
                settings=form.game_settings(),
                max_players=form.cleaned_data["max_players"],
                is_public=form.cleaned_data["public"],
                allow_spectators=form.cleaned_data["allow_spectators"],
            )
        except LobbyError as error:
            form.add_service_error(error.field, error.message)
        else:
            _say_left(request, previous, lobby)
            return redirect(_lobby_url(lobby))
    status = 400 if form.errors else 200
    context = {"form": form, "game": game, "games": GAMES}
    return render(request, "lobby/new.html", context, status=status)


@require_POST
@login_required
def join_by_code(request: HttpRequest) -> HttpResponse:
    form = JoinCodeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Enter a lobby code.")
        return redirect("lobby_list")
    return _join(request, form.cleaned_data["code"], failure_url=reverse("lobby_list"))


def _join(request: HttpRequest, code: str, *, failure_url: str) -> HttpResponse:
    previous = services.membership_current(user=request.user)
    try:
        _lookup(request, code)
        membership = services.lobby_join(code=code, user=request.user)
    except LobbyError as error:
        if error.code == "RATE_LIMITED":
            return _refusal_page(request, error)
        messages.error(request, error.message)
        return redirect(failure_url)
    _say_left(request, previous, membership.lobby)
    return redirect(_lobby_url(membership.lobby))


@require_GET
@_with_lobby
def invite(request: HttpRequest, lobby: Lobby) -> HttpResponse:
    """An invite link: members go to the lobby; others see what they are joining."""
    current = None
    if request.user.is_authenticated:
        current = services.membership_current(user=request.user)
        if current and current.lobby_id == lobby.pk:
            return redirect(_lobby_url(lobby))
    context = {
        "lobby": lobby,
        "summary": services.lobby_summary(lobby),
        "current": current,
        "watch_url": _watch_url(request, lobby),
    }
    return render(request, "lobby/invite.html", context)


def _watch_url(request: HttpRequest, lobby: Lobby) -> str | None:
    """The running match's page, for a visitor who may watch it."""
    if lobby.state != Lobby.State.IN_GAME or not request.user.is_authenticated:
        return None
    match = services.current_match(lobby)
    if match is None or not match_may_watch(match_id=match.pk, user_id=request.user.pk):
        return None
    return services.play_url(match.pk)


@require_POST
@login_required
def invite_join(request: HttpRequest, code: str) -> HttpResponse:
    return _join(request, code, failure_url=reverse("invite", args=[code.upper()]))


@require_POST
@login_required
def play_now(request: HttpRequest, game: str) -> HttpResponse:
    previous = services.membership_current(user=request.user)
    try:
        membership = services.lobby_quick_play(user=request.user, game=game)
    except LobbyError as error:
        messages.error(request, error.message)
        return redirect("lobby_list")
    _say_left(request, previous, membership.lobby)
    return redirect(_lobby_url(membership.lobby))


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value)


def _page_context(request: HttpRequest, lobby: Lobby) -> dict[str, object]:
    snapshot = services.lobby_snapshot(lobby)
    game = services.game_of(lobby)
    is_host = lobby.host_id == request.user.pk
    me = next(m for m in snapshot["members"] if m["user_id"] == request.user.pk)
    return {
        "lobby": lobby,
        "snapshot": snapshot,
        "game": game,
        "me": me,
        "is_host": is_host,
        "settings_labels": [(s.label, _shown(lobby.settings.get(s.name))) for s in game.settings],
        "settings_form": LobbyForm.for_lobby(lobby, game) if is_host else None,
        "invite_link": request.build_absolute_uri(reverse("invite", args=[lobby.code])),
    }


@login_required
@require_GET
@_with_lobby
def lobby_page(request: HttpRequest, lobby: Lobby) -> HttpResponse:
    if not lobby.memberships.filter(user=request.user).exists():
        return redirect("invite", code=lobby.code)
    return render(request, "lobby/lobby.html", _page_context(request, lobby))


@login_required
@require_GET
@_with_lobby
def lobby_state(request: HttpRequest, lobby: Lobby) -> HttpResponse:
    """The live part of the lobby page, which its script fetches again on every event."""
    if not lobby.memberships.filter(user=request.user).exists():
        return HttpResponse(status=403)
    return render(request, "lobby/_state.html", _page_context(request, lobby))


def _target(request: HttpRequest) -> User:
    user_id = request.POST.get("user_id", "")
    # Only a plain number reaches the query: anything else would be a 500, not a refusal.
    valid = user_id.isascii() and user_id.isdigit()
    target = User.objects.filter(pk=int(user_id)).first() if valid else None
    if target is None:
        raise LobbyError("NOT_MEMBER", "That player is not in this lobby.")
    return target


@require_POST
@login_required
@_with_lobby
def lobby_action(request: HttpRequest, lobby: Lobby, action: str) -> HttpResponse:
    """One host or member action from the lobby page's forms."""
    user = request.user
    try:
        services.lobby_action_count(user=user)
        if action == "leave":
            services.lobby_leave(lobby=lobby, user=user)
            messages.success(request, f"You left the lobby “{lobby.name}”.")
            return redirect("lobby_list")
        if action == "ready":
            services.lobby_set_ready(lobby=lobby, user=user, ready=request.POST.get("ready") == "1")
        elif action == "kick":
            target = _target(request)
            services.lobby_kick(lobby=lobby, user=user, target=target)
            messages.success(request, f"{target} was removed from the lobby.")
        elif action == "host":
            target = _target(request)
            services.lobby_transfer_host(lobby=lobby, user=user, target=target)
            messages.success(request, f"{target} is the host now.")
        elif action == "start":
            match = services.lobby_start(lobby=lobby, user=user)
            return redirect(services.play_url(match.id))
        elif action == "close":
            services.lobby_close(lobby=lobby, user=user)
            messages.success(request, "The lobby is closed.")
            return redirect("lobby_list")
        elif action == "settings":
            return _update_settings(request, lobby)
        else:
            raise Http404("No such action")
    except LobbyError as error:
        messages.error(request, error.message)
    return redirect(_lobby_url(lobby))


def _update_settings(request: HttpRequest, lobby: Lobby) -> HttpResponse:
    form = LobbyForm(request.POST, game=services.game_of(lobby))
    if form.is_valid():
        try:
            services.lobby_update_settings(
                lobby=lobby,
                user=request.user,
                settings=form.game_settings(),
                name=form.cleaned_data["name"],
                max_players=form.cleaned_data["max_players"],
                is_public=form.cleaned_data["public"],
                allow_spectators=form.cleaned_data["allow_spectators"],
            )
        except LobbyError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "Settings saved. Everyone must get ready again.")
    else:
        problems = "; ".join(
            f"{form.fields[name].label or name}: {' '.join(errors)}"
            if name in form.fields
            else " ".join(errors)
            for name, errors in form.errors.items()
        )
        messages.error(request, f"Settings not saved. {problems}")
    return redirect(_lobby_url(lobby))
