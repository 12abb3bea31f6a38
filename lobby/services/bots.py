"""The host's bots: seats of a lobby that the game's bot plays once the match starts,
and a match against the computer in one step."""

from __future__ import annotations

import math

from django.db import transaction
from django.utils import timezone

from games.models import Match
from games.rules import GAMES
from games.services import match_players_busy
from lobby.models import Lobby, LobbyBot, User
from lobby.services.announce import announce
from lobby.services.changes import lock, require_host, require_open, seats_taken, touch
from lobby.services.cleaning import game_named
from lobby.services.errors import LobbyError
from lobby.services.lifecycle import lobby_create
from lobby.services.lookup import game_of
from lobby.services.matches import lobby_start
from lobby.services.snapshots import bots_offered_at

# Players of a match against the computer, within the game's range: arena against three
# bots, connect four against one.
AGAINST_THE_COMPUTER_PLAYERS = 4


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


@transaction.atomic
def lobby_play_computer(*, user: User, game: str | None = None, level: str | None = None) -> Match:
    """A match of the user against the game's bots (the first game that has one by
    default), started at once from a private lobby of theirs that they may rematch from.

    The user leaves any lobby they sat in, as when creating one; a user still playing
    a running match is refused (IN_ANOTHER_MATCH) and nothing is left behind.
    """
    if game is None:
        definition = next((each for each in GAMES if each.bot is not None), None)
        if definition is None:
            raise LobbyError("NO_BOTS", "No game here has a bot.")
    else:
        definition = game_named(game)
    if definition.bot is None:
        raise LobbyError("NO_BOTS", f"{definition.name} has no bot.")
    if match_players_busy(users=[user]):
        raise LobbyError("IN_ANOTHER_MATCH")
    players = min(definition.max_players, max(definition.min_players, AGAINST_THE_COMPUTER_PLAYERS))
    lobby = lobby_create(
        host=user,
        game=definition.slug,
        name=f"{user} against the computer",
        max_players=players,
        is_public=False,
    )
    return _start_against_bots(lobby, user, level=level)


@transaction.atomic
def lobby_fill_with_bots(*, lobby: Lobby, user: User) -> Match:
    """Quick play's way out of waiting: the lobby's one member, alone for
    QUICK_PLAY_BOT_SECONDS, agrees to play the game's bots, who take the empty seats (to
    as many players as against the computer) and the match starts."""
    lobby = lock(lobby.pk)
    require_host(lobby, user)
    require_open(lobby)
    offered_at = bots_offered_at(lobby, list(lobby.memberships.all()))
    if offered_at is None:
        raise LobbyError("NO_BOTS", "Bots fill the seats of a lobby you wait in alone.")
    wait = (offered_at - timezone.now()).total_seconds()
    if wait > 0:
        raise LobbyError(
            "TOO_EARLY", f"Others may still join: bots can fill the seats in {math.ceil(wait)} s."
        )
    return _start_against_bots(lobby, user)


def _start_against_bots(lobby: Lobby, user: User, *, level: str | None = None) -> Match:
    """The host alone in `lobby` plays bots of `level` (the game's first by default) in
    the empty seats, to as many players as against the computer, and the match starts."""
    definition = game_of(lobby)
    players = min(lobby.max_players, max(definition.min_players, AGAINST_THE_COMPUTER_PLAYERS))
    for _ in range(players - 1):
        lobby_add_bot(lobby=lobby, user=user, level=level)
    return lobby_start(lobby=lobby, user=user)
