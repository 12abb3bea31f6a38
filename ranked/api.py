"""`POST`, `GET` and `DELETE /api/queue/` (docs/api.md, Ranked queue): a ninja Router,
mounted on the API (game_server/api.py) with its conventions."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from lobby.api_conventions import EMPTY_OBJECT, SIGNED_IN, WITH_BODY, WRITE, no_body
from lobby.api_schemas import RequestBody, refusals
from lobby.services import LobbyError
from ranked.services import queue_join, queue_leave, queue_status, status_of

router = Router(tags=["ranked"])


class QueueBody(RequestBody):
    game: str = Field(description="A game's slug, from GET /api/games/.")


class QueuePlace(Schema):
    game: str
    state: Literal["waiting", "matched"]
    rating: int = Field(description="Your shown rating in the game when you joined.")
    waited_seconds: int
    window: int = Field(
        description="How far (either side) from your rating you may be matched now."
    )
    waiting: int = Field(description="Players waiting in this game's queue.")
    match_id: str | None = Field(description="The match found, once `matched`.")
    play_url: str | None
    socket_url: str = Field(description="The queue socket of this game (docs/api.md).")


class QueueAnswer(Schema):
    queue: QueuePlace


class QueueLeft(Schema):
    left: str = Field(description="The game whose queue you left.")


@router.post(
    "",
    response={
        201: QueueAnswer,
        **refusals(
            *WRITE, *WITH_BODY, "UNKNOWN_GAME", "ALREADY_QUEUED", "IN_ANOTHER_MATCH", "RATE_LIMITED"
        ),
    },
    summary="Join a game's ranked queue",
)
def queue_enter(request: HttpRequest, body: QueueBody = EMPTY_OBJECT) -> Status:
    entry = queue_join(user=request.user, game=body.game)
    return Status(201, {"queue": status_of(entry, entry.joined_at)})


@router.get(
    "",
    response={200: QueueAnswer, **refusals(*SIGNED_IN, "NOT_QUEUED")},
    summary="Your place in the ranked queue; keeps you in it",
)
def queue_read(request: HttpRequest) -> dict[str, Any]:
    place = queue_status(user=request.user)
    if place is None:
        raise LobbyError("NOT_QUEUED")
    return {"queue": place}


@router.delete(
    "",
    response={200: QueueLeft, **refusals(*WRITE, "BAD_JSON", "NOT_QUEUED")},
    summary="Leave the ranked queue",
)
@no_body
def queue_exit(request: HttpRequest) -> dict[str, Any]:
    game = queue_leave(user=request.user)
    if game is None:
        raise LobbyError("NOT_QUEUED")
    return {"left": game}
