"""Match records: created when a lobby starts a game, finished once when it ends."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, TypeVar

from django.conf import settings as django_settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from game_server import metrics
from games.models import Match, MatchPlayer, RoomSave
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
    # The room as last saved (`Room.save`), to resume from; None before the first save.
    saved: bytes | None = None
    # The level of each player a bot plays, by player id.
    bots: dict[str, str] = field(default_factory=dict)


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
    saved = RoomSave.objects.filter(match=match).values_list("data", flat=True).first()
    return RoomSpec(
        match_id=str(match.pk),
        game=match.game,
        settings=match.settings,
        seed=match.seed,
        players=[(seat.player_id, seat.name) for seat in seated],
        removed=[str(seat.user_id) for seat in seated if seat.user_id in banned],
        saved=bytes(saved) if saved is not None else None,
        bots={seat.player_id: seat.bot_level for seat in seated if seat.is_bot},
    )


@transaction.atomic
def match_rooms_save(*, saves: dict[str, tuple[int, bytes]]) -> None:
    """Writes the save (tick, data) of each room whose match is still running.

    The matches are locked first, in id order: a match ending meanwhile (`match_finish`
    removes its save) waits for this write, so no save outlives its match.
    """
    running = (
        Match.objects.select_for_update()
        .filter(pk__in=saves, state=Match.State.RUNNING)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    rows = [
        RoomSave(match_id=match_id, tick=saves[str(match_id)][0], data=saves[str(match_id)][1])
        for match_id in running
    ]
    RoomSave.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["match"],
        update_fields=["tick", "data", "saved_at"],
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
    banned = match.lobby is not None and match.lobby.bans.filter(user_id=user_id).exists()
    if match.players.filter(user_id=user_id).exists():
        return "kicked" if banned else "player"
    if match.lobby is not None and match.lobby.allow_spectators and not banned:
        return "spectator"
    return "not_a_player"


def match_finish(*, match_id: str, result: Result, aborted: bool = False) -> bool:
    """Records the result once; False if the match was already over."""
    with transaction.atomic():
        match = Match.objects.select_for_update().filter(pk=match_id).first()
        if match is None or match.state != Match.State.RUNNING:
            return False
        _record(match, result, aborted=aborted)
    _log_recorded(match)
    match_ended.send(sender=Match, match=match, result=result)
    return True


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
