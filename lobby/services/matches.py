"""A lobby's matches: the host starts one, and the lobby opens again when it ends."""

from __future__ import annotations

import logging

from django.db import transaction

from games.models import Match
from games.services import match_create, match_players_busy
from lobby.models import Lobby, User
from lobby.services.announce import announce
from lobby.services.changes import close, lock, require_host, require_open, touch
from lobby.services.errors import LobbyError
from lobby.services.lookup import game_of
from lobby.services.snapshots import play_url

logger = logging.getLogger(__name__)


@transaction.atomic
def lobby_start(*, lobby: Lobby, user: User) -> Match:
    """The host starts the game: a running match with the members in seat order.

    Each user plays one running match at a time: a member still seated in another one
    (they left its lobby mid-game) blocks the start, named in the refusal.
    """
    lobby = lock(lobby.pk)
    require_host(lobby, user)
    require_open(lobby)
    definition = game_of(lobby)
    memberships = list(lobby.memberships.select_related("user").order_by("seat"))
    # Bots are always ready, and sit after the members.
    bots = [bot.level for bot in lobby.bots.all()]
    if len(memberships) + len(bots) < definition.min_players:
        raise LobbyError(
            "TOO_FEW_PLAYERS", f"{definition.name} needs at least {definition.min_players}."
        )
    if len(memberships) + len(bots) > definition.max_players:
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
        bots=bots,
        lobby=lobby,
    )
    lobby.state = Lobby.State.IN_GAME
    touch(lobby, "state")
    announce(lobby, "started", match_id=str(match.id), play_url=play_url(match.id))
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
        reopen(lobby, reason=reason)


def reopen(lobby: Lobby, *, reason: str) -> Lobby.State:
    """A locked lobby in a game that is over opens again, or closes when empty."""
    if not lobby.memberships.exists():
        close(lobby, reason="empty")
        return lobby.state
    lobby.memberships.update(is_ready=False)
    lobby.state = Lobby.State.OPEN
    touch(lobby, "state")
    announce(lobby, "match_ended", reason=reason)
    return lobby.state
