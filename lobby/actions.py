"""The lobby actions: one table, used by the pages, the lobby socket and the JSON API.

A row says which service does the action, who may take it (and so how its lobby is
found), which fields it reads from a plain mapping (a JSON body, a socket frame, a
page's form turned into values), and whether it spends the user's lobby action budget.
Every front end calls one function and reports a refusal its own way:

    done = perform("kick", user=user, code="K7MNQX", fields={"user_id": 18}, address=address)

`perform` counts the action against LOBBY_ACTIONS_PER_WINDOW (chat has a budget of its
own), finds the lobby of `code` once for all (`lobby_reached`: throttled per address for
non-members, then a member or host check), reads and checks the fields, and calls the
service. A refusal is a `LobbyError` with the services' stable codes, so the same bad
input gets the same code everywhere: the pages show its message, the socket sends an
error frame, the API answers with its JSON envelope (docs/api.md). `Done` tells what the
action did: the service's result, the lobby, the user named by `user_id`, and for
create, join and quick play the lobby the user sits in now and the one they left.

`address` is the client's (`game_server.limits.client_address` for HTTP,
`socket_address` for sockets): it is what a non-member's lookup of a code counts against.

A new lobby action is one service function (lobby/services) and one row in `ACTIONS`.
The API calls `perform` with the row's name; a member's actions in their lobby
(`IN_LOBBY`) are also frames on the lobby socket (`{"type": "<name>", ...}`) and posts
to `/lobby/<code>/<name>/` from the lobby page.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from lobby.models import Lobby, Membership, User
from lobby.services import (
    LobbyError,
    lobby_action_count,
    lobby_add_bot,
    lobby_chat,
    lobby_close,
    lobby_create,
    lobby_fill_with_bots,
    lobby_join,
    lobby_kick,
    lobby_leave,
    lobby_lookup,
    lobby_play_computer,
    lobby_quick_play,
    lobby_remove_bot,
    lobby_set_ready,
    lobby_start,
    lobby_transfer_host,
    lobby_update_settings,
    membership_current,
    membership_of,
)

# What an action reads: a mapping, or for an action on a lobby a function of that lobby
# that returns one (a page whose form depends on the lobby's game).
Fields = Mapping[str, Any] | Callable[[Lobby], Mapping[str, Any]]


class Who(enum.Enum):
    """Who may take an action, which also says how its lobby is found."""

    # Any signed-in user; the action names no lobby (create, quick play, play computer).
    ANYONE = "anyone"
    # Any signed-in user who has the lobby's code (join).
    ANYONE_WITH_CODE = "anyone_with_code"
    MEMBER = "member"
    HOST = "host"


@dataclass(frozen=True)
class Field:
    """One input of an action: its name in the mapping and its JSON type.

    It becomes the service's keyword `argument` (its own name if not given), passed
    through `then` when that is set. A missing or null field is `default`, or
    BAD_REQUEST when `required`; a field of another type is BAD_REQUEST.
    """

    name: str
    kind: type
    required: bool = False
    default: Any = None
    argument: str = ""
    then: Callable[[Any], Any] | None = None


@dataclass(frozen=True)
class Action:
    """A row of the table. The service is called with `user`, with `lobby` unless anyone
    may take the action, and with the fields' arguments."""

    service: Callable[..., Any]
    who: Who
    fields: tuple[Field, ...] = ()
    # Spends the user's lobby action budget; chat counts against its own.
    counted: bool = True
    # The user ends up seated in a lobby (create, join, quick play): `Done` says which,
    # and which lobby they left for it.
    seats: bool = False


@dataclass(frozen=True)
class Done:
    """What an action did, for each front end to report in its own way."""

    # What the service returned: the match for start, the chat line for chat, …
    result: Any
    # The lobby acted on; for a seating action, the lobby the user sits in now.
    lobby: Lobby | None
    # The user named by `user_id` (kick, host).
    target: User | None = None
    # For a seating action: the lobby the user left to sit in `lobby`.
    left: Lobby | None = None


def _user_named(user_id: int) -> User:
    target = User.objects.filter(pk=user_id).first()
    if target is None:
        raise LobbyError("NOT_MEMBER", "That player is not in this lobby.", field="user_id")
    return target


def _create(*, user: User, **fields: Any) -> Lobby:
    return lobby_create(host=user, **fields)


def _join(*, user: User, lobby: Lobby) -> Membership:
    return lobby_join(code=lobby.code, user=user)


_GAME = Field("game", str, required=True)
_TARGET = Field("user_id", int, required=True, argument="target", then=_user_named)
_NAME = Field("name", str)
_SETTINGS = Field("settings", dict)
_MAX_PLAYERS = Field("max_players", int)
_LEVEL = Field("level", str)

