"""A rating per player per game, and what each rated match did to it."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from games.models import Match


class Rating(models.Model):
    """A player's skill in one game: openskill's mu and sigma, and the number shown for
    them (`ratings.services.displayed`), kept in a column so the leaderboard can sort by
    it on an index."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ratings"
    )
    game = models.CharField(max_length=40)
    mu = models.FloatField()
    sigma = models.FloatField()
    displayed = models.IntegerField()
    games_rated = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "game"], name="one_rating_per_game"),
        ]
        indexes = [models.Index(fields=["game", "-displayed"], name="leaderboard")]

    def __str__(self) -> str:
        return f"{self.user} in {self.game}: {self.displayed}"

    @property
    def provisional(self) -> bool:
        return self.games_rated < settings.RATING_PROVISIONAL_GAMES

    @property
    def games_to_go(self) -> int:
        """Rated games left before the rating stops being provisional."""
        return max(0, settings.RATING_PROVISIONAL_GAMES - self.games_rated)


class RatingChange(models.Model):
    """What one rated match did to one player's rating. At most one per player per
    match: a match delivered twice is rated once."""

    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="rating_changes")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rating_changes"
    )
    mu_before = models.FloatField()
    sigma_before = models.FloatField()
    displayed_before = models.IntegerField()
    mu_after = models.FloatField()
    sigma_after = models.FloatField()
    displayed_after = models.IntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["match", "user"], name="one_rating_change_per_player"),
        ]
        indexes = [models.Index(fields=["user", "-created_at"], name="rating_changes_of_user")]

    def __str__(self) -> str:
        return f"{self.user} in {self.match}: {self.change:+d}"

    @property
    def change(self) -> int:
        return self.displayed_after - self.displayed_before

    @property
    def change_text(self) -> str:
        """ "+12", "\N{MINUS SIGN}8" or "±0"."""
        if self.change == 0:
            return "±0"
        return f"+{self.change}" if self.change > 0 else f"\N{MINUS SIGN}{-self.change}"
