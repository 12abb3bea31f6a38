"""Forms of the account and lobby pages."""

from __future__ import annotations

import math
import unicodedata
from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import password_validation
from django.contrib.auth.forms import (
    AuthenticationForm,
    PasswordChangeForm,
    PasswordResetForm,
    UserCreationForm,
    UsernameField,
)

from game_server import metrics
from game_server.limits import Rate, client_address
from games.rules.base import GameDef, Setting
from lobby import accounts
from lobby.models import Lobby, User

THROTTLED_MESSAGE = "Too many log-in attempts. Wait {wait}, then try again."
PASSWORD_THROTTLED_MESSAGE = "Too many password attempts. Wait {wait}, then try again."
WRONG_PASSWORD_MESSAGE = "That is not your password. Please enter it again."
RESETS_THROTTLED_MESSAGE = "Too many password reset requests. Wait {wait}, then try again."
# Joins emoji into one picture (a family, a flag); every other format character is
# invisible and only good for look-alike names.
_EMOJI_JOINER = "\u200d"


def _has_control_characters(value: str) -> bool:
    """Control characters (a NUL, a bell, a line break) or invisible formatting ones
    (bidirectional overrides, zero-width spaces)."""
    for character in value:
        category = unicodedata.category(character)
        if category in ("Cc", "Cs") or (category == "Cf" and character != _EMOJI_JOINER):
            return True
    return False


def refuse_control_characters(value: str) -> None:
    if _has_control_characters(value):
        raise forms.ValidationError(
            "Names cannot contain control or invisible characters.", code="control_characters"
        )


def refuse_control_characters_in_email(value: str) -> None:
    # Django's email check lets invisible characters through in the domain.
    if _has_control_characters(value):
        raise forms.ValidationError(
            "An email address cannot contain control or invisible characters.",
            code="control_characters",
        )


def _wait_text(seconds: int) -> str:
    minutes = math.ceil(seconds / 60)
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


class ThrottledForm(forms.Form):
    """A form whose attempts count against rate budgets. A refused attempt is the error
    `throttled`; the page answers it with 429 and `Retry-After: retry_after`."""

    # Seconds until a throttled attempt may be tried again.
    retry_after = 0

    def refusal(self, message: str, rate: Rate) -> forms.ValidationError:
        """The error for an attempt over its budget; `message` has a {wait} to fill in."""
        self.retry_after = rate.retry_after
        return forms.ValidationError(
            message.format(wait=_wait_text(rate.retry_after)), code="throttled"
        )

    @property
    def throttled(self) -> bool:
        refusals = self.errors.as_data().values()
        return any(error.code == "throttled" for errors in refusals for error in errors)


class LogInForm(ThrottledForm, AuthenticationForm):
    """Django's log-in form, throttled: every attempt counts against the username as the
    form authenticates it and the client's address before the password is checked.

    The page, the admin and `POST /api/login/` all log in through it.
    """

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        if username is not None and self.cleaned_data.get("password"):
            meta = self.request.META if self.request else {}
            rate = accounts.login_attempt(username=username, address=client_address(meta))
            if not rate.allowed:
                metrics.LOGINS_THROTTLED.inc()
                raise self.refusal(THROTTLED_MESSAGE, rate)
        cleaned = super().clean()
        if self.get_user() is not None:
            accounts.login_succeeded(username=username)
        return cleaned


class AdminLogInForm(LogInForm, AdminAuthenticationForm):
    """The admin's log-in form (staff only), under the same throttle."""


class AccountEmailField(forms.EmailField):
    """An optional email, where password reset links go: at most 254 characters, no
    control or invisible characters, its domain in lower case. Several accounts may share
    one (a player's second account): saying that an email is taken would tell strangers
    which addresses have accounts."""

    default_validators = [*forms.EmailField.default_validators, refuse_control_characters_in_email]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            max_length=254,
            required=False,
            label="Email (optional)",
            help_text="Only to reset your password if you forget it.",
            **kwargs,
        )

    def to_python(self, value: Any) -> str:
        return User.objects.normalize_email(super().to_python(value))


class SignUpForm(UserCreationForm):
    email = AccountEmailField()

    class Meta:
        model = User
        fields = ("username", "email")
        # Stripped and NFKC-normalised before the check for a taken name in any case.
        field_classes = {"username": UsernameField}

    def save(self, commit: bool = True) -> User:
        user = super().save(commit=False)
        user.display_name = user.username[:32]
        if commit:
            user.save()
        return user


class DisplayNameForm(forms.Form):
    display_name = forms.CharField(
        max_length=32, strip=True, validators=[refuse_control_characters]
    )


