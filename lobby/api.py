"""The JSON API for non-browser clients: bots, the load generator, game engines.

Documented in docs/api.md. Requests authenticate with `Authorization: Bearer <token>`
(from `POST /api/guest/` or `POST /api/login/`) or with the browser session. Token
requests carry no ambient authority, so they skip CSRF; session requests that change
anything keep Django's CSRF check, exactly as the pages do.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.views.decorators.csrf import csrf_exempt

from game_server.limits import client_address
from games.rules import GAMES
from lobby import accounts, services
from lobby.auth import (
    SOCKET_TICKET_SECONDS,
    bearer_token,
    socket_ticket_create,
    token_revoke,
    user_for_token,
)
from lobby.forms import DisplayNameForm, LogInForm
from lobby.models import Lobby, User
from lobby.services import LobbyError

STATUS = {
    "AUTH_REQUIRED": 401,
    "BAD_TOKEN": 401,
    "LOGIN_FAILED": 401,
    "CSRF_FAILED": 403,
    "KICKED": 403,
    "NOT_HOST": 403,
    "NOT_MEMBER": 403,
    "LOBBY_NOT_FOUND": 404,
    "METHOD_NOT_ALLOWED": 405,
    "IN_ANOTHER_MATCH": 409,
    "LOBBY_FULL": 409,
    "NOT_READY": 409,
    "TOO_FEW_PLAYERS": 409,
    "TOO_MANY_PLAYERS": 409,
    "WRONG_STATE": 409,
    "RATE_LIMITED": 429,
}
MESSAGES = {
    "BAD_JSON": "The body must be a JSON object sent as application/json.",
    "BAD_TOKEN": "That token is not valid.",
    "LOGIN_FAILED": "Please enter a correct username and password of a registered account.",
    "CSRF_FAILED": "Session requests need the CSRF token (X-CSRFToken header).",
    "METHOD_NOT_ALLOWED": "This URL does not take that method.",
}

GUESTS_LIMITED = "Too many guests were made from your network. Wait, then try again."

View = Callable[..., JsonResponse]


def error_response(code: str, message: str = "", **extra: Any) -> JsonResponse:
    message = message or MESSAGES.get(code) or services.MESSAGES.get(code, code)
    body = {"error": {"code": code, "message": message, **extra}}
    return JsonResponse(body, status=STATUS.get(code, 400))


def _csrf_rejected(request: HttpRequest) -> bool:
    check = CsrfViewMiddleware(lambda request: HttpResponse())
    check.process_request(request)
    return check.process_view(request, None, (), {}) is not None


def _body(request: HttpRequest) -> dict[str, Any]:
    if request.method != "POST" or not request.body:
        return {}
    if request.content_type != "application/json":
        # An empty form body (what many HTTP clients send with no data) is no body.
        if request.POST:
            raise ValueError("not JSON")
        return {}
    body = json.loads(request.body)
    if not isinstance(body, dict):
        raise ValueError("not an object")
    return body


def api(*methods: str, login: bool = True) -> Callable[[View], View]:
    """Method check, token or session auth (with CSRF for sessions), JSON body, error codes."""

    def decorate(view: View) -> View:
        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
            if request.method not in methods:
                return error_response("METHOD_NOT_ALLOWED")
            authorization = request.headers.get("Authorization")
            if authorization is not None:
                token = bearer_token(authorization)
                user = user_for_token(token) if token else None
                if user is None:
                    return error_response("BAD_TOKEN")
                request.user = user
            elif request.user.is_authenticated and _csrf_rejected(request):
                return error_response("CSRF_FAILED")
            if login and not request.user.is_authenticated:
                return error_response("AUTH_REQUIRED")
            try:
                body = _body(request)
            except ValueError:
                return error_response("BAD_JSON")
            try:
                return view(request, body, *args, **kwargs)
            except LobbyError as error:
                extra: dict[str, Any] = {"field": error.field} if error.field else {}
                if error.retry_after:
                    extra["retry_after"] = error.retry_after
                response = error_response(error.code, error.message, **extra)
                if error.retry_after:
                    response["Retry-After"] = str(error.retry_after)
                return response

        return wrapper

    return decorate


def _lobby_action(view: View) -> View:
    """A lobby write, counted against the user's lobby action budget before it runs."""

    @wraps(view)
    def counted(request: HttpRequest, body: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        services.lobby_action_count(user=request.user)
        return view(request, body, *args, **kwargs)

    return counted


def _lobby(request: HttpRequest, code: str) -> Lobby:
    """The lobby of the URL's code; non-members' lookups are throttled per address."""
    address = client_address(request.META)
    return services.lobby_lookup(code=code, user=request.user, address=address)


def _user_json(user: User) -> dict[str, Any]:
    return {"id": user.pk, "name": str(user), "guest": user.is_guest}


def _field(body: dict[str, Any], name: str, kind: type | tuple[type, ...]) -> Any:
    """An optional body field of the given JSON type, or BAD_REQUEST naming it."""
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise LobbyError("BAD_REQUEST", f"'{name}' has the wrong type.", field=name)
    return value


def _required(body: dict[str, Any], name: str, kind: type | tuple[type, ...]) -> Any:
    value = _field(body, name, kind)
    if value is None:
        raise LobbyError("BAD_REQUEST", f"'{name}' is required.", field=name)
    return value


def _lobby_response(lobby: Lobby, status: int = 200, **extra: Any) -> JsonResponse:
    lobby = Lobby.objects.select_related("host").get(pk=lobby.pk)
    return JsonResponse({"lobby": services.lobby_snapshot(lobby), **extra}, status=status)


def _target(body: dict[str, Any]) -> User:
    user_id = _required(body, "user_id", int)
    target = User.objects.filter(pk=user_id).first()
    if target is None:
        raise LobbyError("NOT_MEMBER", "That player is not in this lobby.", field="user_id")
    return target


def _left_code(user: User, joined: Lobby) -> str | None:
    current = services.membership_current(user=user)
    return current.lobby.code if current and current.lobby_id != joined.pk else None


@api("POST", login=False)
def guest(request: HttpRequest, body: dict[str, Any]) -> JsonResponse:
    name = _field(body, "name", str)
    if name is not None:
        form = DisplayNameForm({"display_name": name})
        if not form.is_valid():
            message = form.errors["display_name"][0]
            raise LobbyError("BAD_REQUEST", f"name: {message}", field="name")
        name = form.cleaned_data["display_name"]
    rate = accounts.guest_creation_allowed(address=client_address(request.META))
    if not rate.allowed:
        raise LobbyError("RATE_LIMITED", GUESTS_LIMITED, retry_after=rate.retry_after)
    user = accounts.guest_create()
    if name:
        accounts.user_rename(user=user, display_name=name)
    token = services.api_token_create(user=user)
    return JsonResponse({"token": token, "user": _user_json(user)}, status=201)


@api("POST", login=False)
def log_in(request: HttpRequest, body: dict[str, Any]) -> JsonResponse:
    credentials = {name: _required(body, name, str) for name in ("username", "password")}
    form = LogInForm(request, data=credentials)
    if form.throttled:
        raise LobbyError("RATE_LIMITED", form.non_field_errors()[0], retry_after=form.retry_after)
    for name in credentials:
        if name in form.errors:
            raise LobbyError("BAD_REQUEST", f"{name}: {form.errors[name][0]}", field=name)
    user = form.get_user() if form.is_valid() else None
    if user is None or user.is_guest:
        return error_response("LOGIN_FAILED")
    user_logged_in.send(sender=type(user), request=request, user=user)
    token = services.api_token_create(user=user)
    return JsonResponse({"token": token, "user": _user_json(user)}, status=201)


@api("POST")
def log_out(request: HttpRequest, body: dict[str, Any]) -> JsonResponse:
    token = bearer_token(request.headers.get("Authorization", ""))
    if token:
        token_revoke(token)
    else:
        logout(request)
    return JsonResponse({"logged_out": True})


@api("POST")
def socket_ticket(request: HttpRequest, body: dict[str, Any]) -> JsonResponse:
    ticket = socket_ticket_create(user=request.user)
    return JsonResponse({"ticket": ticket, "expires_in": SOCKET_TICKET_SECONDS}, status=201)


@api("GET")
def me(request: HttpRequest, body: dict[str, Any]) -> JsonResponse:
    current = services.membership_current(user=request.user)
    return JsonResponse(
        {"user": _user_json(request.user), "lobby": current.lobby.code if current else None}
    )


@api("GET", login=False)
def games(request: HttpRequest, body: dict[str, Any]) -> JsonResponse:
    return JsonResponse(
        {
            "games": [
                {
                    "slug": game.slug,
                    "name": game.name,
                    "description": game.description,
                    "min_players": game.min_players,
                    "max_players": game.max_players,
                    "realtime": game.realtime,
                    "settings": game.schema(),
                }
                for game in GAMES
            ]
        }
    )


@api("GET", "POST", login=False)
def lobbies(request: HttpRequest, body: dict[str, Any]) -> JsonResponse:
    if request.method == "GET":
        services.lobby_close_idle_if_due()
        return JsonResponse({"lobbies": services.lobby_list_public(game=request.GET.get("game"))})
    if not request.user.is_authenticated:
        raise LobbyError("AUTH_REQUIRED")
    services.lobby_action_count(user=request.user)
    previous = services.membership_current(user=request.user)
    lobby = services.lobby_create(
        host=request.user,
        game=_required(body, "game", str),
        name=_field(body, "name", str),
        settings=_field(body, "settings", dict),
        max_players=_field(body, "max_players", int),
        is_public=_field(body, "public", bool) is not False,
        allow_spectators=_field(body, "allow_spectators", bool) is True,
    )
    left = previous.lobby.code if previous else None
    return _lobby_response(lobby, status=201, left=left)


@api("GET")
def lobby_detail(request: HttpRequest, body: dict[str, Any], code: str) -> JsonResponse:
    return _lobby_response(_lobby(request, code))


@api("POST")
@_lobby_action
def lobby_join(request: HttpRequest, body: dict[str, Any], code: str) -> JsonResponse:
    lobby = _lobby(request, code)
    left = _left_code(request.user, lobby)
    services.lobby_join(code=code, user=request.user)
    return _lobby_response(lobby, left=left)


@api("POST")
@_lobby_action
def lobby_leave(request: HttpRequest, body: dict[str, Any], code: str) -> JsonResponse:
    lobby = _lobby(request, code)
    services.lobby_leave(lobby=lobby, user=request.user)
    return JsonResponse({"left": lobby.code})


@api("POST")
@_lobby_action
def lobby_ready(request: HttpRequest, body: dict[str, Any], code: str) -> JsonResponse:
    lobby = _lobby(request, code)
    ready = _field(body, "ready", bool)
    services.lobby_set_ready(lobby=lobby, user=request.user, ready=ready is not False)
    return _lobby_response(lobby)


@api("POST")
@_lobby_action
def lobby_settings(request: HttpRequest, body: dict[str, Any], code: str) -> JsonResponse:
    lobby = _lobby(request, code)
    services.lobby_update_settings(
        lobby=lobby,
        user=request.user,
        settings=_field(body, "settings", dict),
        name=_field(body, "name", str),
        max_players=_field(body, "max_players", int),
        is_public=_field(body, "public", bool),
        allow_spectators=_field(body, "allow_spectators", bool),
    )
    return _lobby_response(lobby)


@api("POST")
@_lobby_action
def lobby_kick(request: HttpRequest, body: dict[str, Any], code: str) -> JsonResponse:
    lobby = _lobby(request, code)
    services.lobby_kick(lobby=lobby, user=request.user, target=_target(body))
    return _lobby_response(lobby)


@api("POST")
@_lobby_action
def lobby_host(request: HttpRequest, body: dict[str, Any], code: str) -> JsonResponse:
    lobby = _lobby(request, code)
    services.lobby_transfer_host(lobby=lobby, user=request.user, target=_target(body))
    return _lobby_response(lobby)


@api("POST")
@_lobby_action
def lobby_start(request: HttpRequest, body: dict[str, Any], code: str) -> JsonResponse:
    lobby = _lobby(request, code)
    match = services.lobby_start(lobby=lobby, user=request.user)
    return _lobby_response(lobby, match_id=str(match.id), play_url=services.play_url(match.id))


@api("POST")
def lobby_chat(request: HttpRequest, body: dict[str, Any], code: str) -> JsonResponse:
    lobby = _lobby(request, code)
    text = _required(body, "text", str)
    message = services.lobby_chat(lobby=lobby, user=request.user, text=text)
    return JsonResponse({"message": message})


@api("POST")
@_lobby_action
def lobby_close(request: HttpRequest, body: dict[str, Any], code: str) -> JsonResponse:
    lobby = _lobby(request, code)
    services.lobby_close(lobby=lobby, user=request.user)
    return JsonResponse({"closed": lobby.code})


@api("POST")
@_lobby_action
def quick_play(request: HttpRequest, body: dict[str, Any]) -> JsonResponse:
    previous = services.membership_current(user=request.user)
    membership = services.lobby_quick_play(user=request.user, game=_required(body, "game", str))
    left = previous.lobby.code if previous and previous.lobby_id != membership.lobby_id else None
    return _lobby_response(membership.lobby, left=left)
