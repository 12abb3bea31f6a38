"""Accounts, lobbies and memberships."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models
from django.db.models import Q, QuerySet, Value
from django.db.models.functions import Lower
from django.utils import timezone


class UserManager(DjangoUserManager):
    def named(self, username: str) -> QuerySet[User]:
        """Users whose username is this one in any case (at most one: see the constraint)."""
        return self.alias(username_lower=Lower("username")).filter(
            username_lower=Lower(Value(username))
        )

    def get_by_natural_key(self, username: str | None) -> User:
        # Log-ins find "Alice" whether typed "alice" or "ALICE".
        return self.named(username or "").get()


class User(AbstractUser):
    """A player. Guests are real users with a generated name and no password yet."""

    display_name = models.CharField(max_length=32)
    is_guest = models.BooleanField(default=False, db_index=True)

    objects = UserManager()

    class Meta(AbstractUser.Meta):
        constraints = (
            models.UniqueConstraint(
                Lower("username"),
                name="unique_username_in_any_case",
                violation_error_message="A user with that username already exists.",
            ),
        )

    def __str__(self) -> str:
        return self.display_name or self.username


# Unambiguous characters: no 0/O, 1/I/L, 2/Z, 5/S, 8/B.
CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
CODE_LENGTH = 6


class Lobby(models.Model):
    """Where players meet before a match: open, in game, open again, and finally closed."""

    class State(models.TextChoices):
        OPEN = "open"
        IN_GAME = "in_game", "in game"
        CLOSED = "closed"

    code = models.CharField(max_length=CODE_LENGTH, db_index=True)
    name = models.CharField(max_length=60)
    host = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="hosted_lobbies"
    )
    game = models.CharField(max_length=40, db_index=True)
    settings = models.JSONField(default=dict, blank=True)
    max_players = models.PositiveSmallIntegerField()
    is_public = models.BooleanField(default=True)
    # Users without a seat may watch its matches (docs/protocol.md, Spectators).
    allow_spectators = models.BooleanField(default=False)
    # Spectators may chat during its matches, as players do (docs/protocol.md, chat).
    spectators_may_chat = models.BooleanField(default=False)
    state = models.CharField(max_length=10, choices=State, default=State.OPEN, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Moves on every change; lobbies idle for longer than LOBBY_IDLE_SECONDS close.
    last_activity_at = models.DateTimeField(default=timezone.now, db_index=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)
        verbose_name_plural = "lobbies"
        constraints = (
            # A code names one lobby among those not closed; closed lobbies free their code.
            models.UniqueConstraint(
                fields=["code"], condition=~Q(state="closed"), name="unique_code_while_live"
            ),
        )

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Membership(models.Model):
    """A user's seat in a lobby. A user sits in at most one lobby at a time."""

    lobby = models.ForeignKey(Lobby, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    # Grows with each join, so the lowest seat is the longest-seated member.
    seat = models.PositiveIntegerField()
    is_ready = models.BooleanField(default=False)
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("seat",)
        constraints = (
            # Memberships are removed on leave and on close, so this is "one lobby per user".
            models.UniqueConstraint(fields=["user"], name="one_lobby_per_user"),
            models.UniqueConstraint(fields=["lobby", "seat"], name="one_member_per_seat"),
        )

    def __str__(self) -> str:
        return f"{self.user} in {self.lobby.code}"


class LobbyBot(models.Model):
    """A seat the host gave to the game's bot: always ready, counted among the players,
    seated after the members when the match starts."""

    lobby = models.ForeignKey(Lobby, on_delete=models.CASCADE, related_name="bots")
    level = models.CharField(max_length=20)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("pk",)

    def __str__(self) -> str:
        return f"{self.level} bot in {self.lobby.code}"


class LobbyBan(models.Model):
    """A user kicked from a lobby, who may not join it again."""

    lobby = models.ForeignKey(Lobby, on_delete=models.CASCADE, related_name="bans")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="lobby_bans")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=["lobby", "user"], name="one_ban_per_user_and_lobby"),
        )

    def __str__(self) -> str:
        return f"{self.user} kicked from {self.lobby.code}"


class ApiToken(models.Model):
    """A bearer token for API and WebSocket clients; only its SHA-256 is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Renewed by use at most once a day; the token expires TOKEN_TTL_DAYS after it.
    last_used_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"token of {self.user}"
