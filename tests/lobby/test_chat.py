"""Lobby chat: members only, length-limited, rate-limited per user, never stored."""

from __future__ import annotations

import pytest

from lobby import services
from lobby.services import CHAT_MAX_LENGTH, LobbyError

pytestmark = pytest.mark.django_db


def test_a_member_chats_to_the_lobby(arena_lobby, alice, sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.lobby_chat(lobby=arena_lobby, user=alice, text="  hi <b>all</b> ")
    event = sent.events(arena_lobby)[-1]
    assert (event["type"], event["name"], event["text"]) == ("chat", "Alice", "hi <b>all</b>")


def test_an_empty_message_is_refused(arena_lobby, alice):
    with pytest.raises(LobbyError, match="CHAT_EMPTY"):
        services.lobby_chat(lobby=arena_lobby, user=alice, text="   ")


def test_a_long_message_is_refused(arena_lobby, alice):
    with pytest.raises(LobbyError, match="CHAT_TOO_LONG"):
        services.lobby_chat(lobby=arena_lobby, user=alice, text="x" * (CHAT_MAX_LENGTH + 1))


def test_a_non_member_cannot_chat(arena_lobby, bob):
    with pytest.raises(LobbyError, match="NOT_MEMBER"):
        services.lobby_chat(lobby=arena_lobby, user=bob, text="hello")


def test_a_fast_talker_is_rate_limited(arena_lobby, alice, settings):
    settings.LOBBY_CHAT_MESSAGES_PER_WINDOW = 3
    for _ in range(3):
        services.lobby_chat(lobby=arena_lobby, user=alice, text="spam")
    with pytest.raises(LobbyError, match="RATE_LIMITED"):
        services.lobby_chat(lobby=arena_lobby, user=alice, text="spam")


def test_the_rate_limit_is_per_user(arena_lobby, alice, bob, settings):
    settings.LOBBY_CHAT_MESSAGES_PER_WINDOW = 1
    services.lobby_join(code=arena_lobby.code, user=bob)
    services.lobby_chat(lobby=arena_lobby, user=alice, text="one")
    services.lobby_chat(lobby=arena_lobby, user=bob, text="two")
