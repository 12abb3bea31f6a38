"""Every lobby state change, one keyword-only function each, in a transaction.

Views, the JSON API and the lobby consumer all call these. A refused action raises
`LobbyError` with a stable code and leaves nothing written. Capacity is race-safe
because every change to a lobby first locks its row (`select_for_update`, a no-op on
SQLite, where IMMEDIATE transactions already serialize writers). Members hear about
changes over the channel layer, after the transaction commits.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, F, Max, Q
from django.utils import timezone
from django.utils.crypto import salted_hmac

from game_server.limits import rate_allowed
from games.removal import match_remove_user
from games.rules import CATALOGUE
from games.rules.base import GameDef, SettingsError
from lobby.models import CODE_ALPHABET, CODE_LENGTH, ApiToken, Lobby, LobbyBan, Membership, User

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from games.models import Match

logger = logging.getLogger(__name__)

LOBBY_LIST_GROUP = "lobby-list"
CHAT_MAX_LENGTH = 300
NAME_MAX_LENGTH = 60

MESSAGES = {
    "AUTH_REQUIRED": "Log in or play as a guest first.",
    "BAD_REQUEST": "The request is not one this server understands.",
    "BAD_MAX_PLAYERS": "That number of players does not fit this game or this lobby.",
    "BAD_NAME": "A lobby name has at most 60 characters and no control characters.",
    "BAD_SETTINGS": "A setting is outside what this game allows.",
    "CANNOT_KICK_SELF": "The host cannot kick themselves; leave the lobby instead.",
    "CHAT_BAD_TEXT": "A chat message cannot contain control characters.",
    "CHAT_EMPTY": "Write something first.",
    "CHAT_TOO_LONG": f"A chat message has at most {CHAT_MAX_LENGTH} characters.",
    "IN_ANOTHER_MATCH": "You are still playing another match; finish it first.",
    "KICKED": "You were removed from this lobby and cannot join it again.",
    "LOBBY_FULL": "This lobby is full.",
    "LOBBY_NOT_FOUND": "There is no open lobby with that code.",
    "NOT_HOST": "Only the host can do that.",
    "NOT_MEMBER": "You are not in this lobby.",
    "NOT_READY": "Everyone except the host must be ready before the game starts.",
    "RATE_LIMITED": "You are sending messages too fast. Wait a few seconds.",
    "TOO_FEW_PLAYERS": "There are not enough players for this game yet.",
    "TOO_MANY_PLAYERS": "There are more players than this game allows.",
    "UNKNOWN_GAME": "There is no such game.",
    "WRONG_STATE": "The lobby cannot do that right now.",
}


class LobbyError(Exception):
    """A refused lobby action. `code` is stable; `message` is for people."""

    def __init__(
        self, code: str, message: str = "", *, field: str = "", retry_after: int = 0
    ) -> None:
        self.code = code
        self.message = message or MESSAGES[code]
        self.field = field
        # For RATE_LIMITED: seconds until the budget is full again.
        self.retry_after = retry_after
        super().__init__(f"{code}: {self.message}")


# Reading


def game_of(lobby: Lobby) -> GameDef:
    return CATALOGUE[lobby.game]


def lobby_group(lobby_id: int) -> str:
    return f"lobby-{lobby_id}"


def play_url(match_id: object) -> str:
    return f"/play/{match_id}/"


def has_control_characters(text: str) -> bool:
    """NUL (which PostgreSQL cannot store) and the other C0 and C1 control characters."""
    return any(unicodedata.category(character) == "Cc" for character in text)


def _code_shaped(code: str) -> bool:
    return len(code) == CODE_LENGTH and all(character in CODE_ALPHABET for character in code)


def lobby_find(*, code: str) -> Lobby:
    """The live (open or in game) lobby with this code, any case, or LOBBY_NOT_FOUND."""
    code = code.strip().upper()
    # A string that cannot be a code (a NUL in a URL, say) never reaches the database.
    if not _code_shaped(code):
        raise LobbyError("LOBBY_NOT_FOUND")
    lobby = (
        Lobby.objects.filter(code=code)
        .exclude(state=Lobby.State.CLOSED)
        .select_related("host")
        .first()
    )
    if lobby is None:
        raise LobbyError("LOBBY_NOT_FOUND")
    return lobby


def lobby_lookup(*, code: str, user: User | AnonymousUser, address: str) -> Lobby:
    """`lobby_find` for a client: throttled per address for all but the lobby's members.

    A private lobby's code is the only key to it, and whether a code exists shows in
    every answer, so someone trying codes one after another is held to
    LOBBY_LOOKUPS_PER_ADDRESS_PER_MINUTE. Over it the answer is RATE_LIMITED whether
    the code exists or not. Members looking at their own lobby are not counted.
    """
    try:
        lobby: Lobby | None = lobby_find(code=code)
    except LobbyError:
        lobby = None
    if lobby is not None and user.is_authenticated and lobby.memberships.filter(user=user).exists():
        return lobby
    _within_rate(
        f"lobby-lookup:{address}",
        limit=django_settings.LOBBY_LOOKUPS_PER_ADDRESS_PER_MINUTE,
        window=60,
        message="Too many lobby codes tried from your address. Wait a minute and try again.",
    )
    if lobby is None:
        raise LobbyError("LOBBY_NOT_FOUND")
    return lobby


def membership_current(*, user: User) -> Membership | None:
    """The lobby seat a user holds now, if any."""
    return Membership.objects.filter(user=user).select_related("lobby").first()


def current_match(lobby: Lobby) -> Match | None:
    from games.models import Match

    return lobby.matches.filter(state=Match.State.RUNNING).first()


def lobby_snapshot(lobby: Lobby) -> dict[str, Any]:
    """What members and API clients see of a lobby."""
    members = [
        {
            "user_id": membership.user_id,
            "name": str(membership.user),
            "seat": membership.seat,
            "ready": membership.is_ready,
            "host": membership.user_id == lobby.host_id,
        }
        for membership in lobby.memberships.select_related("user").order_by("seat")
    ]
    game = game_of(lobby)
    match = current_match(lobby) if lobby.state == Lobby.State.IN_GAME else None
    return {
        "code": lobby.code,
        "name": lobby.name,
        "game": lobby.game,
        "game_name": game.name,
        "min_players": game.min_players,
        "max_players": lobby.max_players,
        "public": lobby.is_public,
        "allow_spectators": lobby.allow_spectators,
        "state": lobby.state,
        "host_id": lobby.host_id,
        "settings": lobby.settings,
        "members": members,
        "match_id": str(match.id) if match else None,
        "play_url": play_url(match.id) if match else None,
        "socket_url": f"/ws/lobby/{lobby.code}/",
        "invite_url": f"/l/{lobby.code}/",
    }


def _listed(lobby: Lobby) -> bool:
    """Whether the lobby belongs in the public list: public and open."""
    return lobby.is_public and lobby.state == Lobby.State.OPEN


def list_row_id(lobby: Lobby) -> str:
    """The list row's key: stable, and telling nothing of the lobby's code."""
    return salted_hmac("lobby.list-row", str(lobby.pk)).hexdigest()[:16]


def lobby_summary(lobby: Lobby, *, players: int | None = None) -> dict[str, Any]:
    """A row of the public lobby list. `visible` is false once it should leave the list."""
    if players is None:
        players = lobby.memberships.count()
    return {
        "id": list_row_id(lobby),
        "code": lobby.code,
        "name": lobby.name,
        "game": lobby.game,
        "game_name": game_of(lobby).name,
        "players": players,
        "max_players": lobby.max_players,
        "host": str(lobby.host) if lobby.host else "",
        "state": lobby.state,
        "visible": _listed(lobby),
    }


def lobby_list_public(*, game: str | None = None) -> list[dict[str, Any]]:
    if game and game not in CATALOGUE:
        # No lobby has it, and a NUL in it would be a 500 on PostgreSQL.
        return []
    lobbies = (
        Lobby.objects.filter(state=Lobby.State.OPEN, is_public=True)
        .select_related("host")
        .annotate(players=Count("memberships"))
        .order_by("-created_at")
    )
    if game:
        lobbies = lobbies.filter(game=game)
    return [lobby_summary(lobby, players=lobby.players) for lobby in lobbies[:200]]


# Telling members and the list page, after commit


def _group_send(group: str, message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, message)
    except Exception:
        # The change is committed; a lost notification must not turn it into an error.
        logger.exception("could not send %s to %s", message.get("type"), group)


def _list_change(lobby: Lobby, *, was_listed: bool) -> dict[str, Any] | None:
    """What the list socket hears of a change, which anyone may listen to.

    A listed lobby sends its row. One that leaves the list (it started, closed or went
    private) sends only its row's id, so a watcher drops the row without learning the
    code of a lobby that is private now. A lobby that was never listed sends nothing.
    """
    if _listed(lobby):
        return lobby_summary(lobby)
    if was_listed or lobby.is_public:
        return {"id": list_row_id(lobby), "visible": False}
    return None


def _announce(lobby: Lobby, event: str, *, was_listed: bool = False, **extra: Any) -> None:
    """After commit: the event with the lobby as it is now, to members and the list page.

    `was_listed`: the lobby was in the public list before this change.
    """
    payload = {"type": event, "lobby": lobby_snapshot(lobby), **extra}
    row = _list_change(lobby, was_listed=was_listed)
    lobby_id = lobby.id

    def send() -> None:
        _group_send(lobby_group(lobby_id), {"type": "lobby.event", "event": payload})
        if row is not None:
            _group_send(LOBBY_LIST_GROUP, {"type": "lobby.list.changed", "lobby": row})

    transaction.on_commit(send)


# Locking and small helpers


def _lock(lobby_id: int) -> Lobby:
    """The lobby row, locked until the transaction ends."""
    return Lobby.objects.select_for_update().get(pk=lobby_id)


def _touch(lobby: Lobby, *fields: str) -> None:
    lobby.last_activity_at = timezone.now()
    lobby.save(update_fields=["last_activity_at", *fields])


def _membership(lobby: Lobby, user: User) -> Membership:
    membership = Membership.objects.filter(lobby=lobby, user=user).first()
    if membership is None:
        raise LobbyError("NOT_MEMBER")
    return membership


def _require_host(lobby: Lobby, user: User) -> None:
    _membership(lobby, user)
    if lobby.host_id != user.pk:
        raise LobbyError("NOT_HOST")


def _require_open(lobby: Lobby) -> None:
    if lobby.state != Lobby.State.OPEN:
        raise LobbyError("WRONG_STATE")


def _game(slug: str) -> GameDef:
    game = CATALOGUE.get(slug)
    if game is None:
        raise LobbyError("UNKNOWN_GAME")
    return game


def _clean_settings(game: GameDef, raw: dict[str, Any] | None) -> dict[str, Any]:
    try:
        return game.clean_settings(raw)
    except SettingsError as error:
        raise LobbyError(
            "BAD_SETTINGS", f"{error.field}: {error.message}", field=error.field
        ) from None


def _clean_max_players(game: GameDef, max_players: int | None) -> int:
    if max_players is None:
        return game.max_players
    if isinstance(max_players, bool) or not isinstance(max_players, int):
        raise LobbyError("BAD_MAX_PLAYERS")
    if not game.min_players <= max_players <= game.max_players:
        raise LobbyError(
            "BAD_MAX_PLAYERS",
            f"{game.name} takes {game.min_players} to {game.max_players} players.",
        )
    return max_players


def _clean_name(name: str | None, host: User, game: GameDef) -> str:
    name = (name or "").strip()
    if len(name) > NAME_MAX_LENGTH or has_control_characters(name):
        raise LobbyError("BAD_NAME", field="name")
    return name or f"{host}'s {game.name}"[:NAME_MAX_LENGTH]


def _new_code() -> str:
    for _ in range(20):
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if not Lobby.objects.filter(code=code).exclude(state=Lobby.State.CLOSED).exists():
            return code
    raise RuntimeError("could not find a free lobby code")


def _seat_user(lobby: Lobby, user: User) -> Membership:
    """Adds the user to a locked lobby after they left any other one."""
    last_seat = lobby.memberships.aggregate(last=Max("seat"))["last"]
    return Membership.objects.create(
        lobby=lobby, user=user, seat=0 if last_seat is None else last_seat + 1
    )


def _remove_member(lobby: Lobby, membership: Membership, *, event: str, **extra: Any) -> None:
    """Takes a member out of a locked lobby: hands over host, or closes it when empty."""
    user_id = membership.user_id
    membership.delete()
    remaining = lobby.memberships.order_by("seat").first()
    if remaining is None:
        _close(lobby, reason="empty")
        return
    fields = []
    if lobby.host_id == user_id:
        lobby.host_id = remaining.user_id
        fields.append("host")
    _touch(lobby, *fields)
    _announce(lobby, event, user_id=user_id, **extra)


def _close(lobby: Lobby, *, reason: str) -> None:
    lobby.memberships.all().delete()
    lobby.state = Lobby.State.CLOSED
    lobby.closed_at = timezone.now()
    _touch(lobby, "state", "closed_at")
    _announce(lobby, "closed", reason=reason)


def _leave_current(user: User, *, except_lobby_id: int | None = None) -> Lobby | None:
    """Leaves the lobby the user sits in, if another than `except_lobby_id`."""
    current = Membership.objects.filter(user=user).first()
    if current is None or current.lobby_id == except_lobby_id:
        return None
    previous = _lock(current.lobby_id)
    _remove_member(previous, current, event="member_left")
    return previous


def _lock_user(user: User) -> None:
    # Serializes one user's joins and creates (two tabs, two clicks) on PostgreSQL.
    User.objects.select_for_update().filter(pk=user.pk).first()


# Writing


@transaction.atomic
def lobby_create(
    *,
    host: User,
    game: str,
    name: str | None = None,
    settings: dict[str, Any] | None = None,
    max_players: int | None = None,
    is_public: bool = True,
    allow_spectators: bool = False,
) -> Lobby:
    """An open lobby with the host seated; the host leaves any lobby they were in."""
    definition = _game(game)
    cleaned_settings = _clean_settings(definition, settings)
    cleaned_max = _clean_max_players(definition, max_players)
    cleaned_name = _clean_name(name, host, definition)
    _lock_user(host)
    _leave_current(host)
    lobby = Lobby.objects.create(
        code=_new_code(),
        name=cleaned_name,
        host=host,
        game=game,
        settings=cleaned_settings,
        max_players=cleaned_max,
        is_public=is_public,
        allow_spectators=allow_spectators,
    )
    _seat_user(lobby, host)
    _announce(lobby, "created")
    logger.info("lobby %s created by user %s for %s", lobby.code, host.pk, game)
    return lobby


@transaction.atomic
def lobby_join(*, code: str, user: User) -> Membership:
    """Seats the user in the lobby with this code, leaving any other lobby first.

    Joining a lobby one already sits in returns the existing seat (a second tab).
    """
    target = lobby_find(code=code)
    _lock_user(user)
    current = Membership.objects.filter(user=user).first()
    # Locks in id order, so that two users swapping lobbies cannot deadlock.
    ids = sorted({target.pk} | ({current.lobby_id} if current else set()))
    locked = {lobby_id: _lock(lobby_id) for lobby_id in ids}
    lobby = locked[target.pk]
    if current and current.lobby_id == lobby.pk:
        return current
    if lobby.state == Lobby.State.CLOSED:
        raise LobbyError("LOBBY_NOT_FOUND")
    if lobby.state != Lobby.State.OPEN:
        raise LobbyError("WRONG_STATE", "This lobby is in a game; join when it is back.")
    if LobbyBan.objects.filter(lobby=lobby, user=user).exists():
        raise LobbyError("KICKED")
    if lobby.memberships.count() >= lobby.max_players:
        raise LobbyError("LOBBY_FULL")
    if current:
        _remove_member(locked[current.lobby_id], current, event="member_left")
    membership = _seat_user(lobby, user)
    _touch(lobby)
    _announce(lobby, "member_joined", user_id=user.pk)
    return membership


@transaction.atomic
def lobby_leave(*, lobby: Lobby, user: User) -> None:
    lobby = _lock(lobby.pk)
    membership = _membership(lobby, user)
    _remove_member(lobby, membership, event="member_left")


@transaction.atomic
def lobby_set_ready(*, lobby: Lobby, user: User, ready: bool) -> Membership:
    lobby = _lock(lobby.pk)
    membership = _membership(lobby, user)
    _require_open(lobby)
    membership.is_ready = bool(ready)
    membership.save(update_fields=["is_ready"])
    _touch(lobby)
    _announce(lobby, "ready", user_id=user.pk)
    return membership


@transaction.atomic
def lobby_update_settings(
    *,
    lobby: Lobby,
    user: User,
    settings: dict[str, Any] | None = None,
    name: str | None = None,
    max_players: int | None = None,
    is_public: bool | None = None,
    allow_spectators: bool | None = None,
) -> Lobby:
    """The host changes the lobby while it is open; everyone's ready flag is cleared."""
    lobby = _lock(lobby.pk)
    _require_host(lobby, user)
    _require_open(lobby)
    was_listed = _listed(lobby)
    definition = game_of(lobby)
    if settings is not None:
        lobby.settings = _clean_settings(definition, {**lobby.settings, **settings})
    if max_players is not None:
        lobby.max_players = _clean_max_players(definition, max_players)
        if lobby.max_players < lobby.memberships.count():
            raise LobbyError("BAD_MAX_PLAYERS", "More players already sit in the lobby.")
    if name is not None:
        lobby.name = _clean_name(name, user, definition)
    if is_public is not None:
        lobby.is_public = bool(is_public)
    if allow_spectators is not None:
        lobby.allow_spectators = bool(allow_spectators)
    lobby.memberships.update(is_ready=False)
    _touch(lobby, "settings", "max_players", "name", "is_public", "allow_spectators")
    _announce(lobby, "settings", was_listed=was_listed)
    return lobby


