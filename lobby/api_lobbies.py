"""The lobby calls of the JSON API (docs/api.md, Calls): list, create, read, join,
leave, ready, settings, kick, host, start, chat, close and quick play.

Each is a thin call to lobby/services.py and declares every refusal it may answer; every
lobby write but chat counts against the user's lobby action budget, and looking up a
lobby one is not in against the address's budget (services.lobby_lookup).
"""

from __future__ import annotations

from functools import wraps
from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from game_server.limits import client_address
from lobby import services
from lobby.api_conventions import (
    ANYONE,
    EMPTY_OBJECT,
    SIGNED_IN,
    WITH_BODY,
    WRITE,
    View,
    no_body,
    refuse_other_methods,
)
from lobby.api_schemas import (
    ChatBody,
    ChatSent,
    LobbyAnswer,
    LobbyClosed,
    LobbyCreateBody,
    LobbyLeft,
    LobbyList,
    LobbyMoved,
    LobbySettingsBody,
    LobbyStarted,
    QuickPlayBody,
    ReadyBody,
    TargetBody,
    refusals,
)
from lobby.models import Lobby, User
from lobby.services import LobbyError

LOBBY_ACTION = (*WRITE, "RATE_LIMITED")
IN_A_LOBBY = (*LOBBY_ACTION, "LOBBY_NOT_FOUND")

router = Router(tags=["lobbies"])


def _lobby_action(view: View) -> View:
    """A lobby write, counted against the user's lobby action budget before it runs."""

    @wraps(view)
    def counted(request: HttpRequest, **kwargs: Any) -> Any:
        services.lobby_action_count(user=request.user)
        return view(request, **kwargs)

    return counted


def _lobby(request: HttpRequest, code: str) -> Lobby:
    """The lobby of the URL's code; non-members' lookups are throttled per address."""
    address = client_address(request.META)
    return services.lobby_lookup(code=code, user=request.user, address=address)


def _lobby_json(lobby: Lobby, **extra: Any) -> dict[str, Any]:
    lobby = Lobby.objects.select_related("host").get(pk=lobby.pk)
    return {"lobby": services.lobby_snapshot(lobby), **extra}


def _target(body: TargetBody) -> User:
    target = User.objects.filter(pk=body.user_id).first()
    if target is None:
        raise LobbyError("NOT_MEMBER", "That player is not in this lobby.", field="user_id")
    return target


def _left_code(user: User, joined: Lobby) -> str | None:
    current = services.membership_current(user=user)
    return current.lobby.code if current and current.lobby_id != joined.pk else None


@router.get(
    "/lobbies/",
    **ANYONE,
    response={200: LobbyList, **refusals("BAD_TOKEN")},
    summary="Public open lobbies, optionally of one game",
)
def lobby_list(request: HttpRequest, game: str | None = None) -> dict[str, Any]:
    services.lobby_close_idle_if_due()
    return {"lobbies": services.lobby_list_public(game=game)}


@router.post(
    "/lobbies/",
    response={
        201: LobbyMoved,
        **refusals(
            *LOBBY_ACTION,
            *WITH_BODY,
            "UNKNOWN_GAME",
            "BAD_SETTINGS",
            "BAD_MAX_PLAYERS",
            "BAD_NAME",
        ),
    },
    summary="Create a lobby, leaving the one you sit in",
)
@_lobby_action
def lobby_create(request: HttpRequest, body: LobbyCreateBody = EMPTY_OBJECT) -> Status:
    previous = services.membership_current(user=request.user)
    lobby = services.lobby_create(
        host=request.user,
        game=body.game,
        name=body.name,
        settings=body.settings,
        max_players=body.max_players,
        is_public=body.public is not False,
        allow_spectators=body.allow_spectators is True,
    )
    left = previous.lobby.code if previous else None
    return Status(201, _lobby_json(lobby, left=left))


@router.get(
    "/lobbies/{code}/",
    response={200: LobbyAnswer, **refusals(*SIGNED_IN, "LOBBY_NOT_FOUND", "RATE_LIMITED")},
    summary="Read a lobby",
)
def lobby_detail(request: HttpRequest, code: str) -> dict[str, Any]:
    return _lobby_json(_lobby(request, code))


@router.post(
    "/lobbies/{code}/join/",
    response={
        200: LobbyMoved,
        **refusals(*IN_A_LOBBY, "BAD_JSON", "LOBBY_FULL", "KICKED", "WRONG_STATE"),
    },
    summary="Join a lobby by its code, leaving the one you sit in",
)
@no_body
@_lobby_action
def lobby_join(request: HttpRequest, code: str) -> dict[str, Any]:
    lobby = _lobby(request, code)
    left = _left_code(request.user, lobby)
    services.lobby_join(code=code, user=request.user)
    return _lobby_json(lobby, left=left)


@router.post(
    "/lobbies/{code}/leave/",
    response={200: LobbyLeft, **refusals(*IN_A_LOBBY, "BAD_JSON", "NOT_MEMBER")},
    summary="Leave a lobby",
)
@no_body
@_lobby_action
def lobby_leave(request: HttpRequest, code: str) -> dict[str, Any]:
    lobby = _lobby(request, code)
    services.lobby_leave(lobby=lobby, user=request.user)
    return {"left": lobby.code}


