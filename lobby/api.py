"""The JSON API's identity and catalogue calls, for clients that are not the browser pages.

game_server/api.py puts the API together from this router and the others: the lobby
calls (lobby/api_lobbies.py), match replays (lobby/api_matches.py), leaderboards
(ratings/api.py) and the ranked queue (ranked/api.py). The shapes of bodies and answers
are in lobby/api_schemas.py, and how the API authenticates, reads bodies and refuses in
lobby/api_conventions.py. docs/api.md describes every call. Each call is a thin call to
lobby/services.py and declares every refusal it may answer.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.http import HttpRequest
from ninja import Router, Status

from game_server.limits import client_address
from games.rules import GAMES
from lobby import accounts, services
from lobby.api_conventions import (
    ANYONE,
    ANYONE_WRITES,
    EMPTY_OBJECT,
    SIGNED_IN,
    WITH_BODY,
    WRITE,
    no_body,
    refuse_other_methods,
    refused,
)
from lobby.api_schemas import (
    GameList,
    GuestBody,
    Identity,
    LoggedOut,
    LogInBody,
    Me,
    SocketTicket,
    refusals,
)
from lobby.auth import SOCKET_TICKET_SECONDS, bearer_token, socket_ticket_create, token_revoke
from lobby.forms import DisplayNameForm, LogInForm
from lobby.models import User
from lobby.services import LobbyError

GUESTS_LIMITED = "Too many guests were made from your network. Wait, then try again."

router = Router()


def _user_json(user: User) -> dict[str, Any]:
    return {"id": user.pk, "name": str(user), "guest": user.is_guest}


# Identity


@router.post(
    "/guest/",
    **ANYONE,
    response={201: Identity, **refusals(*ANYONE_WRITES, *WITH_BODY, "RATE_LIMITED")},
    summary="Get an identity: a guest account and its token",
    tags=["identity"],
)
def guest(request: HttpRequest, body: GuestBody = EMPTY_OBJECT) -> Status:
    name = body.name
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
    return Status(201, {"token": token, "user": _user_json(user)})


@router.post(
    "/login/",
    **ANYONE,
    response={
        201: Identity,
        **refusals(*ANYONE_WRITES, *WITH_BODY, "LOGIN_FAILED", "RATE_LIMITED"),
    },
    summary="A token for a registered account",
    tags=["identity"],
)
def log_in(request: HttpRequest, body: LogInBody = EMPTY_OBJECT) -> Status:
    credentials = {"username": body.username, "password": body.password}
    form = LogInForm(request, data=credentials)
    if form.throttled:
        raise LobbyError("RATE_LIMITED", form.non_field_errors()[0], retry_after=form.retry_after)
    for name in credentials:
        if name in form.errors:
            raise LobbyError("BAD_REQUEST", f"{name}: {form.errors[name][0]}", field=name)
    user = form.get_user() if form.is_valid() else None
    if user is None or user.is_guest:
        raise refused("LOGIN_FAILED")
    user_logged_in.send(sender=type(user), request=request, user=user)
    token = services.api_token_create(user=user)
    return Status(201, {"token": token, "user": _user_json(user)})


@router.post(
    "/logout/",
    response={200: LoggedOut, **refusals(*WRITE, "BAD_JSON")},
    summary="Revoke this token, or end this session",
    tags=["identity"],
)
@no_body
def log_out(request: HttpRequest) -> dict[str, Any]:
    token = bearer_token(request.headers.get("Authorization", ""))
    if token:
        token_revoke(token)
    else:
        logout(request)
    return {"logged_out": True}


@router.post(
    "/socket-ticket/",
    response={201: SocketTicket, **refusals(*WRITE, "BAD_JSON")},
    summary="A ticket that opens one socket",
    tags=["identity"],
)
@no_body
def socket_ticket(request: HttpRequest) -> Status:
    ticket = socket_ticket_create(user=request.user)
    return Status(201, {"ticket": ticket, "expires_in": SOCKET_TICKET_SECONDS})


@router.get(
    "/me/",
    response={200: Me, **refusals(*SIGNED_IN)},
    summary="Who you are, and the lobby you sit in",
    tags=["identity"],
)
def me(request: HttpRequest) -> dict[str, Any]:
    current = services.membership_current(user=request.user)
    return {"user": _user_json(request.user), "lobby": current.lobby.code if current else None}


# The game catalogue


@router.get(
    "/games/",
    **ANYONE,
    response={200: GameList, **refusals("BAD_TOKEN")},
    summary="The game catalogue, with each game's settings schema",
    tags=["games"],
)
def games(request: HttpRequest) -> dict[str, Any]:
    return {
        "games": [
            {
                "slug": game.slug,
                "name": game.name,
                "description": game.description,
                "min_players": game.min_players,
                "max_players": game.max_players,
                "realtime": game.realtime,
                "bot_levels": list(game.bot_levels) if game.bot is not None else [],
                "settings": game.schema(),
            }
            for game in GAMES
        ]
    }


refuse_other_methods(router)