@transaction.atomic
def lobby_kick(*, lobby: Lobby, user: User, target: User) -> None:
    """The host removes a member, who may not join this lobby again.

    While the lobby is in a game the kick holds in its match too: the target loses their
    seat or their place as a spectator at once, so the host may also name a user who only
    watches (docs/api.md).
    """
    lobby = _lock(lobby.pk)
    _require_host(lobby, user)
    if target.pk == user.pk:
        raise LobbyError("CANNOT_KICK_SELF")
    membership = Membership.objects.filter(lobby=lobby, user=target).first()
    match = current_match(lobby) if lobby.state == Lobby.State.IN_GAME else None
    if membership is None and match is None:
        raise LobbyError("NOT_MEMBER", "That player is not in this lobby.")
    LobbyBan.objects.get_or_create(lobby=lobby, user=target)
    if membership is not None:
        _remove_member(lobby, membership, event="kicked")
    if match is not None:
        # After commit, so that a socket connecting again meets the ban.
        transaction.on_commit(
            functools.partial(match_remove_user, match_id=str(match.pk), user_id=target.pk)
        )


@transaction.atomic
def lobby_transfer_host(*, lobby: Lobby, user: User, target: User) -> Lobby:
    lobby = _lock(lobby.pk)
    _require_host(lobby, user)
    if not Membership.objects.filter(lobby=lobby, user=target).exists():
        raise LobbyError("NOT_MEMBER", "That player is not in this lobby.")
    lobby.host = target
    _touch(lobby, "host")
    _announce(lobby, "host", user_id=target.pk)
    return lobby


