"""Match records: created when a lobby starts a game, finished once when it ends."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, NamedTuple, TypeVar

import orjson
from django.conf import settings as django_settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model, Q
from django.utils import timezone

from game_server import metrics
from games.engine.room import serialized_entry
from games.engine.saves import Saved
from games.models import Match, MatchPlayer, MatchReplay, RoomLogPart, RoomSave
from games.replay import ReplayVersionError, replay_frames_gzip
from games.rules import CATALOGUE
from games.rules.base import Result
from games.signals import match_ended

logger = logging.getLogger(__name__)

Player = TypeVar("Player", bound=AbstractBaseUser)


@transaction.atomic
def match_create(
    *,
    game: str,
    settings: dict[str, Any],
    players: Sequence[AbstractBaseUser],
    bots: Sequence[str] = (),
    lobby: Model | None = None,
) -> Match:
    """A running match with its players seated in the given order, then a bot of each of
    the `bots` levels, started by `lobby` (a `lobby.models.Lobby`) if any.

    The room itself starts when the first player's socket connects to it. Callers keep
    each user to one running match (`match_players_busy`) and ask for bots only of a
    game that has them, at its levels.
    """
    definition = CATALOGUE[game]
    if bots and definition.bot is None:
        raise ValueError(f"{game} has no bot")
    if not set(bots) <= set(definition.bot_levels):
        raise ValueError(f"{game}'s bot levels are {', '.join(definition.bot_levels)}")
    match = Match.objects.create(
        game=game, lobby=lobby, settings=definition.clean_settings(settings)
    )
    seats = [MatchPlayer(match=match, user=user, seat=seat) for seat, user in enumerate(players)]
    seats += [
        MatchPlayer(match=match, bot_level=level, seat=seat)
        for seat, level in enumerate(bots, start=len(players))
    ]
    MatchPlayer.objects.bulk_create(seats)
    return match


@dataclass(frozen=True)
class RoomSpec:
    """What a process needs to start a match's room."""

    match_id: str
    game: str
    settings: dict[str, Any]
    seed: int
    players: list[tuple[str, str]]
    # Seated players the lobby's host kicked: gone from the room's first tick.
    removed: list[str]
    # The room as last saved, to resume from; None before the first save.
    saved: Saved | None = None
    # The level of each player a bot plays, by player id.
    bots: dict[str, str] = field(default_factory=dict)


class DatabaseSave(NamedTuple):
    """A room's save as the database stores it: its tick and `saves.save` data, and the
    log entries new since the last save (orjson, a list) from the index `log_start` on,
    up to `log_length`."""

    tick: int
    data: bytes
    log_start: int
    log_part: bytes
    log_length: int


@dataclass(frozen=True)
class ReplayRecord:
    """What `match_finish` writes to a `MatchReplay`: the fields of the same names."""

    game_version: str
    seed: int
    settings: dict[str, Any]
    players: list[tuple[str, str]]
    ticks: int
    log_entries: int
    log: bytes
    final_state: bytes
    result: bytes


def match_players_busy(*, users: Sequence[Player]) -> list[Player]:
    """Those of the users who hold a seat in a running match, in the order given."""
    busy = set(
        MatchPlayer.objects.filter(user__in=users, match__state=Match.State.RUNNING).values_list(
            "user_id", flat=True
        )
    )
    return [user for user in users if user.pk in busy]


def match_room_spec(*, match_id: str) -> RoomSpec | None:
    """The running match's room, or None if there is no such match or it is over.

    Asking opens the match: from then on the idle sweep leaves it to its room.
    """
    # A write first: it waits for an abort of this match under way, and then finds the
    # match over, so a room never starts for a match that was just aborted.
    Match.objects.filter(pk=match_id, state=Match.State.RUNNING, opened_at__isnull=True).update(
        opened_at=timezone.now()
    )
    match = (
        Match.objects.filter(pk=match_id, state=Match.State.RUNNING).select_related("lobby").first()
    )
    if match is None:
        return None
    seated = match.players.select_related("user").order_by("seat")
    banned = set(match.lobby.bans.values_list("user_id", flat=True)) if match.lobby else set()
    data = RoomSave.objects.filter(match=match).values_list("data", flat=True).first()
    return RoomSpec(
        match_id=str(match.pk),
        game=match.game,
        settings=match.settings,
        seed=match.seed,
        players=[(seat.player_id, seat.name) for seat in seated],
        removed=[str(seat.user_id) for seat in seated if seat.user_id in banned],
        saved=Saved(bytes(data), _saved_log(match)) if data is not None else None,
        bots={seat.player_id: seat.bot_level for seat in seated if seat.is_bot},
    )


