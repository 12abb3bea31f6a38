"""API tokens: made here and shown once; only their hash is stored (lobby/auth.py reads them)."""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction

from lobby.models import ApiToken, User


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, user: User) -> str:
    """A new bearer token for the user; only its hash is stored, so show it once."""
    token = secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, key_hash=token_hash(token))
    return token