@transaction.atomic
def lobby_start(*, lobby: Lobby, user: User) -> Match:
    """The host starts the game: a running match with the members in seat order.

    Each user plays one running match at a time: a member still seated in another one
    (they left its lobby mid-game) blocks the start, named in the refusal.
    """
    from games.services import match_create, match_players_busy

    lobby = _lock(lobby.pk)
    _require_host(lobby, user)
    _require_open(lobby)
    definition = game_of(lobby)
    memberships = list(lobby.memberships.select_related("user").order_by("seat"))
    if len(memberships) < definition.min_players:
        raise LobbyError(
            "TOO_FEW_PLAYERS", f"{definition.name} needs at least {definition.min_players}."
        )
    if len(memberships) > definition.max_players:
        raise LobbyError("TOO_MANY_PLAYERS")
    waiting = [str(m.user) for m in memberships if not m.is_ready and m.user_id != lobby.host_id]
    if waiting:
        raise LobbyError("NOT_READY", f"Waiting for {', '.join(waiting)} to be ready.")
    busy = match_players_busy(users=[membership.user for membership in memberships])
    if busy:
        names = ", ".join(str(user) for user in busy)
        raise LobbyError(
            "IN_ANOTHER_MATCH",
            f"{names} still {'plays' if len(busy) == 1 else 'play'} "
            "another match; start when it is over.",
        )
    match = match_create(
        game=lobby.game,
        settings=lobby.settings,
        players=[membership.user for membership in memberships],
        lobby=lobby,
    )
    lobby.state = Lobby.State.IN_GAME
    _touch(lobby, "state")
    _announce(lobby, "started", match_id=str(match.id), play_url=play_url(match.id))
    logger.info("lobby %s started match %s", lobby.code, match.id)
    return match