ACTIONS: dict[str, Action] = {
    "create": Action(
        _create,
        Who.ANYONE,
        (
            _GAME,
            _NAME,
            _SETTINGS,
            _MAX_PLAYERS,
            Field("public", bool, default=True, argument="is_public"),
            Field("allow_spectators", bool, default=False),
            Field("spectators_may_chat", bool, default=False),
        ),
        seats=True,
    ),
    "quick_play": Action(lobby_quick_play, Who.ANYONE, (_GAME,), seats=True),
    "play_computer": Action(
        lobby_play_computer, Who.ANYONE, (Field("game", str), _LEVEL), seats=True
    ),
    "join": Action(_join, Who.ANYONE_WITH_CODE, seats=True),
    "leave": Action(lobby_leave, Who.MEMBER),
    "ready": Action(lobby_set_ready, Who.MEMBER, (Field("ready", bool, default=True),)),
    "chat": Action(lobby_chat, Who.MEMBER, (Field("text", str, required=True),), counted=False),
    "settings": Action(
        lobby_update_settings,
        Who.HOST,
        (
            _NAME,
            _SETTINGS,
            _MAX_PLAYERS,
            Field("public", bool, argument="is_public"),
            Field("allow_spectators", bool),
            Field("spectators_may_chat", bool),
        ),
    ),
    "kick": Action(lobby_kick, Who.HOST, (_TARGET,)),
    "host": Action(lobby_transfer_host, Who.HOST, (_TARGET,)),
    "add_bot": Action(lobby_add_bot, Who.HOST, (_LEVEL,)),
    "remove_bot": Action(lobby_remove_bot, Who.HOST, (Field("bot_id", int, required=True),)),
    "fill_with_bots": Action(lobby_fill_with_bots, Who.HOST),
    "start": Action(lobby_start, Who.HOST),
    "close": Action(lobby_close, Who.HOST),
}

# What a member does in their own lobby: the lobby socket's frames and the lobby page's
# posts. Creating, joining, quick play and playing the computer are the pages' and the
# API's alone.
IN_LOBBY = tuple(name for name, row in ACTIONS.items() if row.who in (Who.MEMBER, Who.HOST))


def perform(
    action: str,
    *,
    user: User,
    address: str,
    code: str | None = None,
    fields: Fields = MappingProxyType({}),
    offered: Collection[str] = tuple(ACTIONS),
) -> Done:
    """Takes one lobby action for `user`, or raises LobbyError (see the module's doc).

    `code` names the lobby (any case) for every action but create and quick play.
    `offered`: the actions this front end takes; any other is BAD_REQUEST.
    """
    row = ACTIONS.get(action) if action in offered else None
    # Counted before anything is read: unknown actions spend the budget too.
    if row is None or row.counted:
        lobby_action_count(user=user)
    if row is None:
        raise LobbyError("BAD_REQUEST", f"Unknown lobby action. Send one of: {', '.join(offered)}.")
    lobby = lobby_reached(row.who, user=user, code=code, address=address)
    if callable(fields):
        assert lobby is not None, "only an action on a lobby reads its fields from it"
        fields = fields(lobby)
    arguments = {field.argument or field.name: _read(field, fields) for field in row.fields}
    if lobby is not None:
        arguments["lobby"] = lobby
    previous = membership_current(user=user) if row.seats else None
    result = row.service(user=user, **arguments)
    left = None
    if row.seats:
        now = membership_current(user=user)
        lobby = now.lobby if now else None
        if previous is not None and (now is None or previous.lobby_id != now.lobby_id):
            left = previous.lobby
    return Done(result, lobby, target=arguments.get("target"), left=left)


def lobby_reached(who: Who, *, user: User, code: str | None, address: str) -> Lobby | None:
    """The lobby an action of `who` is about, or why not: the one lookup of a code that
    every front end shares (the lobby socket checks a member with it as it connects).

    The services check again under their lock, which is where it counts; checking here
    too means every front end refuses in the same order, before any field is read.
    """
    if who is Who.ANYONE:
        return None
    lobby = lobby_lookup(code=code or "", user=user, address=address)
    if who is Who.ANYONE_WITH_CODE:
        return lobby
    membership_of(lobby=lobby, user=user)
    if who is Who.HOST and lobby.host_id != user.pk:
        raise LobbyError("NOT_HOST")
    return lobby


def _read(field: Field, values: Mapping[str, Any]) -> Any:
    value = values.get(field.name)
    if value is None:
        if field.required:
            raise LobbyError("BAD_REQUEST", f"'{field.name}' is required.", field=field.name)
        return field.default
    if not isinstance(value, field.kind) or (field.kind is int and isinstance(value, bool)):
        raise LobbyError("BAD_REQUEST", f"'{field.name}' has the wrong type.", field=field.name)
    return field.then(value) if field.then is not None else value
