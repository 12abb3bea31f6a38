"""Account services: guests, keeping a guest account, email and passwords, and the budgets
of log-ins and password reset requests."""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from game_server import metrics
from game_server.limits import Rate, rate_allowed
from lobby.models import ApiToken, User

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


USERNAME_TAKEN = "That username is taken."


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
    transaction.on_commit(metrics.GUESTS_CREATED.inc)
    return user


@transaction.atomic
def guest_keep(*, user: User, username: str, password: str) -> User:
    """Turns a guest into a full account, keeping their identity and history.

    Raises `django.core.exceptions.ValidationError` for a weak password, and for a
    username taken in any case (the caller's form checks that first, but another
    account may take it in between).
    """
    validate_password(password, user)
    user.username = User.normalize_username(username)
    user.set_password(password)
    user.is_guest = False
    try:
        with transaction.atomic():
            user.save(update_fields=["username", "password", "is_guest"])
    except IntegrityError:
        user.refresh_from_db(fields=["username", "password", "is_guest"])
        raise ValidationError({"username": USERNAME_TAKEN}) from None
    return user


@transaction.atomic
def user_rename(*, user: User, display_name: str) -> User:
    user.display_name = display_name
    user.save(update_fields=["display_name"])
    return user


@transaction.atomic
def user_set_email(*, user: User, email: str) -> User:
    """Where password reset links for this user go; empty for none."""
    user.email = email
    user.save(update_fields=["email"])
    return user


@transaction.atomic
def api_tokens_revoke(*, user: User) -> None:
    """Revokes every API token of the user.

    A new password (changed, or reset) ends the user's other sessions, since Django
    checks a session against the password's hash; their API clients end with them.
    """
    ApiToken.objects.filter(user=user).delete()


def _budget_name(name: str) -> str:
    """What a username or an email counts under: the name as Django's forms compare it
    (stripped, NFKC) case-folded, so that " alice", "ALICE" and a full-width "alice" are
    one, and hashed, so that the cache holds no address."""
    folded = unicodedata.normalize("NFKC", name.strip()).casefold()
    return hashlib.sha256(folded.encode()).hexdigest()


def _generation_key(username: str) -> str:
    return "login-generation:" + _budget_name(username)


def _username_budget(username: str) -> str:
    # A successful log-in gives the username a fresh budget: a new name for its count.
    generation_key = _generation_key(username)
    return f"login:user:{generation_key}:{cache.get(generation_key, '')}"


def login_attempt(*, username: str, address: str) -> Rate:
    """Counts one log-in attempt against the username's and the client address's
    budgets; not allowed once either is spent.

    Attempts count before the password is checked, so that guesses sent in parallel
    cannot all pass a check made before any of them failed.
    """
    window = settings.LOGIN_FAILURE_WINDOW_SECONDS
    by_name = rate_allowed(
        _username_budget(username), limit=settings.LOGIN_FAILURES_ALLOWED, window=window
    )
    by_address = rate_allowed(
        f"login:address:{address}", limit=settings.LOGIN_FAILURES_PER_ADDRESS, window=window
    )
    return _tightest(by_name, by_address)


def login_succeeded(*, username: str) -> None:
    window = settings.LOGIN_FAILURE_WINDOW_SECONDS
    cache.set(_generation_key(username), secrets.token_hex(4), timeout=2 * window)


def password_reset_attempt(*, email: str, address: str) -> Rate:
    """Counts one password reset request against the email's and the client address's
    budgets; not allowed once either is spent.

    Every request counts, whether an account has this email or not, so that the answer
    tells nobody which addresses have accounts.
    """
    window = settings.PASSWORD_RESET_WINDOW_SECONDS
    by_email = rate_allowed(
        f"password-reset:email:{_budget_name(email)}",
        limit=settings.PASSWORD_RESETS_PER_EMAIL,
        window=window,
    )
    by_address = rate_allowed(
        f"password-reset:address:{address}",
        limit=settings.PASSWORD_RESETS_PER_ADDRESS,
        window=window,
    )
    return _tightest(by_email, by_address)


def _tightest(*rates: Rate) -> Rate:
    """Allowed when every budget allows; else the refusal that lasts longest."""
    refused = [rate for rate in rates if not rate.allowed]
    return max(refused, key=lambda rate: rate.retry_after) if refused else rates[0]


def guest_creation_allowed(*, address: str) -> Rate:
    """Counts one guest created from this client address against its hourly budget."""
    return rate_allowed(
        f"guests:{address}", limit=settings.GUESTS_PER_ADDRESS_PER_HOUR, window=3600
    )


@transaction.atomic
def guest_purge(*, idle_days: int) -> int:
    """Deletes guests that never kept their account, have no match, sit in no lobby and
    were not seen (logged in, or used a token) for `idle_days`; returns how many."""
    cutoff = timezone.now() - timedelta(days=idle_days)
    idle = (
        User.objects.filter(
            is_guest=True,
            date_joined__lt=cutoff,
            memberships__isnull=True,
            match_players__isnull=True,
        )
        .exclude(last_login__gte=cutoff)
        .exclude(api_tokens__last_used_at__gte=cutoff)
    )
    _, deleted = User.objects.filter(pk__in=idle.values("pk")).delete()
    return deleted.get(User._meta.label, 0)
