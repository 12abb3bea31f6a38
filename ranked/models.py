"""Who waits in the ranked queue of which game."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from games.models import Match


class QueueEntry(models.Model):
    """A user's place in one game's ranked queue: at most one per user. Once matched it
    names the match until the user leaves the queue or joins it again."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="queue_entry"
    )
    game = models.CharField(max_length=40)
    # The user's shown rating in the game when they joined (a newcomer's by default).
    rating = models.IntegerField()
    joined_at = models.DateTimeField(default=timezone.now)
    # Moves while the user is present: their queue socket, or their GET /api/queue/.
    seen_at = models.DateTimeField(default=timezone.now)
    # The channel of the queue socket that holds the place; "" for an API client.
    holder = models.CharField(max_length=200, blank=True)
    match = models.ForeignKey(Match, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        verbose_name_plural = "queue entries"
        indexes = [models.Index(fields=["game", "joined_at"], name="queue_of_game")]

    def __str__(self) -> str:
        return f"{self.user} in the {self.game} queue"
