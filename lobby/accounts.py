"""Account services: guests, keeping a guest account, and log-in throttling."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.db import transaction

from lobby.models import User

_ADJECTIVES = [
    "Brave",
    "Calm",
    "Clever",
    "Daring",
    "Eager",
    "Fierce",
    "Gentle",
    "Happy",
    "Jolly",
    "Keen",
    "Lucky",
    "Mighty",
    "Nimble",
    "Quick",
    "Quiet",
    "Rapid",
    "Sly",
    "Swift",
    "Witty",
    "Zesty",
]
_ANIMALS = [
    "Badger",
    "Bear",
    "Crane",
    "Falcon",
    "Ferret",
    "Fox",
    "Gecko",
    "Heron",
    "Lynx",
    "Marten",
    "Otter",
    "Owl",
    "Panda",
    "Puffin",
    "Raven",
    "Seal",
    "Stoat",
    "Tiger",
    "Walrus",
    "Wolf",
]


def _guest_display_name() -> str:
    adjective = secrets.choice(_ADJECTIVES)
    animal = secrets.choice(_ANIMALS)
    return f"{adjective} {animal} {secrets.randbelow(90) + 10}"


@transaction.atomic
def guest_create() -> User:
    """A real user marked as guest, with a generated name and no usable password."""
    user = User(
        username=f"guest-{secrets.token_hex(6)}",
        display_name=_guest_display_name(),
        is_guest=True,
    )
    user.set_unusable_password()
    user.save()
    return user


@transaction.atomic
def guest_keep(*, user: User, username: str, password: str) -> User:
    """Turns a guest into a full account, keeping their identity and history.

    Raises `django.core.exceptions.ValidationError` for a weak password; the caller's
    form checks that the username is free.
    """
    validate_password(password, user)
    user.username = username
    user.set_password(password)
    user.is_guest = False
    user.save(update_fields=["username", "password", "is_guest"])
    return user


@transaction.atomic
def user_rename(*, user: User, display_name: str) -> User:
    user.display_name = display_name
    user.save(update_fields=["display_name"])
    return user


def _failure_keys(username: str, address: str) -> tuple[str, str]:
    return f"login-failures:user:{username.casefold()}", f"login-failures:address:{address}"


def login_throttled(*, username: str, address: str) -> bool:
    """True while this username or this client address has failed too often."""
    user_key, address_key = _failure_keys(username, address)
    counts = cache.get_many([user_key, address_key])
    return (
        counts.get(user_key, 0) >= settings.LOGIN_FAILURES_ALLOWED
        or counts.get(address_key, 0) >= settings.LOGIN_FAILURES_PER_ADDRESS
    )


def login_failed(*, username: str, address: str) -> None:
    for key in _failure_keys(username, address):
        # The window starts at the first failure and is not extended by later ones.
        cache.add(key, 0, timeout=settings.LOGIN_FAILURE_WINDOW_SECONDS)
        try:
            cache.incr(key)
        except ValueError:
            # The key expired between add and incr: this failure starts a new window.
            cache.set(key, 1, timeout=settings.LOGIN_FAILURE_WINDOW_SECONDS)


def login_succeeded(*, username: str) -> None:
    cache.delete(_failure_keys(username, "")[0])
