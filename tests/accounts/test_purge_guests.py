"""`manage.py purge_guests`: idle guests that never played go; everyone else stays."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from games.services import match_create
from lobby import accounts, services
from lobby.models import ApiToken, User

pytestmark = pytest.mark.django_db

LONG_AGO = timezone.now() - timedelta(days=31)


def _old_guest() -> User:
    guest = accounts.guest_create()
    User.objects.filter(pk=guest.pk).update(date_joined=LONG_AGO, last_login=LONG_AGO)
    return guest


def _purge(*args: str) -> str:
    out = StringIO()
    call_command("purge_guests", *args, stdout=out)
    return out.getvalue()


def test_it_deletes_a_guest_idle_for_longer_than_the_setting_and_says_how_many() -> None:
    guest = _old_guest()
    assert _purge() == "Deleted 1 guest.\n"
    assert not User.objects.filter(pk=guest.pk).exists()


def test_it_keeps_a_guest_who_played_a_match(alice: User) -> None:
    guest = _old_guest()
    match_create(game="connect_four", settings={}, players=[alice, guest])
    assert _purge() == "Deleted 0 guests.\n"
    assert User.objects.filter(pk=guest.pk).exists()


def test_it_never_deletes_a_guest_sitting_in_a_lobby() -> None:
    guest = _old_guest()
    services.lobby_create(host=guest, game="arena")
    assert _purge() == "Deleted 0 guests.\n"


def test_it_keeps_a_guest_who_kept_their_account() -> None:
    guest = _old_guest()
    accounts.guest_keep(user=guest, username="dana", password="a sturdy passphrase")
    assert _purge() == "Deleted 0 guests.\n"


def test_it_keeps_a_guest_seen_recently() -> None:
    logged_in, used_token, new = _old_guest(), _old_guest(), accounts.guest_create()
    User.objects.filter(pk=logged_in.pk).update(last_login=timezone.now())
    services.api_token_create(user=used_token)
    assert ApiToken.objects.get().last_used_at > LONG_AGO
    assert _purge() == "Deleted 0 guests.\n"
    assert User.objects.filter(pk=new.pk).exists()


def test_it_deletes_a_guest_whose_token_went_unused() -> None:
    guest = _old_guest()
    services.api_token_create(user=guest)
    ApiToken.objects.update(last_used_at=LONG_AGO)
    assert _purge() == "Deleted 1 guest.\n"
    assert not ApiToken.objects.exists()


def test_idle_days_can_be_given() -> None:
    _old_guest()
    assert _purge("--idle-days", "60") == "Deleted 0 guests.\n"
    assert _purge("--idle-days", "7") == "Deleted 1 guest.\n"
