"""Matches and their players: written when a match starts and once when it ends."""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta

import orjson
from django.conf import settings
from django.db import models
from django.db.models import Q

from games.replay import Recording


def _seed() -> int:
    return secrets.randbits(62)


class Match(models.Model):
    """One game played in a room. The room's id is the match's id."""

    class State(models.TextChoices):
        RUNNING = "running"
        FINISHED = "finished"
        ABORTED = "aborted"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    game = models.CharField(max_length=40, db_index=True)
    lobby = models.ForeignKey(
        "lobby.Lobby", null=True, blank=True, on_delete=models.SET_NULL, related_name="matches"
    )
    settings = models.JSONField(default=dict)
    seed = models.BigIntegerField(default=_seed)
    state = models.CharField(max_length=10, choices=State, default=State.RUNNING, db_index=True)
    reason = models.CharField(max_length=40, blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    # When the first socket asked for the room; the idle sweep aborts matches nobody opens.
    opened_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name_plural = "matches"
        # Staff need it for the live rooms' "End this room" (games/admin.py).
        permissions = [("end_room", "Can end a live room")]

    def __str__(self) -> str:
        return f"{self.game} {self.id}"

    @property
    def duration(self) -> timedelta | None:
        return self.ended_at - self.started_at if self.ended_at else None


class MatchPlayer(models.Model):
    """A seat of a match: a user's, or a bot's (no user, a `bot_level` of the game's)."""

    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="players")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="match_players",
    )
    bot_level = models.CharField(max_length=20, blank=True)
    seat = models.PositiveSmallIntegerField()
    placement = models.PositiveSmallIntegerField(null=True, blank=True)
    score = models.IntegerField(null=True, blank=True)

    class Meta:
        ordering = ["seat"]
        constraints = [
            models.UniqueConstraint(fields=["match", "user"], name="one_seat_per_player"),
            models.UniqueConstraint(fields=["match", "seat"], name="one_player_per_seat"),
            # A seat is a user's or a bot's, never both nor neither.
            models.CheckConstraint(
                condition=(Q(user__isnull=False) & Q(bot_level=""))
                | (Q(user__isnull=True) & ~Q(bot_level="")),
                name="a_user_or_a_bot",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} in {self.match}"

    @property
    def is_bot(self) -> bool:
        return self.user_id is None

    @property
    def player_id(self) -> str:
        """The player's id in the room and its frames: the user's id, or the bot's seat."""
        return bot_player_id(self.seat) if self.user_id is None else str(self.user_id)

    @property
    def name(self) -> str:
        return bot_name(self.seat, self.bot_level) if self.user_id is None else str(self.user)


def bot_player_id(seat: int) -> str:
    # Never a user's id, which is a number.
    return f"bot{seat}"


def bot_name(seat: int, level: str) -> str:
    return f"Bot {seat + 1} ({level})"


class RoomSave(models.Model):
    """A running match's room as last saved (`saves.save`, games/engine/saves.py), for a
    restarted process to resume it from. Written at most every ROOM_SAVE_SECONDS, never on
    the tick path; removed when the match ends."""

    match = models.OneToOneField(
        Match, primary_key=True, on_delete=models.CASCADE, related_name="room_save"
    )
    tick = models.PositiveIntegerField()
    data = models.BinaryField()
    saved_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.match} at tick {self.tick}"


class RoomLogPart(models.Model):
    """Entries of a running match's room log (games/engine/room.py), from `start` on: each
    database save appends the entries that are new since the last one, beside the
    `RoomSave` that counts them. Removed when the match ends (its `MatchReplay` holds
    the whole log then)."""

    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="room_log_parts")
    start = models.PositiveIntegerField()
    # orjson: a list of log entries.
    entries = models.BinaryField()

    class Meta:
        ordering = ["match", "start"]
        constraints = [
            models.UniqueConstraint(fields=["match", "start"], name="one_log_part_per_start")
        ]

    def __str__(self) -> str:
        return f"{self.match} log from entry {self.start}"


class MatchReplay(models.Model):
    """What replays a finished match exactly (games/replay.py): written once with its
    result, off the tick path. The log and the final state are orjson bytes, as the room
    had them, so that a replay can be compared with them byte for byte."""

    match = models.OneToOneField(
        Match, primary_key=True, on_delete=models.CASCADE, related_name="replay"
    )
    game_version = models.CharField(max_length=40)
    seed = models.BigIntegerField()
    settings = models.JSONField(default=dict)
    # [[player id, name], ...] in seat order, as the room seated them.
    players = models.JSONField(default=list)
    # The last tick the room ran.
    ticks = models.PositiveIntegerField()
    log_entries = models.PositiveIntegerField()
    log = models.BinaryField()
    final_state = models.BinaryField()
    # orjson of {"placements", "scores", "reason"}.
    result = models.BinaryField()
    recorded_at = models.DateTimeField(auto_now_add=True)
    # The replay page's frames (games/replay.py `replay_frames`) as gzip-compressed JSON:
    # made at their first request and kept, as the longest matches take seconds to replay.
    frames = models.BinaryField(null=True)

    def __str__(self) -> str:
        return f"replay of {self.match}"

    def recording(self) -> Recording:
        """The record as the replayer (games/replay.py) reads it."""
        return Recording(
            game_version=self.game_version,
            seed=self.seed,
            settings=self.settings,
            players=[(player, name) for player, name in self.players],
            ticks=self.ticks,
            log=[tuple(entry) for entry in orjson.loads(self.log)],
        )
