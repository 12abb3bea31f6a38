"""Lobby pages: the list, the create form, invite links, the lobby itself, its actions.

Every action is a POST that takes one row of the lobby action table (lobby/actions.py)
and redirects; a refusal becomes a page message that says why. The lobby page's script
keeps it live over /ws/lobby/<code>/.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from game_server.limits import client_address
from games.rules import CATALOGUE, GAMES
from games.services import match_may_watch
from lobby import actions, services
from lobby.account_views import become_guest
from lobby.forms import JoinCodeForm, LobbyForm
from lobby.models import Lobby
from lobby.services import LobbyError


def _lobby_url(lobby: Lobby | None) -> str:
    """The lobby's page; the list when an action left the user in no lobby."""
    return reverse("lobby", args=[lobby.code]) if lobby is not None else reverse("lobby_list")


def _perform(request: HttpRequest, action: str, **where_and_what: Any) -> actions.Done:
    """The action for the page's user; `code` and `fields` as `actions.perform` takes them."""
    address = client_address(request.META)
    return actions.perform(action, user=request.user, address=address, **where_and_what)


def _say_left(request: HttpRequest, done: actions.Done) -> None:
    if done.left is not None:
        messages.info(
            request,
            f"You left the lobby “{done.left.name}” ({done.left.code}) "
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


def _with_lobby(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Passes the lobby of the URL's code to the view, or answers with `_refusal_page`."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, code: str, *args: Any, **kwargs: Any) -> HttpResponse:
        address = client_address(request.META)
        try:
            lobby = services.lobby_lookup(code=code, user=request.user, address=address)
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
        try:
            done = _perform(request, "create", fields={"game": game.slug, **_lobby_fields(form)})
        except LobbyError as error:
            form.add_service_error(error.field, error.message)
        else:
            _say_left(request, done)
            return redirect(_lobby_url(done.lobby))
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
    try:
        done = _perform(request, "join", code=code)
    except LobbyError as error:
        if error.code == "RATE_LIMITED":
            return _refusal_page(request, error)
        messages.error(request, error.message)
        return redirect(failure_url)
    _say_left(request, done)
    return redirect(_lobby_url(done.lobby))


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
    try:
        done = _perform(request, "quick_play", fields={"game": game})
    except LobbyError as error:
        messages.error(request, error.message)
        return redirect("lobby_list")
    _say_left(request, done)
    return redirect(_lobby_url(done.lobby))


@require_POST
def play_computer(request: HttpRequest) -> HttpResponse:
    """ "Play against the computer": a visitor becomes a guest first, then the match
    starts at once (the game and level posted, or the defaults) and its page opens."""
    refused = become_guest(request)
    if refused is not None:
        return refused
    fields = {name: request.POST[name] for name in ("game", "level") if request.POST.get(name)}
    try:
        done = _perform(request, "play_computer", fields=fields)
    except LobbyError as error:
        messages.error(request, error.message)
        return redirect("home")
    _say_left(request, done)
    return redirect(services.play_url(done.result.id))


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value)


def _offer_bots_in(snapshot: dict[str, Any]) -> int | None:
    """Seconds until the lone member is offered to play bots (0: now); None: no offer."""
    if snapshot["bots_offered_at"] is None:
        return None
    offered_at = datetime.fromisoformat(snapshot["bots_offered_at"])
    return max(0, math.ceil((offered_at - timezone.now()).total_seconds()))


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
        "players": len(snapshot["members"]) + len(snapshot["bots"]),
        "offer_bots_in": _offer_bots_in(snapshot),
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


@require_POST
@login_required
def lobby_action(request: HttpRequest, code: str, action: str) -> HttpResponse:
    """A member's or the host's action from the lobby page's forms (`actions.IN_LOBBY`)."""
    if action not in actions.IN_LOBBY:
        raise Http404("No such action")
    try:
        done = _perform(request, action, code=code, fields=_form_fields(request, action))
    except LobbyError as error:
        if error.code == "LOBBY_NOT_FOUND":
            return _refusal_page(request, error)
        messages.error(request, error.message)
        return redirect("lobby", code=code)
    return _after(request, action, done)


def _form_fields(request: HttpRequest, action: str) -> actions.Fields:
    """The action's fields from the posted form: the settings form of the lobby's game,
    or for other actions each posted string as the JSON value its field takes."""
    if action == "settings":
        return functools.partial(_settings_fields, request)
    return {
        field.name: _form_value(request.POST[field.name], field.kind)
        for field in actions.ACTIONS[action].fields
        if field.name in request.POST
    }


def _form_value(posted: str, kind: type) -> object:
    # A string that is no such value stays a string, which the table refuses (BAD_REQUEST).
    if kind is bool:
        return {"1": True, "on": True, "0": False}.get(posted, posted)
    if kind is int and posted.isascii() and posted.isdigit():
        return int(posted)
    return posted


def _lobby_fields(form: LobbyForm) -> dict[str, object]:
    return {
        "name": form.cleaned_data["name"],
        "settings": form.game_settings(),
        "max_players": form.cleaned_data["max_players"],
        "public": form.cleaned_data["public"],
        "allow_spectators": form.cleaned_data["allow_spectators"],
        "spectators_may_chat": form.cleaned_data["spectators_may_chat"],
    }


def _settings_fields(request: HttpRequest, lobby: Lobby) -> dict[str, object]:
    form = LobbyForm(request.POST, game=services.game_of(lobby))
    if not form.is_valid():
        problems = "; ".join(
            f"{form.fields[name].label or name}: {' '.join(errors)}"
            if name in form.fields
            else " ".join(errors)
            for name, errors in form.errors.items()
        )
        raise LobbyError("BAD_REQUEST", f"Settings not saved. {problems}")
    return _lobby_fields(form)


def _after(request: HttpRequest, action: str, done: actions.Done) -> HttpResponse:
    """Where the lobby page goes after an action, with a word on what it did."""
    lobby = done.lobby
    assert lobby is not None  # every action in IN_LOBBY has its lobby
    if action in ("start", "fill_with_bots"):
        return redirect(services.play_url(done.result.id))
    if action == "leave":
        messages.success(request, f"You left the lobby “{lobby.name}”.")
        return redirect("lobby_list")
    if action == "close":
        messages.success(request, "The lobby is closed.")
        return redirect("lobby_list")
    said = {
        "kick": f"{done.target} was removed from the lobby.",
        "host": f"{done.target} is the host now.",
        "settings": "Settings saved. Everyone must get ready again.",
        "add_bot": "A bot took a seat.",
        "remove_bot": "The bot left its seat.",
    }.get(action)
    if said:
        messages.success(request, said)
    return redirect(_lobby_url(lobby))
