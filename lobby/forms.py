"""Forms of the account and lobby pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import UserCreationForm

from games.rules.base import GameDef, Setting
from lobby.models import Lobby, User


class SignUpForm(UserCreationForm):
    class Meta:
        model = User
        fields = ("username",)

    def save(self, commit: bool = True) -> User:
        user = super().save(commit=False)
        user.display_name = user.username[:32]
        if commit:
            user.save()
        return user


class DisplayNameForm(forms.Form):
    display_name = forms.CharField(max_length=32, strip=True)


class KeepAccountForm(forms.Form):
    """A guest chooses a username and password to keep their account."""

    username = forms.CharField(max_length=150, help_text="Letters, digits and @/./+/-/_ only.")
    password = forms.CharField(widget=forms.PasswordInput, strip=False)

    def __init__(self, *args: object, user: User, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        User.username_validator(username)
        if User.objects.filter(username__iexact=username).exclude(pk=self.user.pk).exists():
            raise forms.ValidationError("That username is taken.")
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
