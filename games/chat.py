"""Chat lines' rules, one for the lobby's chat and the match's: what a line may say, and
how many a user may send.

The budget is one per user, kept in the cache every server process shares: a line sent
in the lobby and one sent during a match count together (`LOBBY_CHAT_MESSAGES_PER_WINDOW`
per `LOBBY_CHAT_WINDOW_SECONDS`).
"""

from __future__ import annotations

import unicodedata

from django.conf import settings

from game_server.limits import rate_allowed

CHAT_MAX_LENGTH = 300
# The quick reactions a player may send during a match, by their stable names; the play
# page shows each as a button with its own words.
REACTIONS = ("gg", "nice", "oops", "hello")


class ChatRefused(Exception):
    """A chat line refused: `code` is "empty", "too_long", "bad_text" or "rate_limited"."""

    def __init__(self, code: str, *, retry_after: int = 0) -> None:
        super().__init__(code)
        self.code = code
        # For "rate_limited": seconds until the budget is full again.
        self.retry_after = retry_after


def has_control_characters(text: str) -> bool:
    """NUL (which PostgreSQL cannot store) and the other C0 and C1 control characters."""
    return any(unicodedata.category(character) == "Cc" for character in text)


def chat_text(text: object) -> str:
    """The line as it is sent (spaces around it stripped), or ChatRefused."""
    line = (text if isinstance(text, str) else "").strip()
    if not line:
        raise ChatRefused("empty")
    if len(line) > CHAT_MAX_LENGTH:
        raise ChatRefused("too_long")
    if has_control_characters(line):
        raise ChatRefused("bad_text")
    return line


def chat_count(*, user_id: object) -> None:
    """Counts one line of the user, in the lobby or in a match, or ChatRefused."""
    rate = rate_allowed(
        f"chat:{user_id}",
        limit=settings.LOBBY_CHAT_MESSAGES_PER_WINDOW,
        window=settings.LOBBY_CHAT_WINDOW_SECONDS,
    )
    if not rate.allowed:
        raise ChatRefused("rate_limited", retry_after=rate.retry_after)
