"""Taking a user out of a running match: the lobby's host kicked them mid-match."""

from __future__ import annotations

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from games.engine.delivery import user_group_name
from games.engine.registry import registry

logger = logging.getLogger(__name__)


def match_remove_user(*, match_id: str, user_id: int) -> None:
    """Once the kick is committed: every socket the user has on the match closes, on any
    process, and the room, wherever it runs, takes their seat or stops counting them as a
    spectator. Their ban from the lobby keeps them from connecting again."""
    try:
        async_to_sync(_remove)(match_id, str(user_id))
    except Exception:
        # The kick is committed and the ban holds; a lost notice must not undo it.
        logger.exception("could not remove user %s from match %s", user_id, match_id)


async def _remove(match_id: str, user: str) -> None:
    await get_channel_layer().group_send(user_group_name(match_id, user), {"type": "room.removed"})
    await registry().remove(match_id, user)
