"""Forms of the account and lobby pages."""

from __future__ import annotations

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import UserCreationForm

from lobby.models import User


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