def _saved_log(match: Match) -> list[bytes]:
    """The room's log as its database saves stored it: its parts in order, up to the
    first gap (`saves.restore` refuses a log shorter than its save counts).

    A write at `start` removes the parts from there on (`match_rooms_save`), so a part
    that starts later is newer: where parts overlap, the later one holds."""
    log: list[bytes] = []
    for start, entries in match.room_log_parts.order_by("start").values_list("start", "entries"):
        if start > len(log):
            break
        del log[start:]
        log.extend(serialized_entry(entry) for entry in orjson.loads(entries))
    return log


@transaction.atomic
def match_rooms_save(*, saves: dict[str, DatabaseSave]) -> None:
    """Writes the save of each room whose match is still running, and appends its new
    log entries: a part that starts where an earlier one did replaces that one and those
    after it (a save that failed, or another owner's).

    The matches are locked first, in id order: a match ending meanwhile (`match_finish`
    removes its save) waits for this write, so no save outlives its match.
    """
    running = list(
        Match.objects.select_for_update()
        .filter(pk__in=saves, state=Match.State.RUNNING)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not running:
        return
    written = {match_id: saves[str(match_id)] for match_id in running}
    RoomSave.objects.bulk_create(
        [
            RoomSave(match_id=match_id, tick=save.tick, data=save.data)
            for match_id, save in written.items()
        ],
        update_conflicts=True,
        unique_fields=["match"],
        update_fields=["tick", "data", "saved_at"],
    )
    replaced = Q()
    for match_id, save in written.items():
        replaced |= Q(match_id=match_id, start__gte=save.log_start)
    RoomLogPart.objects.filter(replaced).delete()
    RoomLogPart.objects.bulk_create(
        RoomLogPart(match_id=match_id, start=save.log_start, entries=save.log_part)
        for match_id, save in written.items()
        if save.log_part != b"[]"
    )


def match_may_watch(*, match_id: object, user_id: int) -> bool:
    """Whether a user without a seat may watch the match: its lobby allows spectators
    and did not kick them.

    Who can find the match follows the lobby's own visibility: its id is shown only to
    those who can see the lobby (its members, and whoever has its code or invite link).
    """
    return (
        Match.objects.filter(pk=match_id, lobby__allow_spectators=True)
        .exclude(lobby__bans__user_id=user_id)
        .exists()
    )


def match_spectators_may_chat(*, match_id: str) -> bool:
    """Whether the match's lobby lets its spectators chat (it cannot change while the
    lobby is in a game, so a spectator's socket asks once)."""
    return Match.objects.filter(pk=match_id, lobby__spectators_may_chat=True).exists()


def match_access(*, match_id: str, user_id: int) -> str:
    """What a user may do in a match's room: "player" (a seat) or "spectator" (may watch),
    or why neither: "no_such_room", "room_over", "kicked" (seated, but the lobby's host
    kicked them) or "not_a_player" (docs/protocol.md, Who may connect)."""
    match = Match.objects.filter(pk=match_id).select_related("lobby").first()
    if match is None:
        return "no_such_room"
    if match.state != Match.State.RUNNING:
        return "room_over"
    return _seat_access(match, user_id)


def _seat_access(match: Match, user_id: int) -> str:
    """ "player", "spectator", "kicked" or "not_a_player", as `match_access` says."""
    banned = match.lobby is not None and match.lobby.bans.filter(user_id=user_id).exists()
    if match.players.filter(user_id=user_id).exists():
        return "kicked" if banned else "player"
    if match.lobby is not None and match.lobby.allow_spectators and not banned:
        return "spectator"
    return "not_a_player"


# Why a user may not see a match's replay, in words for them.
REPLAY_REFUSALS = {
    "no_such_match": "There is no match with that id.",
    "not_allowed": "Only the match's players and those its lobby let watch it may see its replay.",
    "running": "This match is still being played; its replay comes at its end.",
    "no_replay": "This match ended before it was played: there is nothing to replay.",
    "old_version": "This match was played under other rules than this server's.",
}


class ReplayRefused(Exception):
    """Why a user may not see a match's replay: `reason` is one of REPLAY_REFUSALS;
    "old_version"'s `message` names the versions."""

    def __init__(self, reason: str, message: str = "") -> None:
        self.reason = reason
        self.message = message or REPLAY_REFUSALS[reason]
        super().__init__(self.message)


def match_replay_read(*, match_id: object, user_id: int) -> MatchReplay:
    """The match's replay, for a user who could watch the match (a player, or a
    spectator its lobby allows): docs/replays.md. Raises `ReplayRefused`."""
    try:
        match = Match.objects.filter(pk=match_id).select_related("lobby").first()
    except ValidationError:
        match = None
    if match is None:
        raise ReplayRefused("no_such_match")
    if _seat_access(match, user_id) not in ("player", "spectator"):
        raise ReplayRefused("not_allowed")
    if match.state == Match.State.RUNNING:
        raise ReplayRefused("running")
    # The frames, up to megabytes, are read only by the call that sends them.
    replays = MatchReplay.objects.filter(match=match).select_related("match")
    replay = replays.defer("frames").first()
    if replay is None:
        raise ReplayRefused("no_replay")
    game = CATALOGUE.get(match.game)
    if game is None:
        raise ReplayRefused("old_version", f"This server no longer offers {match.game}.")
    if game.version != replay.game_version:
        raise ReplayRefused("old_version", str(ReplayVersionError(game, replay.game_version)))
    return replay


def match_replay_frames(replay: MatchReplay) -> bytes:
    """The replay page's frames (games/replay.py `replay_frames_gzip`), gzip-compressed JSON:
    made from the record at their first request and kept with it. Replaying the longest
    match (600 s at 60 Hz) takes seconds, in a thread of a process whose rooms wait for
    the interpreter meanwhile: once a match, not once a view. Two first requests at once
    both make them, and the first to finish keeps its own."""
    if replay.frames is not None:
        return bytes(replay.frames)
    frames = replay_frames_gzip(CATALOGUE[replay.match.game], replay.recording())
    MatchReplay.objects.filter(pk=replay.pk, frames__isnull=True).update(frames=frames)
    return frames


def match_finish(
    *, match_id: str, result: Result, aborted: bool = False, replay: ReplayRecord | None = None
) -> bool:
    """Records the result once, with what replays the match if its room ran; False if
    the match was already over."""
    with transaction.atomic():
        match = Match.objects.select_for_update().filter(pk=match_id).first()
        if match is None or match.state != Match.State.RUNNING:
            return False
        _record(match, result, aborted=aborted)
        if replay is not None:
            MatchReplay.objects.create(match=match, **dataclasses.asdict(replay))
    _log_recorded(match)
    match_ended.send(sender=Match, match=match, result=result)
    return True


def replay_details(replay: MatchReplay) -> dict[str, Any]:
    """A replay's match as the API and the replay page show it: the players with the names
    the match seated them under, their places and scores, the result; not the log."""
    match = replay.match
    seats = {seat.player_id: seat for seat in match.players.all()}
    return {
        "match_id": str(match.pk),
        "game": match.game,
        "game_version": replay.game_version,
        "seed": replay.seed,
        "settings": replay.settings,
        "tick_rate": CATALOGUE[match.game].tick_rate(replay.settings),
        "ticks": replay.ticks,
        "players": [
            {
                "id": player,
                "name": name,
                "seat": number,
                "placement": seats[player].placement if player in seats else None,
                "score": seats[player].score if player in seats else None,
                "bot": player in seats and seats[player].is_bot,
            }
            for number, (player, name) in enumerate(replay.players)
        ],
        "result": orjson.loads(replay.result),
    }


NOT_OPENED = Result(placements={}, scores={}, reason="not_opened")


def match_abort_unopened() -> int:
    """Aborts running matches whose room no socket asked for within MATCH_OPEN_SECONDS
    of the start (reason `not_opened`); their lobbies open again. Returns how many."""
    cutoff = timezone.now() - timedelta(seconds=django_settings.MATCH_OPEN_SECONDS)
    unopened = Match.objects.filter(
        state=Match.State.RUNNING, opened_at__isnull=True, started_at__lt=cutoff
    )
    aborted = 0
    for match_id in unopened.values_list("pk", flat=True):
        with transaction.atomic():
            # Checked again under the lock: a socket may have opened it since the query.
            match = unopened.select_for_update().filter(pk=match_id).first()
            if match is None:
                continue
            _record(match, NOT_OPENED, aborted=True)
        _log_recorded(match)
        match_ended.send(sender=Match, match=match, result=NOT_OPENED)
        aborted += 1
    return aborted


def _record(match: Match, result: Result, *, aborted: bool) -> None:
    """Writes the result of a running match locked in the current transaction."""
    match.state = Match.State.ABORTED if aborted else Match.State.FINISHED
    match.reason = result.reason
    match.ended_at = timezone.now()
    match.save(update_fields=["state", "reason", "ended_at"])
    transaction.on_commit(metrics.MATCH_RESULTS_RECORDED.labels(match.state).inc)
    seats = list(match.players.all())
    for seat in seats:
        player = seat.player_id
        seat.placement = result.placements.get(player)
        seat.score = result.scores.get(player)
    MatchPlayer.objects.bulk_update(seats, ["placement", "score"])
    RoomSave.objects.filter(match=match).delete()
    RoomLogPart.objects.filter(match=match).delete()


def _log_recorded(match: Match) -> None:
    """The room's last line: its result is in the database (docs/deploy.md, Logs)."""
    lobby = match.lobby.code if match.lobby_id is not None else None
    logger.info(
        "match %s result recorded: %s, %s",
        match.pk,
        match.state,
        match.reason,
        extra={
            "event": "match_recorded",
            "match_id": str(match.pk),
            "lobby": lobby,
            "state": str(match.state),
            "reason": match.reason,
        },
    )
