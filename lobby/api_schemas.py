"""The shapes of the lobby JSON API: request bodies, answers and refusals as ninja Schemas.

`/api/openapi.json` is generated from these and from the operations of the routers that
game_server/api.py mounts; docs/api.md tells the same with examples. Request bodies are
strict (JSON types only: `"4"` is not a number, `true` is not an integer) and ignore
fields they do not name; a field sent as `null` counts as absent.
"""

from __future__ import annotations

import functools
from typing import Any, Literal

from ninja import Field, Schema

# The HTTP status of every error code the API answers with; any other code is 400.
STATUS = {
    "AUTH_REQUIRED": 401,
    "BAD_TOKEN": 401,
    "LOGIN_FAILED": 401,
    "CSRF_FAILED": 403,
    "KICKED": 403,
    "NOT_HOST": 403,
    "NOT_MEMBER": 403,
    "REPLAY_FORBIDDEN": 403,
    "LOBBY_NOT_FOUND": 404,
    "GAME_NOT_FOUND": 404,
    "NOT_QUEUED": 404,
    "NO_SUCH_BOT": 404,
    "MATCH_NOT_FOUND": 404,
    "REPLAY_NOT_RECORDED": 404,
    "METHOD_NOT_ALLOWED": 405,
    "ALREADY_QUEUED": 409,
    "IN_ANOTHER_MATCH": 409,
    "LOBBY_FULL": 409,
    "NO_BOTS": 409,
    "TOO_EARLY": 409,
    "MATCH_RUNNING": 409,
    "REPLAY_OLD_VERSION": 409,
    "NOT_READY": 409,
    "TOO_FEW_PLAYERS": 409,
    "TOO_MANY_PLAYERS": 409,
    "WRONG_STATE": 409,
    "RATE_LIMITED": 429,
}


def status_of(code: str) -> int:
    return STATUS.get(code, 400)


# Requests


class RequestBody(Schema):
    model_config = {"strict": True}


class GuestBody(RequestBody):
    name: str | None = Field(
        None, description="1 to 32 characters, no control or invisible characters."
    )


class LogInBody(RequestBody):
    username: str = Field(description="Matched in any case and Unicode spelling.")
    password: str


class LobbyCreateBody(RequestBody):
    game: str = Field(description="A game's slug, from GET /api/games/.")
    name: str | None = Field(
        None, description='Up to 60 characters; default "<your name>\'s <game>".'
    )
    settings: dict[str, Any] | None = Field(
        None, description="Over the game's defaults, within its settings schema."
    )
    max_players: int | None = Field(None, description="Default: the game's maximum.")
    public: bool | None = Field(None, description="Listed for everyone (default true).")
    allow_spectators: bool | None = Field(
        None, description="Users without a seat may watch (default false)."
    )
    spectators_may_chat: bool | None = Field(
        None, description="Spectators may chat during the matches (default false)."
    )


class ReadyBody(RequestBody):
    ready: bool | None = Field(None, description="Default true.")


class LobbySettingsBody(RequestBody):
    settings: dict[str, Any] | None = Field(None, description="Merged over the current ones.")
    name: str | None = None
    max_players: int | None = None
    public: bool | None = None
    allow_spectators: bool | None = None
    spectators_may_chat: bool | None = None


class TargetBody(RequestBody):
    user_id: int = Field(description="The player (or, in a game, spectator) to act on.")


class AddBotBody(RequestBody):
    level: str | None = Field(
        None, description="One of the game's `bot_levels` (GET /api/games/); default its first."
    )


class RemoveBotBody(RequestBody):
    bot_id: int = Field(description="The bot's `id` in the lobby's `bots`.")


class ChatBody(RequestBody):
    text: str = Field(description="Up to 300 characters, no control characters.")


class QuickPlayBody(RequestBody):
    game: str


class PlayComputerBody(RequestBody):
    game: str | None = Field(None, description="Default: the first game that has a bot.")
    level: str | None = Field(None, description="One of the game's `bot_levels`.")


# Answers


class UserInfo(Schema):
    id: int
    name: str
    guest: bool


class Identity(Schema):
    token: str = Field(description="Send as `Authorization: Bearer <token>`; shown once.")
    user: UserInfo


class LoggedOut(Schema):
    logged_out: Literal[True]


class SocketTicket(Schema):
    ticket: str = Field(description="Opens one socket as `?ticket=<ticket>`.")
    expires_in: int = Field(description="Seconds the ticket stays valid.")


class Me(Schema):
    user: UserInfo
    lobby: str | None = Field(description="The code of the lobby you sit in.")


class GameSetting(Schema):
    name: str
    label: str
    default: bool | int | str
    minimum: int | None
    maximum: int | None
    choices: list[str]