@transaction.atomic
def lobby_match_ended(*, lobby_id: int, reason: str = "") -> None:
    """Called by the engine once a match's results are written: open again for a rematch.

    The same members stay; ready flags are cleared. A lobby whose members all left
    during the match closes. Members hear `match_ended` with the match's end `reason`.
    """
    lobby = Lobby.objects.select_for_update().filter(pk=lobby_id).first()
    if lobby is not None and lobby.state == Lobby.State.IN_GAME:
        _reopen(lobby, reason=reason)


def _reopen(lobby: Lobby, *, reason: str) -> Lobby.State:
    """A locked lobby in a game that is over opens again, or closes when empty."""
    if not lobby.memberships.exists():
        _close(lobby, reason="empty")
        return lobby.state
    lobby.memberships.update(is_ready=False)
    lobby.state = Lobby.State.OPEN
    _touch(lobby, "state")
    _announce(lobby, "match_ended", reason=reason)
    return lobby.state


@transaction.atomic
def lobby_close(*, lobby: Lobby, user: User | None = None) -> None:
    """The host (or, with `user=None`, staff and the idle sweep) closes the lobby."""
    lobby = _lock(lobby.pk)
    if user is not None:
        _require_host(lobby, user)
    if lobby.state == Lobby.State.CLOSED:
        return
    _close(lobby, reason="closed_by_host" if user is not None else "closed")


