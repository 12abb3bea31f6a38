"""The refusal every lobby service raises: a stable code and a message for people."""

from __future__ import annotations

from games.chat import CHAT_MAX_LENGTH

NAME_MAX_LENGTH = 60

MESSAGES = {
    "ALREADY_QUEUED": "You are already in the ranked queue.",
    "AUTH_REQUIRED": "Log in or play as a guest first.",
    "BAD_REQUEST": "The request is not one this server understands.",
    "BAD_MAX_PLAYERS": "That number of players does not fit this game or this lobby.",
    "BAD_BOT_LEVEL": "That is not one of this game's bot levels.",
    "BAD_NAME": f"A lobby name has at most {NAME_MAX_LENGTH} characters and no control characters.",
    "BAD_SETTINGS": "A setting is outside what this game allows.",
    "CANNOT_KICK_SELF": "The host cannot kick themselves; leave the lobby instead.",
    "CHAT_BAD_TEXT": "A chat message cannot contain control characters.",
    "CHAT_EMPTY": "Write something first.",
    "CHAT_TOO_LONG": f"A chat message has at most {CHAT_MAX_LENGTH} characters.",
    "IN_ANOTHER_MATCH": "You are still playing another match; finish it first.",
    "KICKED": "You were removed from this lobby and cannot join it again.",
    "LOBBY_FULL": "This lobby is full.",
    "LOBBY_NOT_FOUND": "There is no open lobby with that code.",
    "NO_BOTS": "This game has no bot.",
    "NO_SUCH_BOT": "That bot is not in this lobby.",
    "NOT_HOST": "Only the host can do that.",
    "NOT_MEMBER": "You are not in this lobby.",
    "NOT_QUEUED": "You are not in the ranked queue.",
    "NOT_READY": "Everyone except the host must be ready before the game starts.",
    "RATE_LIMITED": "You are sending messages too fast. Wait a few seconds.",
    "TOO_FEW_PLAYERS": "There are not enough players for this game yet.",
    "TOO_MANY_PLAYERS": "There are more players than this game allows.",
    "TOO_EARLY": "Others may still join; bots can fill the seats a little later.",
    "UNKNOWN_GAME": "There is no such game.",
    "WRONG_STATE": "The lobby cannot do that right now.",
}


class LobbyError(Exception):
    """A refused lobby action. `code` is stable; `message` is for people."""

    def __init__(
        self, code: str, message: str = "", *, field: str = "", retry_after: int = 0
    ) -> None:
        self.code = code
        self.message = message or MESSAGES[code]
        self.field = field
        # For RATE_LIMITED: seconds until the budget is full again.
        self.retry_after = retry_after
        super().__init__(f"{code}: {self.message}")
