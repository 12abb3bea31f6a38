"""Every lobby state change, one keyword-only function each, in a transaction.

The pages, the lobby socket and the JSON API reach these through one table of actions
(lobby/actions.py); tests, the admin and the engine call them directly. A refused action
raises `LobbyError` with a stable code and leaves nothing written. Capacity is race-safe
because every change to a lobby first locks its row (`select_for_update`, a no-op on
SQLite, where IMMEDIATE transactions already serialize writers). Members hear about
changes over the channel layer, after the transaction commits.

This package is their one front door; its modules split them by job:

- `membership`: who sits in a lobby (join, quick play, leave, ready, kick, host)
- `bots`: the host's bots, seats the game's bot plays
- `lifecycle`: a lobby's host creates it, changes its settings, closes it
- `matches`: starting a match, and opening again when the engine reports its end
  (`lobby_match_ended`)
- `idle`: the sweep that closes what nobody uses and finds matches nobody opened
- `chat`: chat lines, never stored
- `tokens`: API tokens
- `lookup`, `snapshots`: finding a lobby by code; what members and the list see of it
- `changes`, `cleaning`, `announce`, `rates`, `errors`: the steps, checks, broadcasts,
  budgets and refusals the others are made of
"""

from __future__ import annotations

from lobby.services.announce import LOBBY_LIST_GROUP, group_send_quietly, lobby_group
from lobby.services.bots import (
    lobby_add_bot,
    lobby_fill_with_bots,
    lobby_play_computer,
    lobby_remove_bot,
)
from lobby.services.changes import lock_user
from lobby.services.chat import lobby_chat
from lobby.services.cleaning import game_named
from lobby.services.errors import CHAT_MAX_LENGTH, MESSAGES, LobbyError
from lobby.services.idle import IdleSweep, lobby_close_idle, lobby_close_idle_if_due
from lobby.services.lifecycle import lobby_close, lobby_create, lobby_update_settings
from lobby.services.lookup import (
    current_match,
    game_of,
    lobby_lookup,
    membership_current,
    membership_of,
)
from lobby.services.matches import lobby_match_ended, lobby_start
from lobby.services.membership import (
    lobby_join,
    lobby_kick,
    lobby_leave,
    lobby_quick_play,
    lobby_set_ready,
    lobby_transfer_host,
)
from lobby.services.rates import lobby_action_count, within_rate
from lobby.services.snapshots import (
    list_row_id,
    lobby_list_public,
    lobby_snapshot,
    lobby_summary,
    play_url,
)
from lobby.services.tokens import api_token_create, token_hash

__all__ = [
    "CHAT_MAX_LENGTH",
    "LOBBY_LIST_GROUP",
    "MESSAGES",
    "IdleSweep",
    "LobbyError",
    "api_token_create",
    "current_match",
    "game_named",
    "game_of",
    "group_send_quietly",
    "list_row_id",
    "lobby_action_count",
    "lobby_add_bot",
    "lobby_chat",
    "lobby_close",
    "lobby_close_idle",
    "lobby_close_idle_if_due",
    "lobby_create",
    "lobby_fill_with_bots",
    "lobby_group",
    "lobby_join",
    "lobby_kick",
    "lobby_leave",
    "lobby_list_public",
    "lobby_lookup",
    "lobby_match_ended",
    "lobby_play_computer",
    "lobby_quick_play",
    "lobby_remove_bot",
    "lobby_set_ready",
    "lobby_snapshot",
    "lobby_start",
    "lobby_summary",
    "lobby_transfer_host",
    "lobby_update_settings",
    "lock_user",
    "membership_current",
    "membership_of",
    "play_url",
    "token_hash",
    "within_rate",
]
