"""Match records: created when a lobby starts a game, finished once when it ends."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from games.models import Match, MatchPlayer, RoomSave
from games.rules import CATALOGUE
from games.rules.base import Result

if TYPE_CHECKING:
    from lobby.models import Lobby, User


@transaction.atomic
def match_create(
    *, game: str, settings: dict[str, Any], players: Sequence[User], lobby: Lobby | None = None
) -> Match:
    """A running match with its players seated in the given order.

    The room itself starts when the first player's socket connects to it.
    """
    definition = CATALOGUE[game]
    match = Match.objects.create(
        game=game, lobby=lobby, settings=definition.clean_settings(settings)
    )
    MatchPlayer.objects.bulk_create(
        MatchPlayer(match=match, user=user, seat=seat) for seat, user in enumerate(players)
    )
    return match


@dataclass(frozen=True)
class RoomSpec:
    """What a process needs to start a match's room."""

    match_id: str
    game: str
    settings: dict[str, Any]
    seed: int
    players: list[tuple[str, str]]
    # Whether users without a seat may watch: the match's lobby allows spectators.
    spectators: bool
    # The room as last saved (`Room.save`), to resume from; None before the first save.
    saved: bytes | None = None


def match_room_spec(*, match_id: str) -> RoomSpec | None:
    """The running match's room, or None if there is no such match or it is over."""
    match = (
        Match.objects.filter(pk=match_id, state=Match.State.RUNNING).select_related("lobby").first()
    )
    if match is None:
        return None
    seated = match.players.select_related("user").order_by("seat")
    saved = RoomSave.objects.filter(match=match).values_list("data", flat=True).first()
    return RoomSpec(
        match_id=str(match.pk),
        game=match.game,
        settings=match.settings,
        seed=match.seed,
        players=[(str(seat.user_id), str(seat.user)) for seat in seated],
        spectators=match.lobby is not None and match.lobby.allow_spectators,
        saved=bytes(saved) if saved is not None else None,
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


def match_is_over(*, match_id: str) -> bool:
    return Match.objects.filter(pk=match_id).exclude(state=Match.State.RUNNING).exists()


def match_finish(*, match_id: str, result: Result, aborted: bool = False) -> bool:
    """Records the result once; False if the match was already over."""
    with transaction.atomic():
        match = Match.objects.select_for_update().filter(pk=match_id).first()
        if match is None or match.state != Match.State.RUNNING:
            return False
        match.state = Match.State.ABORTED if aborted else Match.State.FINISHED
        match.reason = result.reason
        match.ended_at = timezone.now()
        match.save(update_fields=["state", "reason", "ended_at"])
        seats = list(match.players.all())
        for seat in seats:
            player = str(seat.user_id)
            seat.placement = result.placements.get(player)
            seat.score = result.scores.get(player)
        MatchPlayer.objects.bulk_update(seats, ["placement", "score"])
        RoomSave.objects.filter(match=match).delete()
    if match.lobby_id is not None:
        # Imported here: lobby.services imports this module to create matches.
        from lobby.services import lobby_match_ended

        lobby_match_ended(lobby_id=match.lobby_id)
    return True