@dataclass(frozen=True)
class IdleSweep:
    """What one idle sweep did."""

    matches_aborted: int = 0
    lobbies_reopened: int = 0
    lobbies_closed: int = 0


def lobby_close_idle(*, idle_seconds: int | None = None) -> IdleSweep:
    """The idle sweep. It aborts matches nobody opened within MATCH_OPEN_SECONDS, opens
    again (or closes, when empty) lobbies in a game whose match is over or gone, and
    closes open lobbies without members or without any change for too long.

    Lobbies in a running match are left to the engine, which reports the match's end.
    """
    from games.models import Match
    from games.services import match_abort_unopened

    if idle_seconds is None:
        idle_seconds = django_settings.LOBBY_IDLE_SECONDS
    aborted = match_abort_unopened()
    reopened = closed = 0
    # A match that ended without its lobby hearing of it (a process that died between
    # the two), or was deleted, leaves the lobby in a game that is over.
    stranded = Lobby.objects.filter(state=Lobby.State.IN_GAME).exclude(
        matches__state=Match.State.RUNNING
    )
    for lobby_id in stranded.values_list("pk", flat=True):
        state = _reopen_if_match_over(lobby_id=lobby_id)
        reopened += state == Lobby.State.OPEN
        closed += state == Lobby.State.CLOSED
    cutoff = timezone.now() - timedelta(seconds=idle_seconds)
    candidates = Lobby.objects.filter(state=Lobby.State.OPEN).filter(
        Q(last_activity_at__lt=cutoff) | Q(memberships__isnull=True)
    )
    for lobby_id in candidates.values_list("pk", flat=True).distinct():
        closed += _close_if_idle(lobby_id=lobby_id, cutoff=cutoff)
    return IdleSweep(aborted, reopened, closed)