class CurrentPasswordForm(ThrottledForm):
    """A form in which a signed-in user proves who they are with their current password.

    Every check counts against the log-in budgets of their username and the client's
    address, so that a stolen session cannot guess the password here faster than on the
    log-in page; a right password gives the username a fresh budget, as a log-in does.
    """

    user: User

    def __init__(self, *args: Any, address: str, **kwargs: Any) -> None:
        self.address = address
        super().__init__(*args, **kwargs)

    def checked_password(self, password: str) -> str:
        rate = accounts.login_attempt(username=self.user.username, address=self.address)
        if not rate.allowed:
            metrics.LOGINS_THROTTLED.inc()
            raise self.refusal(PASSWORD_THROTTLED_MESSAGE, rate)
        if not self.user.check_password(password):
            raise forms.ValidationError(WRONG_PASSWORD_MESSAGE, code="password_incorrect")
        accounts.login_succeeded(username=self.user.username)
        return password


class ChangePasswordForm(CurrentPasswordForm, PasswordChangeForm):
    """Django's password change form, its old password checked under the log-in budgets."""

    def clean_old_password(self) -> str:
        return self.checked_password(self.cleaned_data["old_password"])


class EmailForm(CurrentPasswordForm):
    """A registered player sets or clears their email. It decides where password reset
    links go, so it takes the current password: a stolen session alone cannot point
    resets at another mailbox."""

    email = AccountEmailField()
    current_password = forms.CharField(
        label="Current password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_current_password(self) -> str:
        return self.checked_password(self.cleaned_data["current_password"])


class ResetRequestForm(ThrottledForm, PasswordResetForm):
    """Django's password reset request, rate limited per email and per client address so
    that nobody can flood a mailbox through it."""

    def __init__(self, *args: Any, address: str, **kwargs: Any) -> None:
        self.address = address
        super().__init__(*args, **kwargs)

    def clean_email(self) -> str:
        email = self.cleaned_data["email"]
        rate = accounts.password_reset_attempt(email=email, address=self.address)
        if not rate.allowed:
            raise self.refusal(RESETS_THROTTLED_MESSAGE, rate)
        return email


class KeepAccountForm(forms.Form):
    """A guest chooses a username and password to keep their account."""

    username = UsernameField(max_length=150, help_text="Letters, digits and @/./+/-/_ only.")
    password = forms.CharField(widget=forms.PasswordInput, strip=False)

    def __init__(self, *args: object, user: User, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        User.username_validator(username)
        if User.objects.named(username).exclude(pk=self.user.pk).exists():
            raise forms.ValidationError(accounts.USERNAME_TAKEN)
        return username

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        password = cleaned.get("password")
        if password:
            try:
                password_validation.validate_password(password, self.user)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return cleaned


def _setting_field(setting: Setting) -> forms.Field:
    if isinstance(setting.default, bool):
        return forms.BooleanField(label=setting.label, required=False, initial=setting.default)
    if isinstance(setting.default, int):
        return forms.IntegerField(
            label=setting.label,
            min_value=setting.minimum,
            max_value=setting.maximum,
            initial=setting.default,
        )
    return forms.ChoiceField(
        label=setting.label,
        choices=[(choice, choice) for choice in setting.choices],
        initial=setting.default,
    )


class LobbyForm(forms.Form):
    """A lobby's name, size, visibility and spectators, and its game's settings from the
    game's schema."""

    name = forms.CharField(max_length=60, required=False, help_text="Optional.")
    public = forms.BooleanField(
        required=False, initial=True, label="Public: listed for everyone to join"
    )
    allow_spectators = forms.BooleanField(
        required=False,
        initial=False,
        label="Spectators: whoever can see this lobby may watch its games",
    )
    spectators_may_chat = forms.BooleanField(
        required=False,
        initial=False,
        label="Spectators may chat during the games",
    )

    def __init__(self, *args: Any, game: GameDef, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.game = game
        self.fields["max_players"] = forms.IntegerField(
            label="Players at most",
            min_value=game.min_players,
            max_value=game.max_players,
            initial=game.max_players,
        )
        for setting in game.settings:
            self.fields[f"setting_{setting.name}"] = _setting_field(setting)

    @classmethod
    def for_lobby(cls, lobby: Lobby, game: GameDef) -> LobbyForm:
        initial = {
            "name": lobby.name,
            "public": lobby.is_public,
            "allow_spectators": lobby.allow_spectators,
            "spectators_may_chat": lobby.spectators_may_chat,
            "max_players": lobby.max_players,
        }
        initial.update({f"setting_{name}": value for name, value in lobby.settings.items()})
        return cls(game=game, initial=initial)

    def game_settings(self) -> dict[str, Any]:
        return {s.name: self.cleaned_data[f"setting_{s.name}"] for s in self.game.settings}

    def setting_fields(self) -> list[forms.BoundField]:
        return [self[f"setting_{setting.name}"] for setting in self.game.settings]

    def add_service_error(self, field: str, message: str) -> None:
        """A refusal from the services, shown next to the setting it is about."""
        name = f"setting_{field}" if f"setting_{field}" in self.fields else None
        self.add_error(name, message)


class JoinCodeForm(forms.Form):
    code = forms.CharField(max_length=12, label="Lobby code", strip=True)
