"""Who a request or socket belongs to: bearer tokens for API clients that keep no session
cookie, one-use socket tickets for their WebSockets, and the session cookie."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from importlib import import_module
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware
from django.conf import settings
from django.contrib.auth import get_user
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.http import HttpRequest
from django.http.cookie import parse_cookie
from django.utils import timezone

from lobby.models import ApiToken, User
from lobby.services import token_hash

SOCKET_TICKET_SECONDS = 60
# Renewing a token is a write: once a day is enough for a lifetime counted in days.
TOKEN_RENEWED_AFTER = timedelta(days=1)


def _token_lifetime() -> timedelta:
    return timedelta(days=settings.TOKEN_TTL_DAYS)


def token_expires_at(token: ApiToken) -> datetime:
    return token.last_used_at + _token_lifetime()


def user_for_token(token: str) -> User | None:
    """The active user owning this unexpired token: one query on the unique hash index,
    and a second at most once a day per token, to renew it."""
    if not token:
        return None
    now = timezone.now()
    found = (
        ApiToken.objects.select_related("user")
        .filter(
            key_hash=token_hash(token),
            user__is_active=True,
            last_used_at__gt=now - _token_lifetime(),
        )
        .first()
    )
    if found is None:
        return None
    if now - found.last_used_at >= TOKEN_RENEWED_AFTER:
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
    return found.user


def token_revoke(token: str) -> None:
    ApiToken.objects.filter(key_hash=token_hash(token)).delete()


def bearer_token(authorization: str) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, or None for other schemes."""
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip()


def _ticket_key(ticket: str) -> str:
    return f"socket-ticket:{token_hash(ticket)}"


def socket_ticket_create(*, user: User) -> str:
    """A ticket that opens one socket as this user within SOCKET_TICKET_SECONDS."""
    ticket = secrets.token_urlsafe(32)
    cache.set(_ticket_key(ticket), user.pk, timeout=SOCKET_TICKET_SECONDS)
    return ticket


def user_for_ticket(ticket: str) -> User | None:
    """The active user a ticket was made for, once: the first socket to show it takes it."""
    key = _ticket_key(ticket)
    user_id = cache.get(key)
    # Only one delete of a key reports that it removed it, however many sockets (in
    # however many processes sharing the Redis cache) show the same ticket at once.
    if user_id is None or not cache.delete(key):
        return None
    return User.objects.filter(pk=user_id, is_active=True).first()


class TicketAuthMiddleware(BaseMiddleware):
    """Sets scope["user"] from a `?ticket=` query parameter when there is one.

    Sits inside the session `AuthMiddlewareStack`, so a ticket wins over the cookie; a
    wrong, used or expired ticket gives an anonymous user rather than falling back to
    the session.
    """

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if _has_credential(scope):
            user = await database_sync_to_async(_user_for_credential)(scope)
            scope = {**scope, "user": user}
        return await super().__call__(scope, receive, send)


def _query(scope: dict[str, Any]) -> dict[str, list[str]]:
    return parse_qs(scope.get("query_string", b"").decode("latin-1"))


def _has_credential(scope: dict[str, Any]) -> bool:
    query = _query(scope)
    return "ticket" in query or "token" in query


def _user_for_credential(scope: dict[str, Any]) -> User | AnonymousUser:
    """The user of a socket URL's `?ticket=`. A `?token=` is refused (anonymous): a
    long-lived token stays out of URLs, which servers and proxies write to their logs."""
    tickets = _query(scope).get("ticket")
    user = user_for_ticket(tickets[0]) if tickets else None
    return user or AnonymousUser()


def user_for_socket(scope: dict[str, Any]) -> User | AnonymousUser:
    """Who opens a socket: the `?ticket=` user if there is a ticket, else the session's."""
    if _has_credential(scope):
        return _user_for_credential(scope)
    cookies = parse_cookie(dict(scope.get("headers", ())).get(b"cookie", b"").decode("latin-1"))
    session_key = cookies.get(settings.SESSION_COOKIE_NAME)
    if not session_key:
        return AnonymousUser()
    request = HttpRequest()
    request.session = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    # Django's own check: the session's user, backend and password hash still match.
    return get_user(request)


class SocketUserMiddleware(BaseMiddleware):
    """Sets scope["user"] once, at connect, from the ticket or the session cookie.

    For sockets that never change the session: unlike Channels' `AuthMiddlewareStack`,
    it leaves the socket's `send` unwrapped, so frames skip a session check each.
    """

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        user = await database_sync_to_async(user_for_socket)(scope)
        return await super().__call__({**scope, "user": user}, receive, send)
