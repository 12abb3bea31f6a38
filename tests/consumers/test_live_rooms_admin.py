"""The admin's live rooms: what runs (here, or on any process sharing Redis), and ending a
room cleanly, which takes the `games.end_room` permission, not only staff status."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.models import Permission
from django.test import AsyncClient

from games.engine.registry import registry
from games.engine.shared import KEEP_SECONDS, RedisRegistry
from games.models import Match
from games.services import match_create
from lobby.services import lobby_create

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def match(alice, bob) -> Match:
    lobby = lobby_create(host=alice, game="arena", name="Friday arena")
    return match_create(game="arena", settings={}, players=[alice, bob], lobby=lobby)


@pytest.fixture
async def staff(admin_user) -> AsyncClient:
    client = AsyncClient()
    await sync_to_async(client.force_login)(admin_user)
    return client


def _staff_client(django_user_model: type, *permissions: str) -> AsyncClient:
    user = django_user_model.objects.create_user(
        username="carol", password="correct horse battery", is_staff=True
    )
    user.user_permissions.set(Permission.objects.filter(codename__in=permissions))
    client = AsyncClient()
    client.force_login(user)
    return client


@pytest.fixture
async def watcher(django_user_model) -> AsyncClient:
    """Staff who may view matches but not end rooms."""
    return await sync_to_async(_staff_client)(django_user_model, "view_match")


@pytest.fixture
async def moderator(django_user_model) -> AsyncClient:
    return await sync_to_async(_staff_client)(django_user_model, "view_match", "end_room")


async def test_it_lists_the_rooms_this_process_runs(staff, receive, connect, match, alice) -> None:
    socket = await connect(match.pk, alice)
    await receive(socket, "snapshot")
    page = (await staff.get("/admin/games/match/live/")).content.decode()
    assert str(match.pk) in page
    assert "Arena" in page
    assert match.lobby.code in page
    assert "1 of 2" in page


async def test_ending_a_room_tells_the_players_and_records_it(
    staff, receive, connect, match, alice
) -> None:
    socket = await connect(match.pk, alice)
    await receive(socket, "snapshot")
    response = await staff.post("/admin/games/match/live/", {"room": str(match.pk)})
    assert response.status_code == 302
    end = await receive(socket, "end")
    assert end["result"] == {"placements": {}, "scores": {}, "reason": "ended_by_admin"}
    while str(match.pk) in registry().runners:
        await socket.receive_nothing(timeout=0.05)
    await sync_to_async(match.refresh_from_db)()
    assert (match.state, match.reason) == (Match.State.ABORTED, "ended_by_admin")


async def test_it_is_for_staff_only(client) -> None:
    response = await sync_to_async(client.get)("/admin/games/match/live/")
    assert response.status_code == 302


async def test_staff_who_may_not_view_matches_get_403(django_user_model) -> None:
    staff = await sync_to_async(_staff_client)(django_user_model)
    response = await staff.get("/admin/games/match/live/")
    assert response.status_code == 403


async def test_staff_without_end_room_see_the_rooms_but_no_button(
    watcher, receive, connect, match, alice
) -> None:
    socket = await connect(match.pk, alice)
    await receive(socket, "snapshot")
    page = (await watcher.get("/admin/games/match/live/")).content.decode()
    assert str(match.pk) in page
    assert "End this room" not in page


async def test_staff_without_end_room_cannot_end_a_room(
    watcher, receive, connect, match, alice
) -> None:
    socket = await connect(match.pk, alice)
    await receive(socket, "snapshot")
    response = await watcher.post("/admin/games/match/live/", {"room": str(match.pk)})
    assert response.status_code == 403
    # The room runs on, and the match is not recorded as over.
    await sync_to_async(match.refresh_from_db)()
    assert match.state == Match.State.RUNNING
    assert str(match.pk) in registry().runners


async def test_staff_with_end_room_see_the_button_and_end_a_room(
    moderator, receive, connect, match, alice
) -> None:
    socket = await connect(match.pk, alice)
    await receive(socket, "snapshot")
    page = (await moderator.get("/admin/games/match/live/")).content.decode()
    assert "End this room" in page
    response = await moderator.post("/admin/games/match/live/", {"room": str(match.pk)})
    assert response.status_code == 302
    end = await receive(socket, "end")
    assert end["result"]["reason"] == "ended_by_admin"


async def test_with_redis_it_lists_and_ends_rooms_other_processes_run(
    settings, redis_url, staff, receive, connect, match, alice
) -> None:
    settings.REDIS_URL = redis_url
    other_process = RedisRegistry()
    try:
        owned = await other_process.open(str(match.pk))
        assert owned is not None
        assert owned.runner is not None
        # Alice's socket is on this process, which does not run the room.
        socket = await connect(match.pk, alice)
        await receive(socket, "snapshot")
        await asyncio.sleep(KEEP_SECONDS * 2)
        page = (await staff.get("/admin/games/match/live/")).content.decode()
        assert str(match.pk) in page
        assert other_process.process in page
        assert "1 of 2" in page

        response = await staff.post("/admin/games/match/live/", {"room": str(match.pk)})
        assert response.status_code == 302
        end = await receive(socket, "end")
        assert end["result"]["reason"] == "ended_by_admin"
    finally:
        await other_process.close()


def test_the_matches_list_links_to_the_live_rooms(admin_client) -> None:
    page = admin_client.get("/admin/games/match/").content.decode()
    assert 'href="/admin/games/match/live/"' in page
