"""Forms of the account and lobby pages."""

from __future__ import annotations

import math
import unicodedata
from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm, UsernameField
from django.core.exceptions import NON_FIELD_ERRORS

from game_server import metrics
from game_server.limits import client_address
from games.rules.base import GameDef, Setting
from lobby import accounts
from lobby.models import Lobby, User

THROTTLED_MESSAGE = "Too many log-in attempts. Wait {wait}, then try again."
# Joins emoji into one picture (a family, a flag); every other format character is
# invisible and only good for look-alike names.
_EMOJI_JOINER = "\u200d"


def refuse_control_characters(value: str) -> None:
    """Names may not hold control characters (a NUL, a bell, a line break) nor invisible
    formatting ones (bidirectional overrides, zero-width spaces)."""
    for character in value:
        category = unicodedata.category(character)
        if category in ("Cc", "Cs") or (category == "Cf" and character != _EMOJI_JOINER):
            raise forms.ValidationError(
                "Names cannot contain control or invisible characters.",
                code="control_characters",
            )


class LogInForm(AuthenticationForm):
    """Django's log-in form, throttled: every attempt counts against the username as the
    form authenticates it and the client's address before the password is checked.

    The page, the admin and `POST /api/login/` all log in through it.
    """

    # Seconds until a throttled attempt may be tried again.
    retry_after = 0

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        if username is not None and self.cleaned_data.get("password"):
            meta = self.request.META if self.request else {}
            rate = accounts.login_attempt(username=username, address=client_address(meta))
            if not rate.allowed:
                metrics.LOGINS_THROTTLED.inc()
                self.retry_after = rate.retry_after
                minutes = math.ceil(rate.retry_after / 60)
                wait = "1 minute" if minutes == 1 else f"{minutes} minutes"
                raise forms.ValidationError(THROTTLED_MESSAGE.format(wait=wait), code="throttled")
        cleaned = super().clean()
        if self.get_user() is not None:
            accounts.login_succeeded(username=username)
        return cleaned

    @property
    def throttled(self) -> bool:
        return self.has_error(NON_FIELD_ERRORS, code="throttled")


class AdminLogInForm(LogInForm, AdminAuthenticationForm):
    """The admin's log-in form (staff only), under the same throttle."""


class SignUpForm(UserCreationForm):
    class Meta:
        model = User
        fields = ("username",)
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
