"""The admin's live rooms: what runs (here, or on any process sharing Redis), one room in
detail, and ending a room cleanly or taking one player's seat, which take the
`games.end_room` permission, not only staff status. Matches link to their lobby and
players."""

from __future__ import annotations

import asyncio
from html import escape

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.models import Permission
from django.test import AsyncClient

from games import protocol
from games.engine.lease import RENEW_SECONDS
from games.engine.redis_registry import RedisRegistry
from games.engine.registry import registry
from games.models import Match
from games.services import match_create
from lobby.models import Lobby, LobbyBan
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
        await asyncio.sleep(RENEW_SECONDS * 2)
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


def _room_page(match: Match) -> str:
    return f"/admin/games/match/live/{match.pk}/"


async def test_each_live_room_links_to_its_page(staff, receive, connect, match, alice) -> None:
    socket = await connect(match.pk, alice)
    await receive(socket, "snapshot")
    page = (await staff.get("/admin/games/match/live/")).content.decode()
    assert f'href="{_room_page(match)}"' in page
    assert f'href="/admin/lobby/lobby/{match.lobby.pk}/change/"' in page


async def test_the_room_page_shows_players_acks_tick_lateness_and_state(
    staff, receive, connect, match, alice, bob
) -> None:
    socket = await connect(match.pk, alice)
    await receive(socket, "snapshot")
    await socket.send_to(text_data='{"type":"input","seq":7,"data":{"dir":[1,0]}}')
    while (await receive(socket, "diff"))["acks"][0] != 7:
        pass
    page = (await staff.get(_room_page(match))).content.decode()
    assert "Run by this server process" in page
    assert registry().process in page
    alice_row, bob_row = page.split(f'href="/admin/lobby/user/{alice.pk}/change/"')[1].split(
        f'href="/admin/lobby/user/{bob.pk}/change/"'
    )
    assert ">Alice</a></td>" in alice_row
    assert "<td>connected</td>" in alice_row
    assert "<td>7</td>" in alice_row
    assert "not connected yet" in bob_row
    assert "ticks run here; late by" in page
    assert "<tr><th>Tick</th><td>" in page
    # The state, pretty-printed: the arena's field with both players on it.
    assert escape('"players": {') in page
    assert escape(f'"{bob.pk}": {{') in page
    assert f'href="/admin/games/match/{match.pk}/change/"' in page
    assert f'href="/admin/lobby/lobby/{match.lobby.pk}/change/"' in page


async def test_the_room_page_names_who_watches(
    staff, receive, connect, match, alice, django_user_model
) -> None:
    await Lobby.objects.filter(pk=match.lobby.pk).aupdate(allow_spectators=True)
    dave = await django_user_model.objects.acreate(username="dave", display_name="Dave")
    socket = await connect(match.pk, alice)
    await receive(socket, "snapshot")
    await receive(await connect(match.pk, dave), "snapshot")
    page = (await staff.get(_room_page(match))).content.decode()
    assert "<p>Dave</p>" in page


async def test_the_room_page_sends_staff_back_to_the_list_once_the_room_is_over(
    staff, match
) -> None:
    response = await staff.get(_room_page(match))
    assert (response.status_code, response["location"]) == (302, "/admin/games/match/live/")
    assert (
        await staff.get("/admin/games/match/live/00000000-0000-0000-0000-000000000000/")
    ).status_code == 404


async def test_ending_a_room_from_its_page_tells_the_players(
    moderator, receive, connect, match, alice
) -> None:
    socket = await connect(match.pk, alice)
    await receive(socket, "snapshot")
    page = (await moderator.get(_room_page(match))).content.decode()
    assert "End this room" in page
    response = await moderator.post(_room_page(match), {"action": "end"})
    assert (response.status_code, response["location"]) == (302, "/admin/games/match/live/")
    end = await receive(socket, "end")
    assert end["result"]["reason"] == "ended_by_admin"
    history = (await moderator.get(f"/admin/games/match/{match.pk}/history/")).content.decode()
    assert "carol" in history
    assert "Ended its live room." in history


async def test_removing_a_player_from_the_room_page_takes_their_seat_without_a_ban(
    moderator, closed_with, receive, connect, match, alice, bob
) -> None:
    alice_socket, bob_socket = await connect(match.pk, alice), await connect(match.pk, bob)
    await receive(alice_socket, "snapshot")
    await receive(bob_socket, "snapshot")
    response = await moderator.post(_room_page(match), {"action": "remove", "player": bob.pk})
    assert (response.status_code, response["location"]) == (302, _room_page(match))
    assert (await receive(bob_socket, "error"))["code"] == "kicked"
    assert await closed_with(bob_socket) == protocol.CLOSE_NOT_A_PLAYER
    while str(bob.pk) not in (await receive(alice_socket, "diff"))["diff"].get("departed", {}):
        pass
    page = (await moderator.get(_room_page(match))).content.decode()
    assert "is removed from room" in page
    assert "gone (seat taken)" in page
    assert page.count("Remove this player") == 1
    history = (await moderator.get(f"/admin/games/match/{match.pk}/history/")).content.decode()
    assert "Removed Bob from its live room (no lobby ban)." in history
    # Not banned: Bob may come back to the match, and finds his seat gone.
    assert not await LobbyBan.objects.filter(user=bob).aexists()
    again = await connect(match.pk, bob)
    players = (await receive(again, "snapshot"))["room"]["players"]
    assert (players[str(bob.pk)]["gone"], players[str(bob.pk)]["connected"]) == (True, False)


