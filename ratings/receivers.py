"""Ratings hear that a match ended through `games.signals.match_ended` (connected in
`RatingsConfig.ready`)."""

from __future__ import annotations

import logging
from typing import Any

from games.models import Match
from ratings.services import rating_record

logger = logging.getLogger(__name__)


def rate_ended_match(sender: type[Match], *, match: Match, **kwargs: Any) -> None:
    """Rates the match, off the tick path: the engine sends the signal from the thread
    that recorded the end."""
    try:
        rating_record(match=match)
    except Exception:
        # The match is over whatever happens to its ratings: the room that sent this
        # must still close and let go of its players.
        logger.exception(
            "match %s: ratings not updated", match.pk, extra={"match_id": str(match.pk)}
        )
