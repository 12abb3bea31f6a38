"""Who a request or socket belongs to: bearer tokens for API and WebSocket clients that
keep no session cookie, and the session cookie for play sockets."""

from __future__ import annotations

from importlib import import_module
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware
from django.conf import settings
from django.contrib.auth import get_user
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.http.cookie import parse_cookie

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
        token = _query_token(scope)
        if token is not None:
            user = await database_sync_to_async(user_for_token)(token)
            scope = {**scope, "user": user or AnonymousUser()}
        return await super().__call__(scope, receive, send)


def _query_token(scope: dict[str, Any]) -> str | None:
    """The `?token=` of a socket's URL, or None when there is none."""
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    return query["token"][0] if "token" in query else None


def user_for_socket(scope: dict[str, Any]) -> User | AnonymousUser:
    """Who opens a socket: the `?token=` user if there is a token, else the session's."""
    token = _query_token(scope)
    if token is not None:
        return user_for_token(token) or AnonymousUser()
    cookies = parse_cookie(dict(scope.get("headers", ())).get(b"cookie", b"").decode("latin-1"))
    session_key = cookies.get(settings.SESSION_COOKIE_NAME)
    if not session_key:
        return AnonymousUser()
    request = HttpRequest()
    request.session = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    # Django's own check: the session's user, backend and password hash still match.
    return get_user(request)


class SocketUserMiddleware(BaseMiddleware):
    """Sets scope["user"] once, at connect, from the token or the session cookie.

    For sockets that never change the session: unlike Channels' `AuthMiddlewareStack`,
    it leaves the socket's `send` unwrapped, so frames skip a session check each.
    """

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        user = await database_sync_to_async(user_for_socket)(scope)
        return await super().__call__({**scope, "user": user}, receive, send)
