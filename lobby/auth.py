"""Bearer tokens for API and WebSocket clients that do not keep a session cookie."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware
from django.contrib.auth.models import AnonymousUser

from lobby.models import ApiToken, User
from lobby.services import token_hash


def user_for_token(token: str) -> User | None:
    """The active user owning this token: one query on the unique hash index."""
    if not token:
        return None
    found = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=token_hash(token), user__is_active=True)
        .first()
    )
    return found.user if found else None


def bearer_token(authorization: str) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, or None for other schemes."""
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip()


class TokenAuthMiddleware(BaseMiddleware):
    """Sets scope["user"] from a `?token=` query parameter when there is one.

    Sits inside the session `AuthMiddlewareStack`, so a token wins over the cookie; a
    wrong token gives an anonymous user rather than falling back to the session.
    """

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        if "token" in query:
            user = await database_sync_to_async(user_for_token)(query["token"][0])
            scope = {**scope, "user": user or AnonymousUser()}
        return await super().__call__(scope, receive, send)
