"""One log line for each event in a room's life, the same from both registries.

Every line carries `event`, `match_id` and `owner` (this process, as the registries and
the admin's live rooms name it), and what the event adds: `tick`, `reason`,
`resumed_from`, `previous_owner` (docs/deploy.md, Logs).
"""

from __future__ import annotations

import logging

from games.engine.room import Room

logger = logging.getLogger(__name__)


def room_opened(room: Room, *, owner: str, resumed_from: str | None) -> None:
    """The room runs here: fresh, or resumed from its "database" or "redis" save."""
    how = f"resumed from its {resumed_from} save" if resumed_from else "fresh"
    logger.info(
        "room %s opened (%s) at tick %d: %s for %d players",
        room.room_id,
        how,
        room.ctx.tick,
        room.game.slug,
        len(room.seats),
        extra={
            "event": "room_opened",
            "match_id": room.room_id,
            "owner": owner,
            "game": room.game.slug,
            "tick": room.ctx.tick,
            "resumed_from": resumed_from,
        },
    )


def room_taken_over(room: Room, *, owner: str, previous_owner: str) -> None:
    """The room ran on another process, gone or let go of it, and runs here now."""
    logger.info(
        "room %s taken over from %s at tick %d",
        room.room_id,
        previous_owner,
        room.ctx.tick,
        extra={
            "event": "room_taken_over",
            "match_id": room.room_id,
            "owner": owner,
            "previous_owner": previous_owner,
            "tick": room.ctx.tick,
        },
    )


def room_handed_over(room: Room, *, owner: str) -> None:
    """Saved and let go of as this process stops (SIGTERM): another one takes it."""
    logger.info(
        "room %s handed over: saved at tick %d and let go",
        room.room_id,
        room.ctx.tick,
        extra={
            "event": "room_handed_over",
            "match_id": room.room_id,
            "owner": owner,
            "tick": room.ctx.tick,
        },
    )


def room_lost(room_id: str, *, owner: str) -> None:
    """Fenced out: another process holds the room's lease; this one stops running it."""
    logger.warning(
        "room %s lost: another process owns it now",
        room_id,
        extra={"event": "room_lost", "match_id": room_id, "owner": owner},
    )


def room_ended(room: Room, *, owner: str) -> None:
    """The match is over (its result is recorded next, `games.services`)."""
    assert room.result is not None
    logger.info(
        "room %s ended at tick %d: %s",
        room.room_id,
        room.ctx.tick,
        room.result.reason,
        extra={
            "event": "room_ended",
            "match_id": room.room_id,
            "owner": owner,
            "tick": room.ctx.tick,
            "reason": room.result.reason,
            "aborted": room.aborted,
        },
    )
