"""Lobby admin: the list with filters and search, memberships inline, closing lobbies."""

from __future__ import annotations

import pytest

from lobby import services
from lobby.models import Lobby

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, django_user_model):
    admin = django_user_model.objects.create_superuser(username="root", password="x" * 12)
    client.force_login(admin)
    return client


def test_the_list_filters_by_state_and_game(staff_client, arena_lobby, bob):
    c4 = services.lobby_create(host=bob, game="connect_four")
    page = staff_client.get("/admin/lobby/lobby/?state=open&game=connect_four").content.decode()
    assert c4.code in page
    assert arena_lobby.code not in page


def test_the_list_and_the_change_page_show_whether_spectators_may_watch(
    staff_client, arena_lobby, bob
):
    watched = services.lobby_create(host=bob, game="arena", allow_spectators=True)
    page = staff_client.get("/admin/lobby/lobby/?allow_spectators__exact=1").content.decode()
    change = staff_client.get(f"/admin/lobby/lobby/{watched.pk}/change/").content.decode()
    assert watched.code in page
    assert arena_lobby.code not in page
    assert 'name="allow_spectators"' in change


def test_it_searches_by_code_and_by_host(staff_client, arena_lobby, bob):
    other = services.lobby_create(host=bob, game="arena")
    by_code = staff_client.get(f"/admin/lobby/lobby/?q={arena_lobby.code}").content.decode()
    by_host = staff_client.get("/admin/lobby/lobby/?q=bob").content.decode()
    assert arena_lobby.code in by_code
    assert other.code not in by_code
    assert other.code in by_host
    assert arena_lobby.code not in by_host


def test_the_change_page_shows_memberships_inline(staff_client, arena_lobby):
    page = staff_client.get(f"/admin/lobby/lobby/{arena_lobby.pk}/change/").content.decode()
    assert "Memberships" in page or "memberships" in page


def test_the_close_action_closes_lobbies(staff_client, arena_lobby):
    response = staff_client.post(
        "/admin/lobby/lobby/",
        {"action": "close_lobbies", "_selected_action": [arena_lobby.pk]},
        follow=True,
    )
    assert "Closed 1 lobbies." in response.content.decode()
    assert Lobby.objects.get(pk=arena_lobby.pk).state == Lobby.State.CLOSED