async def test_removing_someone_without_a_seat_is_refused_with_a_message(
    moderator, receive, connect, match, alice, admin_user
) -> None:
    socket = await connect(match.pk, alice)
    await receive(socket, "snapshot")
    response = await moderator.post(
        _room_page(match), {"action": "remove", "player": admin_user.pk}, follow=True
    )
    assert "That user has no seat in this room." in response.content.decode()
    await socket.receive_nothing(timeout=0.1)


async def test_staff_without_end_room_see_no_actions_on_the_room_page_and_get_403(
    watcher, receive, connect, match, alice, bob
) -> None:
    socket = await connect(match.pk, alice)
    await receive(socket, "snapshot")
    page = (await watcher.get(_room_page(match))).content.decode()
    assert "Alice" in page
    assert "End this room" not in page
    assert "Remove this player" not in page
    for action in ({"action": "end"}, {"action": "remove", "player": alice.pk}):
        assert (await watcher.post(_room_page(match), action)).status_code == 403
    # The room runs on with Alice in her seat.
    assert registry().runners[str(match.pk)].room.seats[str(alice.pk)].connected


async def test_with_redis_the_room_page_shows_the_latest_save_of_another_process(
    settings, redis_url, staff, receive, connect, match, alice, bob
) -> None:
    settings.REDIS_URL = redis_url
    other_process = RedisRegistry()
    try:
        assert (await other_process.open(str(match.pk))).runner is not None
        socket = await connect(match.pk, alice)
        await receive(socket, "snapshot")
        page = (await staff.get(_room_page(match))).content.decode()
        assert "latest save in Redis" in page
        assert f"Run by server process <code>{other_process.process}</code>" in page
        assert registry().process in page
        assert f'href="/admin/lobby/user/{bob.pk}/change/"' in page
        assert "measured by its owning process only" in page
        assert escape(f'"{bob.pk}": {{') in page
    finally:
        await other_process.close()


async def test_with_redis_the_room_page_removes_a_player_and_ends_a_room_another_process_runs(
    settings, redis_url, staff, closed_with, receive, connect, match, alice, bob
) -> None:
    settings.REDIS_URL = redis_url
    other_process = RedisRegistry()
    try:
        assert (await other_process.open(str(match.pk))).runner is not None
        alice_socket, bob_socket = await connect(match.pk, alice), await connect(match.pk, bob)
        await receive(alice_socket, "snapshot")
        await receive(bob_socket, "snapshot")
        await staff.post(_room_page(match), {"action": "remove", "player": bob.pk})
        assert (await receive(bob_socket, "error"))["code"] == "kicked"
        assert await closed_with(bob_socket) == protocol.CLOSE_NOT_A_PLAYER
        while str(bob.pk) not in (await receive(alice_socket, "diff"))["diff"].get("departed", {}):
            pass
        assert other_process.runners[str(match.pk)].room.seats[str(bob.pk)].gone

        await staff.post(_room_page(match), {"action": "end"})
        assert (await receive(alice_socket, "end"))["result"]["reason"] == "ended_by_admin"
    finally:
        await other_process.close()


def test_the_matches_list_links_each_match_to_its_lobby_and_players(
    admin_client, match, alice, bob
) -> None:
    page = admin_client.get("/admin/games/match/").content.decode()
    assert f'<a href="/admin/lobby/lobby/{match.lobby.pk}/change/">' in page
    for player in (alice, bob):
        assert f'<a href="/admin/lobby/user/{player.pk}/change/">{player}</a>' in page


def test_a_running_match_links_to_its_lobby_players_and_live_room(
    admin_client, match, alice, bob
) -> None:
    page = admin_client.get(f"/admin/games/match/{match.pk}/change/").content.decode()
    assert f'<a href="/admin/lobby/lobby/{match.lobby.pk}/change/">' in page
    for player in (alice, bob):
        assert f'<a href="/admin/lobby/user/{player.pk}/change/">{player}</a>' in page
    assert f'<a href="{_room_page(match)}">' in page


def test_the_matches_list_and_a_match_mark_bots(admin_client, alice) -> None:
    against = match_create(game="connect_four", settings={}, players=[alice], bots=["hard"])
    page = admin_client.get("/admin/games/match/").content.decode()
    assert "Bot 2 (hard) [bot]" in page
    page = admin_client.get(f"/admin/games/match/{against.pk}/change/").content.decode()
    assert "hard" in page


async def test_a_live_room_lists_its_bot_without_a_remove_button(
    staff, receive, connect, alice
) -> None:
    against = await sync_to_async(match_create)(
        game="connect_four", settings={}, players=[alice], bots=["hard"]
    )
    socket = await connect(against.pk, alice)
    await receive(socket, "snapshot")
    page = (await staff.get(_room_page(against))).content.decode()
    assert "Bot 2 (hard) [bot]" in page
    assert page.count("Remove this player") == 1
    await socket.disconnect()
