"""The lobby calls of the JSON API (docs/api.md, Calls): list, create, read, join,
leave, ready, settings, kick, host, add and remove a bot, start, chat, close, quick
play and a match against the computer.

Each write is one row of the lobby action table (lobby/actions.py, `perform`), as on the
pages and the lobby socket, and declares every refusal it may answer; every lobby write
but chat counts against the user's lobby action budget, and looking up a lobby one is not
in against the address's budget (services.lobby_lookup).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from game_server.limits import client_address
from lobby import services
from lobby.actions import Done, perform
from lobby.api_conventions import (
    ANYONE,
    EMPTY_OBJECT,
    SIGNED_IN,
    WITH_BODY,
    WRITE,
    no_body,
    refuse_other_methods,
)
from lobby.api_schemas import (
    AddBotBody,
    ChatBody,
    ChatSent,
    ComputerMatch,
    LobbyAnswer,
    LobbyClosed,
    LobbyCreateBody,
    LobbyLeft,
    LobbyList,
    LobbyMoved,
    LobbySettingsBody,
    LobbyStarted,
    PlayComputerBody,
    QuickPlayBody,
    ReadyBody,
    RemoveBotBody,
    TargetBody,
    refusals,
)
from lobby.models import Lobby

LOBBY_ACTION = (*WRITE, "RATE_LIMITED")
IN_A_LOBBY = (*LOBBY_ACTION, "LOBBY_NOT_FOUND")

router = Router(tags=["lobbies"])


def _perform(
    request: HttpRequest, action: str, code: str | None = None, body: Schema | None = None
) -> Done:
    """Takes the table's `action` with the body's fields (lobby/actions.py)."""
    return perform(
        action,
        user=request.user,
        address=client_address(request.META),
        code=code,
        fields=body.model_dump() if body is not None else {},
    )


def _lobby_json(lobby: Lobby, **extra: Any) -> dict[str, Any]:
    lobby = Lobby.objects.select_related("host").get(pk=lobby.pk)
    return {"lobby": services.lobby_snapshot(lobby), **extra}


def _on_lobby(done: Done) -> Lobby:
    """The lobby an action on a lobby (every one but create and quick play) was about."""
    assert done.lobby is not None
    return done.lobby


def _seated_json(done: Done) -> dict[str, Any]:
    """The answer of an action that seats the user: their lobby, and the one they left."""
    return _lobby_json(_on_lobby(done), left=done.left.code if done.left else None)


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
def lobby_create(request: HttpRequest, body: LobbyCreateBody = EMPTY_OBJECT) -> Status:
    return Status(201, _seated_json(_perform(request, "create", body=body)))


@router.get(
    "/lobbies/{code}/",
    response={200: LobbyAnswer, **refusals(*SIGNED_IN, "LOBBY_NOT_FOUND", "RATE_LIMITED")},
    summary="Read a lobby",
)
def lobby_detail(request: HttpRequest, code: str) -> dict[str, Any]:
    address = client_address(request.META)
    return _lobby_json(services.lobby_lookup(code=code, user=request.user, address=address))


@router.post(
    "/lobbies/{code}/join/",
    response={
        200: LobbyMoved,
        **refusals(*IN_A_LOBBY, "BAD_JSON", "LOBBY_FULL", "KICKED", "WRONG_STATE"),
    },
    summary="Join a lobby by its code, leaving the one you sit in",
)
@no_body
def lobby_join(request: HttpRequest, code: str) -> dict[str, Any]:
    return _seated_json(_perform(request, "join", code))


@router.post(
    "/lobbies/{code}/leave/",
    response={200: LobbyLeft, **refusals(*IN_A_LOBBY, "BAD_JSON", "NOT_MEMBER")},
    summary="Leave a lobby",
)
@no_body
def lobby_leave(request: HttpRequest, code: str) -> dict[str, Any]:
    return {"left": _on_lobby(_perform(request, "leave", code)).code}


@router.post(
    "/lobbies/{code}/ready/",
    response={
        200: LobbyAnswer,
        **refusals(*IN_A_LOBBY, *WITH_BODY, "NOT_MEMBER", "WRONG_STATE"),
    },
    summary="Say you are ready, or not",
)
def lobby_ready(request: HttpRequest, code: str, body: ReadyBody = EMPTY_OBJECT) -> dict[str, Any]:
    return _lobby_json(_on_lobby(_perform(request, "ready", code, body)))


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
def lobby_settings(
    request: HttpRequest, code: str, body: LobbySettingsBody = EMPTY_OBJECT
) -> dict[str, Any]:
    return _lobby_json(_on_lobby(_perform(request, "settings", code, body)))


@router.post(
    "/lobbies/{code}/kick/",
    response={
        200: LobbyAnswer,
        **refusals(*IN_A_LOBBY, *WITH_BODY, "NOT_HOST", "NOT_MEMBER", "CANNOT_KICK_SELF"),
    },
    summary="Remove a player, or a spectator in a game, for good (host)",
)
def lobby_kick(request: HttpRequest, code: str, body: TargetBody = EMPTY_OBJECT) -> dict[str, Any]:
    return _lobby_json(_on_lobby(_perform(request, "kick", code, body)))


@router.post(
    "/lobbies/{code}/host/",
    response={200: LobbyAnswer, **refusals(*IN_A_LOBBY, *WITH_BODY, "NOT_HOST", "NOT_MEMBER")},
    summary="Hand the host role to a member (host)",
)
def lobby_host(request: HttpRequest, code: str, body: TargetBody = EMPTY_OBJECT) -> dict[str, Any]:
    return _lobby_json(_on_lobby(_perform(request, "host", code, body)))


@router.post(
    "/lobbies/{code}/add_bot/",
    response={
        200: LobbyAnswer,
        **refusals(
            *IN_A_LOBBY,
            *WITH_BODY,
            "NOT_HOST",
            "NOT_MEMBER",
            "WRONG_STATE",
            "NO_BOTS",
            "BAD_BOT_LEVEL",
            "LOBBY_FULL",
        ),
    },
    summary="Give a free seat to the game's bot (host)",
)
def lobby_add_bot(
    request: HttpRequest, code: str, body: AddBotBody = EMPTY_OBJECT
) -> dict[str, Any]:
    return _lobby_json(_on_lobby(_perform(request, "add_bot", code, body)))


@router.post(
    "/lobbies/{code}/remove_bot/",
    response={
        200: LobbyAnswer,
        **refusals(*IN_A_LOBBY, *WITH_BODY, "NOT_HOST", "NOT_MEMBER", "WRONG_STATE", "NO_SUCH_BOT"),
    },
    summary="Take a bot out of the lobby (host)",
)
def lobby_remove_bot(
    request: HttpRequest, code: str, body: RemoveBotBody = EMPTY_OBJECT
) -> dict[str, Any]:
    return _lobby_json(_on_lobby(_perform(request, "remove_bot", code, body)))


@router.post(
    "/lobbies/{code}/fill_with_bots/",
    response={
        200: LobbyStarted,
        **refusals(
            *IN_A_LOBBY,
            "BAD_JSON",
            "NOT_HOST",
            "NOT_MEMBER",
            "WRONG_STATE",
            "NO_BOTS",
            "TOO_EARLY",
            "IN_ANOTHER_MATCH",
        ),
    },
    summary="Alone for a while: play the game's bots now",
)
@no_body
def lobby_fill_with_bots(request: HttpRequest, code: str) -> dict[str, Any]:
    done = _perform(request, "fill_with_bots", code)
    match = done.result
    return _lobby_json(
        _on_lobby(done), match_id=str(match.id), play_url=services.play_url(match.id)
    )


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
def lobby_start(request: HttpRequest, code: str) -> dict[str, Any]:
    done = _perform(request, "start", code)
    match = done.result
    return _lobby_json(
        _on_lobby(done), match_id=str(match.id), play_url=services.play_url(match.id)
    )


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
    return {"message": _perform(request, "chat", code, body).result}


@router.post(
    "/lobbies/{code}/close/",
    response={200: LobbyClosed, **refusals(*IN_A_LOBBY, "BAD_JSON", "NOT_HOST", "NOT_MEMBER")},
    summary="Close the lobby (host)",
)
@no_body
def lobby_close(request: HttpRequest, code: str) -> dict[str, Any]:
    return {"closed": _on_lobby(_perform(request, "close", code)).code}


@router.post(
    "/quick-play/",
    response={
        200: LobbyMoved,
        **refusals(*LOBBY_ACTION, *WITH_BODY, "UNKNOWN_GAME", "IN_ANOTHER_MATCH"),
    },
    summary="A seat in the fullest open lobby of a game, or a new one",
)
def quick_play(request: HttpRequest, body: QuickPlayBody = EMPTY_OBJECT) -> dict[str, Any]:
    return _seated_json(_perform(request, "quick_play", body=body))


refuse_other_methods(router)


@router.post(
    "/play-computer/",
    response={
        201: ComputerMatch,
        **refusals(
            *LOBBY_ACTION,
            *WITH_BODY,
            "UNKNOWN_GAME",
            "NO_BOTS",
            "BAD_BOT_LEVEL",
            "IN_ANOTHER_MATCH",
        ),
    },
    summary="A match against the game's bots, started at once",
)
def play_computer(request: HttpRequest, body: PlayComputerBody = EMPTY_OBJECT) -> Status:
    done = _perform(request, "play_computer", body=body)
    match = done.result
    answer = _seated_json(done)
    return Status(
        201, {**answer, "match_id": str(match.id), "play_url": services.play_url(match.id)}
    )