@router.post(
    "/lobbies/{code}/ready/",
    response={
        200: LobbyAnswer,
        **refusals(*IN_A_LOBBY, *WITH_BODY, "NOT_MEMBER", "WRONG_STATE"),
    },
    summary="Say you are ready, or not",
)
@_lobby_action
def lobby_ready(request: HttpRequest, code: str, body: ReadyBody = EMPTY_OBJECT) -> dict[str, Any]:
    lobby = _lobby(request, code)
    services.lobby_set_ready(lobby=lobby, user=request.user, ready=body.ready is not False)
    return _lobby_json(lobby)


@router.post(
    "/lobbies/{code}/settings/",
    response={
        200: LobbyAnswer,
        **refusals(
            *IN_A_LOBBY,
            *WITH_BODY,
            "NOT_HOST",
            "NOT_MEMBER",
            "WRONG_STATE",
            "BAD_SETTINGS",
            "BAD_MAX_PLAYERS",
            "BAD_NAME",
        ),
    },
    summary="Change the lobby (host); everyone's ready flag is cleared",
)
@_lobby_action
def lobby_settings(
    request: HttpRequest, code: str, body: LobbySettingsBody = EMPTY_OBJECT
) -> dict[str, Any]:
    lobby = _lobby(request, code)
    services.lobby_update_settings(
        lobby=lobby,
        user=request.user,
        settings=body.settings,
        name=body.name,
        max_players=body.max_players,
        is_public=body.public,
        allow_spectators=body.allow_spectators,
    )
    return _lobby_json(lobby)


@router.post(
    "/lobbies/{code}/kick/",
    response={
        200: LobbyAnswer,
        **refusals(*IN_A_LOBBY, *WITH_BODY, "NOT_HOST", "NOT_MEMBER", "CANNOT_KICK_SELF"),
    },
    summary="Remove a player, or a spectator in a game, for good (host)",
)
@_lobby_action
def lobby_kick(request: HttpRequest, code: str, body: TargetBody = EMPTY_OBJECT) -> dict[str, Any]:
    lobby = _lobby(request, code)
    services.lobby_kick(lobby=lobby, user=request.user, target=_target(body))
    return _lobby_json(lobby)


@router.post(
    "/lobbies/{code}/host/",
    response={200: LobbyAnswer, **refusals(*IN_A_LOBBY, *WITH_BODY, "NOT_HOST", "NOT_MEMBER")},
    summary="Hand the host role to a member (host)",
)
@_lobby_action
def lobby_host(request: HttpRequest, code: str, body: TargetBody = EMPTY_OBJECT) -> dict[str, Any]:
    lobby = _lobby(request, code)
    services.lobby_transfer_host(lobby=lobby, user=request.user, target=_target(body))
    return _lobby_json(lobby)


@router.post(
    "/lobbies/{code}/start/",
    response={
        200: LobbyStarted,
        **refusals(
            *IN_A_LOBBY,
            "BAD_JSON",
            "NOT_HOST",
            "NOT_MEMBER",
            "WRONG_STATE",
            "NOT_READY",
            "TOO_FEW_PLAYERS",
            "TOO_MANY_PLAYERS",
            "IN_ANOTHER_MATCH",
        ),
    },
    summary="Start the match (host)",
)
@no_body
@_lobby_action
def lobby_start(request: HttpRequest, code: str) -> dict[str, Any]:
    lobby = _lobby(request, code)
    match = services.lobby_start(lobby=lobby, user=request.user)
    return _lobby_json(lobby, match_id=str(match.id), play_url=services.play_url(match.id))


@router.post(
    "/lobbies/{code}/chat/",
    response={
        200: ChatSent,
        **refusals(
            *IN_A_LOBBY,
            *WITH_BODY,
            "NOT_MEMBER",
            "CHAT_EMPTY",
            "CHAT_TOO_LONG",
            "CHAT_BAD_TEXT",
        ),
    },
    summary="Say something to the lobby's members",
)
def lobby_chat(request: HttpRequest, code: str, body: ChatBody = EMPTY_OBJECT) -> dict[str, Any]:
    lobby = _lobby(request, code)
    message = services.lobby_chat(lobby=lobby, user=request.user, text=body.text)
    return {"message": message}


@router.post(
    "/lobbies/{code}/close/",
    response={200: LobbyClosed, **refusals(*IN_A_LOBBY, "BAD_JSON", "NOT_HOST", "NOT_MEMBER")},
    summary="Close the lobby (host)",
)
@no_body
@_lobby_action
def lobby_close(request: HttpRequest, code: str) -> dict[str, Any]:
    lobby = _lobby(request, code)
    services.lobby_close(lobby=lobby, user=request.user)
    return {"closed": lobby.code}


@router.post(
    "/quick-play/",
    response={
        200: LobbyMoved,
        **refusals(*LOBBY_ACTION, *WITH_BODY, "UNKNOWN_GAME", "IN_ANOTHER_MATCH"),
    },
    summary="A seat in the fullest open lobby of a game, or a new one",
)
@_lobby_action
def quick_play(request: HttpRequest, body: QuickPlayBody = EMPTY_OBJECT) -> dict[str, Any]:
    previous = services.membership_current(user=request.user)
    membership = services.lobby_quick_play(user=request.user, game=body.game)
    left = previous.lobby.code if previous and previous.lobby_id != membership.lobby_id else None
    return _lobby_json(membership.lobby, left=left)


refuse_other_methods(router)
