"""What a client asks of a lobby (its game, settings, size and name), checked and
cleaned, or refused with LobbyError."""

from __future__ import annotations

from typing import Any

from games.chat import has_control_characters
from games.rules import CATALOGUE
from games.rules.base import GameDef, SettingsError
from lobby.models import User
from lobby.services.errors import NAME_MAX_LENGTH, LobbyError


def game_named(slug: str) -> GameDef:
    game = CATALOGUE.get(slug)
    if game is None:
        raise LobbyError("UNKNOWN_GAME")
    return game


def clean_settings(game: GameDef, raw: dict[str, Any] | None) -> dict[str, Any]:
    try:
        return game.clean_settings(raw)
    except SettingsError as error:
        raise LobbyError(
            "BAD_SETTINGS", f"{error.field}: {error.message}", field=error.field
        ) from None


def clean_max_players(game: GameDef, max_players: int | None) -> int:
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


def clean_name(name: str | None, host: User, game: GameDef) -> str:
    name = (name or "").strip()
    if len(name) > NAME_MAX_LENGTH or has_control_characters(name):
        raise LobbyError("BAD_NAME", field="name")
    return name or f"{host}'s {game.name}"[:NAME_MAX_LENGTH]