IDLE_SWEEP_EVERY_SECONDS = 60


def lobby_close_idle_if_due() -> IdleSweep:
    """The idle sweep, at most once a minute across every server process.

    The lobby list page and API call it, so idle lobbies close by themselves while
    anyone looks for a game, with no scheduler to set up.
    """
    if not cache.add("lobby-idle-sweep", 1, timeout=IDLE_SWEEP_EVERY_SECONDS):
        return IdleSweep()
    return lobby_close_idle()


@transaction.atomic
def _reopen_if_match_over(*, lobby_id: int) -> Lobby.State | None:
    # Checked again under the lock: the lobby may have reopened and started since.
    lobby = _lock(lobby_id)
    if lobby.state != Lobby.State.IN_GAME or current_match(lobby):
        return None
    return _reopen(lobby, reason="match_gone")


@transaction.atomic
def _close_if_idle(*, lobby_id: int, cutoff: Any) -> int:
    # Checked again under the lock: someone may have joined since the query.
    lobby = _lock(lobby_id)
    idle = lobby.last_activity_at < cutoff or not lobby.memberships.exists()
    if lobby.state != Lobby.State.OPEN or not idle:
        return 0
    _close(lobby, reason="idle")
    return 1


@transaction.atomic
def lobby_quick_play(*, user: User, game: str) -> Membership:
    """A seat in the fullest open public lobby of this game, or a new lobby.

    Refused (IN_ANOTHER_MATCH) while the user plays a running match: its lobby could not
    start with them.
    """
    from games.services import match_players_busy

    _game(game)
    if match_players_busy(users=[user]):
        raise LobbyError("IN_ANOTHER_MATCH")
    current = Membership.objects.filter(
        user=user, lobby__game=game, lobby__state=Lobby.State.OPEN
    ).first()
    if current is not None:
        return current
    candidates = (
        Lobby.objects.filter(state=Lobby.State.OPEN, is_public=True, game=game)
        .exclude(bans__user=user)
        .annotate(players=Count("memberships"))
        .filter(players__lt=F("max_players"), players__gt=0)
        .order_by("-players", "created_at")
        .values_list("code", flat=True)
    )
    for code in candidates[:10]:
        try:
            # A savepoint each: a lobby that filled meanwhile leaves nothing behind.
            with transaction.atomic():
                return lobby_join(code=code, user=user)
        except LobbyError as error:
            if error.code not in ("LOBBY_FULL", "WRONG_STATE", "LOBBY_NOT_FOUND"):
                raise
    lobby = lobby_create(host=user, game=game)
    return Membership.objects.get(lobby=lobby, user=user)


