"""Accounts, lobbies and memberships."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A player. Guests are real users with a generated name and no password yet."""

    display_name = models.CharField(max_length=32)
    is_guest = models.BooleanField(default=False, db_index=True)

    def __str__(self) -> str:
        return self.display_name or self.username
