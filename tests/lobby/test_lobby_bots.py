"""The host's bots in a lobby: added with a level and removed by the host alone, on the
page, the socket and the API; they take seats, are always ready, and play the match."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from games.models import Match, MatchPlayer
from lobby import services
from lobby.models import Lobby, LobbyBot
from lobby.services import LobbyError

pytestmark = pytest.mark.django_db


@pytest.fixture
def duel(alice) -> Lobby:
    """An open connect four lobby (two players) hosted by Alice."""
    return services.lobby_create(host=alice, game="connect_four", name="Duel")


def test_the_host_adds_a_bot_of_a_level_which_the_snapshot_marks(duel, alice) -> None:
    bot = services.lobby_add_bot(lobby=duel, user=alice, level="hard")
    snapshot = services.lobby_snapshot(duel)
    assert snapshot["bots"] == [
        {"id": bot.pk, "name": "Bot 2 (hard)", "level": "hard", "bot": True}
    ]
    assert snapshot["members"][0]["bot"] is False
    assert snapshot["bot_levels"] == ["normal", "easy", "hard"]


def test_a_bot_s_level_defaults_to_the_game_s_first(duel, alice) -> None:
    assert services.lobby_add_bot(lobby=duel, user=alice).level == "normal"


def test_a_level_the_game_lacks_is_refused_and_names_the_levels(duel, alice) -> None:
    with pytest.raises(LobbyError, match="BAD_BOT_LEVEL") as refused:
        services.lobby_add_bot(lobby=duel, user=alice, level="genius")
    assert refused.value.message == "A bot's level is one of: normal, easy, hard."
    assert refused.value.field == "level"


def test_only_the_host_adds_or_removes_bots(duel, alice, bob) -> None:
    bot = services.lobby_add_bot(lobby=duel, user=alice)
    arena = services.lobby_create(host=bob, game="arena")
    with pytest.raises(LobbyError, match="NOT_MEMBER"):
        services.lobby_remove_bot(lobby=duel, user=bob, bot_id=bot.pk)
    with pytest.raises(LobbyError, match="NO_SUCH_BOT"):
        services.lobby_remove_bot(lobby=arena, user=bob, bot_id=bot.pk)
    assert LobbyBot.objects.filter(pk=bot.pk).exists()


def test_a_member_who_is_not_host_is_refused(arena_lobby, alice, bob) -> None:
    services.lobby_join(code=arena_lobby.code, user=bob)
    with pytest.raises(LobbyError, match="NOT_HOST"):
        services.lobby_add_bot(lobby=arena_lobby, user=bob)


def test_bots_count_toward_the_lobby_s_seats(duel, alice, bob) -> None:
    services.lobby_add_bot(lobby=duel, user=alice)
    with pytest.raises(LobbyError, match="LOBBY_FULL"):
        services.lobby_join(code=duel.code, user=bob)
    with pytest.raises(LobbyError, match="LOBBY_FULL"):
        services.lobby_add_bot(lobby=duel, user=alice)
    assert services.lobby_summary(duel)["players"] == 2


def test_fewer_seats_than_members_and_bots_is_refused(arena_lobby, alice) -> None:
    for _ in range(3):
        services.lobby_add_bot(lobby=arena_lobby, user=alice)
    with pytest.raises(LobbyError, match="BAD_MAX_PLAYERS"):
        services.lobby_update_settings(lobby=arena_lobby, user=alice, max_players=3)


def test_the_host_starts_against_bots_who_are_always_ready(arena_lobby, alice) -> None:
    services.lobby_add_bot(lobby=arena_lobby, user=alice)
    services.lobby_add_bot(lobby=arena_lobby, user=alice)
    match = services.lobby_start(lobby=arena_lobby, user=alice)
    seats = MatchPlayer.objects.filter(match=match).order_by("seat")
    assert [(seat.user, seat.bot_level) for seat in seats] == [
        (alice, ""),
        (None, "normal"),
        (None, "normal"),
    ]


def test_bots_leave_with_the_last_member(duel, alice) -> None:
    services.lobby_add_bot(lobby=duel, user=alice)
    services.lobby_leave(lobby=duel, user=alice)
    duel.refresh_from_db()
    assert duel.state == Lobby.State.CLOSED
    assert not LobbyBot.objects.exists()


def test_adding_a_bot_tells_the_members(
    duel, alice, sent, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        bot = services.lobby_add_bot(lobby=duel, user=alice)
    event = sent.events(duel)[-1]
    assert (event["type"], event["bot_id"], len(event["lobby"]["bots"])) == ("bot_added", bot.pk, 1)


def test_a_game_without_a_bot_is_refused(settings, alice) -> None:
    settings.GAMES = ["tests.harness.example_game", "games.rules.arena"]
    lobby = services.lobby_create(host=alice, game="rock_paper_scissors")
    with pytest.raises(LobbyError, match="NO_BOTS"):
        services.lobby_add_bot(lobby=lobby, user=alice)


# The lobby page.


def test_the_host_adds_and_removes_a_bot_from_the_lobby_page(client: Client, duel, alice) -> None:
    client.force_login(alice)
    page = client.get(f"/lobby/{duel.code}/")
    assert b"Add a bot" in page.content
    response = client.post(f"/lobby/{duel.code}/add_bot/", {"level": "easy"}, follow=True)
    assert "Bot 2 (easy)" in response.content.decode()
    assert b'class="badge bot">Bot<' in response.content
    assert b"Add a bot" not in response.content
    bot = LobbyBot.objects.get()
    response = client.post(f"/lobby/{duel.code}/remove_bot/", {"bot_id": bot.pk}, follow=True)
    assert "Bot 2 (easy)" not in response.content.decode()
    assert [str(m) for m in response.context["messages"]] == ["The bot left its seat."]


def test_a_member_sees_bots_but_no_bot_controls(client: Client, arena_lobby, alice, bob) -> None:
    services.lobby_add_bot(lobby=arena_lobby, user=alice)
    services.lobby_join(code=arena_lobby.code, user=bob)
    client.force_login(bob)
    page = client.get(f"/lobby/{arena_lobby.code}/").content.decode()
    assert "Bot 3 (normal)" in page
    assert "Add a bot" not in page
    assert "remove_bot" not in page
    response = client.post(f"/lobby/{arena_lobby.code}/add_bot/", follow=True)
    assert [str(m) for m in response.context["messages"]] == ["Only the host can do that."]


# The API.


def test_the_api_adds_and_removes_bots(api_for, duel, alice) -> None:
    api = api_for(alice)
    added = api.post(f"/api/lobbies/{duel.code}/add_bot/", {"level": "hard"})
    assert added.status_code == 200
    (bot,) = added.json()["lobby"]["bots"]
    assert (bot["name"], bot["bot"]) == ("Bot 2 (hard)", True)
    removed = api.post(f"/api/lobbies/{duel.code}/remove_bot/", {"bot_id": bot["id"]})
    assert removed.json()["lobby"]["bots"] == []
    again = api.post(f"/api/lobbies/{duel.code}/remove_bot/", {"bot_id": bot["id"]})
    assert (again.status_code, again.json()["error"]["code"]) == (404, "NO_SUCH_BOT")


def test_the_api_refuses_a_full_lobby_and_a_bad_level(api_for, duel, alice) -> None:
    api = api_for(alice)
    bad = api.post(f"/api/lobbies/{duel.code}/add_bot/", {"level": "genius"})
    assert (bad.status_code, bad.json()["error"]["field"]) == (400, "level")
    api.post(f"/api/lobbies/{duel.code}/add_bot/")
    full = api.post(f"/api/lobbies/{duel.code}/add_bot/")
    assert (full.status_code, full.json()["error"]["code"]) == (409, "LOBBY_FULL")


def test_the_games_api_lists_bot_levels(client: Client) -> None:
    games = {game["slug"]: game for game in client.get("/api/games/").json()["games"]}
    assert games["connect_four"]["bot_levels"] == ["normal", "easy", "hard"]
    assert games["arena"]["bot_levels"] == ["normal"]


# Play against the computer.


def test_a_visitor_plays_the_computer_in_one_click_as_a_guest(client: Client) -> None:
    home = client.get("/")
    assert b"Play against the computer" in home.content
    response = client.post("/play-computer/", {"game": "connect_four", "level": "hard"})
    match = Match.objects.get()
    assert response.url == f"/play/{match.pk}/"
    (human, bot) = MatchPlayer.objects.filter(match=match).order_by("seat")
    assert human.user.is_guest
    assert (bot.user, bot.bot_level) == (None, "hard")
    lobby = Lobby.objects.get()
    assert (lobby.state, lobby.is_public, lobby.host) == (Lobby.State.IN_GAME, False, human.user)


def test_the_home_page_offers_every_level_of_the_games_bots(client: Client) -> None:
    page = client.get("/").content.decode()
    level_box = page[
        page.index('id="computer-level"') : page.index(
            "</select>", page.index('id="computer-level"')
        )
    ]
    assert [line.split('"')[1] for line in level_box.split("<option value=")[1:]] == [
        "normal",
        "easy",
        "hard",
    ]


def test_a_level_the_game_s_bot_lacks_is_refused_with_its_levels(client: Client, alice) -> None:
    client.force_login(alice)
    response = client.post("/play-computer/", {"game": "arena", "level": "hard"}, follow=True)
    messages = [str(message) for message in response.context["messages"]]
    assert messages == ["A bot's level is one of: normal."]
    assert not Match.objects.exists()


def test_arena_against_the_computer_fills_four_seats_with_bots_by_default(client, alice) -> None:
    client.force_login(alice)
    client.post("/play-computer/")
    seats = MatchPlayer.objects.filter(match__game="arena").order_by("seat")
    assert [seat.bot_level for seat in seats] == ["", "normal", "normal", "normal"]


def test_a_visitor_over_the_guest_limit_is_told_to_wait(client: Client, settings) -> None:
    settings.GUESTS_PER_ADDRESS_PER_HOUR = 0
    response = client.post("/play-computer/", {"game": "connect_four"})
    assert response.status_code == 429
    assert not Match.objects.exists()


def test_a_player_still_in_a_match_is_told_and_nothing_is_created(client: Client, alice) -> None:
    client.force_login(alice)
    client.post("/play-computer/", {"game": "connect_four"})
    response = client.post("/play-computer/", {"game": "arena"}, follow=True)
    messages = [str(message) for message in response.context["messages"]]
    assert messages == ["You are still playing another match; finish it first."]
    assert Match.objects.count() == Lobby.objects.count() == 1


# Quick play, waiting alone.


def test_quick_play_alone_offers_bots_after_the_wait(settings, alice) -> None:
    settings.QUICK_PLAY_BOT_SECONDS = 20
    membership = services.lobby_quick_play(user=alice, game="arena")
    snapshot = services.lobby_snapshot(membership.lobby)
    offered_at = membership.joined_at + timedelta(seconds=20)
    assert snapshot["bots_offered_at"] == offered_at.isoformat()
    with pytest.raises(LobbyError, match="TOO_EARLY") as refused:
        services.lobby_fill_with_bots(lobby=membership.lobby, user=alice)
    assert refused.value.message.startswith("Others may still join: bots can fill the seats in ")
    assert not LobbyBot.objects.exists()


def test_after_the_wait_bots_fill_the_seats_and_the_match_starts(settings, alice) -> None:
    settings.QUICK_PLAY_BOT_SECONDS = 0
    membership = services.lobby_quick_play(user=alice, game="arena")
    match = services.lobby_fill_with_bots(lobby=membership.lobby, user=alice)
    seats = MatchPlayer.objects.filter(match=match).order_by("seat")
    assert [seat.bot_level for seat in seats] == ["", "normal", "normal", "normal"]
    membership.lobby.refresh_from_db()
    assert membership.lobby.state == Lobby.State.IN_GAME


def test_no_bots_are_offered_once_someone_joins(settings, alice, bob) -> None:
    settings.QUICK_PLAY_BOT_SECONDS = 0
    lobby = services.lobby_quick_play(user=alice, game="arena").lobby
    services.lobby_quick_play(user=bob, game="arena")
    assert services.lobby_snapshot(lobby)["bots_offered_at"] is None
    with pytest.raises(LobbyError, match="NO_BOTS"):
        services.lobby_fill_with_bots(lobby=lobby, user=alice)


def test_the_lobby_page_holds_the_offer_until_the_wait_is_over(
    client: Client, settings, alice
) -> None:
    settings.QUICK_PLAY_BOT_SECONDS = 20
    lobby = services.lobby_quick_play(user=alice, game="connect_four").lobby
    client.force_login(alice)
    page = client.get(f"/lobby/{lobby.code}/").content.decode()
    assert 'class="notice offer-bots" data-offer-in="20" hidden' in page
    settings.QUICK_PLAY_BOT_SECONDS = 0
    page = client.get(f"/lobby/{lobby.code}/").content.decode()
    assert 'class="notice offer-bots" data-offer-in="0">' in page
    response = client.post(f"/lobby/{lobby.code}/fill_with_bots/")
    match = MatchPlayer.objects.get(user=alice).match
    assert response.url == f"/play/{match.pk}/"


def test_the_lobby_admin_counts_and_lists_bots(admin_client, duel, alice) -> None:
    services.lobby_add_bot(lobby=duel, user=alice, level="easy")
    assert "2 / 2" in admin_client.get("/admin/lobby/lobby/").content.decode()
    page = admin_client.get(f"/admin/lobby/lobby/{duel.pk}/change/").content.decode()
    assert "easy" in page