def _within_rate(key: str, *, limit: int, window: int, message: str = "") -> None:
    """Counts one request under `key` (shared by every server process), or RATE_LIMITED."""
    rate = rate_allowed(key, limit=limit, window=window)
    if not rate.allowed:
        raise LobbyError("RATE_LIMITED", message, retry_after=rate.retry_after)


def lobby_action_count(*, user: User) -> None:
    """Counts one lobby action of the user (socket, API or page), or RATE_LIMITED.

    Every action is a locked transaction and a broadcast to the lobby, so a client
    repeating them as fast as it can would load the database and every member.
    """
    _within_rate(
        f"lobby-action:{user.pk}",
        limit=django_settings.LOBBY_ACTIONS_PER_WINDOW,
        window=django_settings.LOBBY_ACTION_WINDOW_SECONDS,
        message="Too many lobby actions at once. Wait a few seconds.",
    )


@transaction.atomic
def lobby_chat(*, lobby: Lobby, user: User, text: str) -> dict[str, Any]:
    """Sends a chat line to the lobby's members. Nothing is stored."""
    text = (text if isinstance(text, str) else "").strip()
    if not text:
        raise LobbyError("CHAT_EMPTY")
    if len(text) > CHAT_MAX_LENGTH:
        raise LobbyError("CHAT_TOO_LONG")
    if has_control_characters(text):
        raise LobbyError("CHAT_BAD_TEXT")
    lobby = Lobby.objects.get(pk=lobby.pk)
    _membership(lobby, user)
    _within_rate(
        f"lobby-chat:{user.pk}",
        limit=django_settings.LOBBY_CHAT_MESSAGES_PER_WINDOW,
        window=django_settings.LOBBY_CHAT_WINDOW_SECONDS,
    )
    message = {
        "type": "chat",
        "user_id": user.pk,
        "name": str(user),
        "text": text,
        "at": timezone.now().isoformat(),
    }
    group = lobby_group(lobby.pk)
    transaction.on_commit(lambda: _group_send(group, {"type": "lobby.event", "event": message}))
    return message


# API tokens


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, user: User) -> str:
    """A new bearer token for the user; only its hash is stored, so show it once."""
    token = secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, key_hash=token_hash(token))
    return token