class Game(Schema):
    slug: str
    name: str
    description: str
    min_players: int
    max_players: int
    realtime: bool
    settings: list[GameSetting]
    bot_levels: list[str] = Field(
        description="The levels of the game's bot, the default first; empty: no bot."
    )


class GameList(Schema):
    games: list[Game]


LobbyState = Literal["open", "in_game", "closed"]


class LobbyRow(Schema):
    id: str = Field(description="The row's key in the list socket's updates.")
    code: str
    name: str
    game: str
    game_name: str
    players: int
    max_players: int
    host: str
    state: LobbyState
    visible: bool


class LobbyList(Schema):
    lobbies: list[LobbyRow]


class Member(Schema):
    user_id: int
    name: str
    seat: int
    ready: bool
    host: bool
    bot: Literal[False]


class LobbyBotInfo(Schema):
    id: int
    name: str
    level: str
    bot: Literal[True]


class LobbySnapshot(Schema):
    code: str
    name: str
    game: str
    game_name: str
    min_players: int
    max_players: int
    public: bool
    allow_spectators: bool
    spectators_may_chat: bool
    state: LobbyState
    host_id: int | None
    settings: dict[str, Any]
    members: list[Member]
    bots: list[LobbyBotInfo] = Field(
        description="Seats the game's bot plays, after the members; always ready."
    )
    bot_levels: list[str] = Field(description="What `add_bot` takes; empty: the game has no bot.")
    bots_offered_at: str | None = Field(
        description="When the lobby's one member may `fill_with_bots` (ISO 8601); "
        "null unless alone in an open lobby of a game with a bot."
    )
    match_id: str | None = Field(description="The running match, while `in_game`.")
    play_url: str | None
    socket_url: str
    invite_url: str


class LobbyAnswer(Schema):
    lobby: LobbySnapshot


class LobbyMoved(Schema):
    lobby: LobbySnapshot
    left: str | None = Field(description="The code of the lobby you left for this one.")


class LobbyStarted(Schema):
    lobby: LobbySnapshot
    match_id: str
    play_url: str


class ComputerMatch(Schema):
    lobby: LobbySnapshot
    left: str | None = Field(description="The code of the lobby you left for this one.")
    match_id: str
    play_url: str


class LobbyLeft(Schema):
    left: str


class LobbyClosed(Schema):
    closed: str


class ChatMessage(Schema):
    type: Literal["chat"]
    user_id: int
    name: str
    text: str
    at: str = Field(description="ISO 8601 time the server sent it.")


class ChatSent(Schema):
    message: ChatMessage


class ReplayPlayer(Schema):
    id: str
    name: str = Field(description="As the match seated them.")
    seat: int
    placement: int | None
    score: int | None
    bot: bool = Field(description="Whether the game's bot played this seat.")


class ReplayResult(Schema):
    placements: dict[str, int]
    scores: dict[str, int]
    reason: str


class MatchReplayLog(Schema):
    match_id: str
    game: str
    game_version: str
    seed: int
    settings: dict[str, Any]
    tick_rate: int
    ticks: int = Field(description="The last tick the match ran.")
    players: list[ReplayPlayer]
    result: ReplayResult
    log: list[tuple[int, Literal["input", "left", "end"], str, dict[str, Any]]] = Field(
        description="[tick, kind, player, data] in the order the room applied them."
    )


class ReplayFrames(Schema):
    start: dict[str, Any] = Field(description="The whole state at tick 0.")
    diffs: list[tuple[int, dict[str, Any]]] = Field(
        description="[tick, merge patch] for each tick that changed the state, in order."
    )


# Refusals: {"error": {"code": …, "message": …, "field"?: …, "retry_after"?: …}}


class RefusalDetail(Schema):
    code: str
    message: str = Field(description="For people; the code is what to act on.")
    field: str = Field(None, description="The input field at fault, when one is.")
    retry_after: int = Field(None, description="RATE_LIMITED: seconds to wait (Retry-After).")


class Refusal(Schema):
    error: RefusalDetail


def refusals(*codes: str) -> dict[int, type[Refusal]]:
    """An operation's error answers: for each HTTP status, the envelope with its codes."""
    by_status: dict[int, list[str]] = {}
    for code in codes:
        by_status.setdefault(status_of(code), []).append(code)
    return {status: _refusal(tuple(sorted(by_status[status]))) for status in sorted(by_status)}


@functools.cache
def _refusal(codes: tuple[str, ...]) -> type[Refusal]:
    # Named for its codes: OpenAPI components are keyed by name, one per set of codes.
    name = "".join(code.title().replace("_", "") for code in codes)
    detail = type(f"{name}Detail", (RefusalDetail,), {"__annotations__": {"code": Literal[codes]}})
    return type(f"{name}Refusal", (Refusal,), {"__annotations__": {"error": detail}})
