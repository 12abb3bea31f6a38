"""The host's bots: seats of a lobby that the game's bot plays once the match starts."""

from __future__ import annotations

from django.db import transaction

from lobby.models import Lobby, LobbyBot, User
from lobby.services.announce import announce
from lobby.services.changes import lock, require_host, require_open, seats_taken, touch
from lobby.services.errors import LobbyError
from lobby.services.lookup import game_of


@transaction.atomic
def lobby_add_bot(*, lobby: Lobby, user: User, level: str | None = None) -> LobbyBot:
    """The host gives a free seat to a bot of the game's `level` (its first by default)."""
    lobby = lock(lobby.pk)
    require_host(lobby, user)
    require_open(lobby)
    definition = game_of(lobby)
    if definition.bot is None:
        raise LobbyError("NO_BOTS", f"{definition.name} has no bot.")
    level = definition.bot_levels[0] if level is None else level
    if level not in definition.bot_levels:
        levels = ", ".join(definition.bot_levels)
        raise LobbyError("BAD_BOT_LEVEL", f"A bot's level is one of: {levels}.", field="level")
    if seats_taken(lobby) >= lobby.max_players:
        raise LobbyError("LOBBY_FULL")
    bot = LobbyBot.objects.create(lobby=lobby, level=level)
    touch(lobby)
    announce(lobby, "bot_added", bot_id=bot.pk)
    return bot


@transaction.atomic
def lobby_remove_bot(*, lobby: Lobby, user: User, bot_id: int) -> None:
    lobby = lock(lobby.pk)
    require_host(lobby, user)
    require_open(lobby)
    removed, _ = LobbyBot.objects.filter(lobby=lobby, pk=bot_id).delete()
    if not removed:
        raise LobbyError("NO_SUCH_BOT", field="bot_id")
    touch(lobby)
    announce(lobby, "bot_removed", bot_id=bot_id)
