"""Lobby pages: the list, creating, invite links, join by code, the lobby page, actions."""

from __future__ import annotations

import pytest

from games.models import Match
from lobby import services
from lobby.models import Lobby, Membership

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_alice(client, alice):
    client.force_login(alice)
    return client


@pytest.fixture
def as_bob(bob):
    from django.test import Client

    client = Client()
    client.force_login(bob)
    return client


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_the_list_shows_public_open_lobbies_and_the_live_socket(client, arena_lobby, bob):
    private = services.lobby_create(host=bob, game="arena", is_public=False)
    page = client.get("/lobbies/").content.decode()
    assert arena_lobby.code in page
    assert "Alice&#x27;s arena" in page
    assert private.code not in page
    assert 'data-socket="/ws/lobbies/"' in page


def test_the_create_form_renders_the_games_settings(as_alice):
    page = as_alice.get("/lobbies/new/?game=connect_four").content.decode()
    assert 'name="setting_move_seconds"' in page
    assert 'name="setting_on_timeout"' in page


def test_creating_a_lobby_goes_to_its_page(as_alice, alice):
    response = as_alice.post(
        "/lobbies/new/?game=connect_four",
        {
            "game": "connect_four",
            "name": "Duel",
            "max_players": 2,
            "public": "on",
            "setting_move_seconds": 20,
            "setting_on_timeout": "forfeit",
        },
    )
    lobby = Lobby.objects.get()
    assert response.url == f"/lobby/{lobby.code}/"
    assert lobby.settings == {"move_seconds": 20, "on_timeout": "forfeit"}
    assert lobby.allow_spectators is False


def test_the_create_form_allows_spectators_when_ticked(as_alice):
    form = {"game": "arena", "max_players": 2, "allow_spectators": "on"}
    form.update(setting_tick_rate=20, setting_duration=60, setting_pellets=10)
    as_alice.post("/lobbies/new/?game=arena", form)
    assert Lobby.objects.get().allow_spectators is True


def test_a_setting_out_of_range_is_shown_on_the_form(as_alice):
    response = as_alice.post(
        "/lobbies/new/?game=connect_four",
        {
            "game": "connect_four",
            "max_players": 2,
            "setting_move_seconds": 999,
            "setting_on_timeout": "skip",
        },
    )
    assert response.status_code == 400
    assert "less than or equal to 300" in response.content.decode()
    assert not Lobby.objects.exists()


def test_creating_needs_an_account(client):
    assert client.get("/lobbies/new/").url.startswith("/accounts/login/")


def test_the_invite_link_shows_the_lobby_to_join(as_bob, arena_lobby):
    page = as_bob.get(f"/l/{arena_lobby.code}/").content.decode()
    assert "Join lobby" in page


def test_the_invite_link_offers_guest_play_to_visitors(client, arena_lobby):
    page = client.get(f"/l/{arena_lobby.code}/").content.decode()
    assert "Play as guest" in page
    assert f'value="/l/{arena_lobby.code}/"' in page


def test_a_wrong_invite_code_says_so(as_bob):
    response = as_bob.get("/l/ZZZZZZ/")
    assert response.status_code == 404
    assert "There is no open lobby with that code." in response.content.decode()


def test_the_invite_link_warns_about_leaving_a_lobby(as_bob, bob, arena_lobby, carol):
    services.lobby_create(host=bob, game="arena", name="Bob's place")
    page = as_bob.get(f"/l/{arena_lobby.code}/").content.decode()
    assert "Joining this one leaves it" in page


def test_joining_from_the_invite_link(as_bob, bob, arena_lobby):
    response = as_bob.post(f"/l/{arena_lobby.code}/join/", follow=True)
    assert response.redirect_chain[-1][0] == f"/lobby/{arena_lobby.code}/"
    assert Membership.objects.get(user=bob).lobby == arena_lobby


def test_joining_another_lobby_says_the_first_was_left(as_bob, bob, arena_lobby):
    services.lobby_create(host=bob, game="arena", name="Bob's place")
    response = as_bob.post("/lobbies/join/", {"code": arena_lobby.code}, follow=True)
    assert any("You left the lobby “Bob's place”" in m for m in _messages(response))


def test_joining_a_full_lobby_says_why(as_bob, alice, carol):
    full = services.lobby_create(host=alice, game="connect_four")
    services.lobby_join(code=full.code, user=carol)
    response = as_bob.post("/lobbies/join/", {"code": full.code}, follow=True)
    assert "This lobby is full." in _messages(response)


def test_joining_a_wrong_code_says_why(as_bob):
    response = as_bob.post("/lobbies/join/", {"code": "ZZZZZZ"}, follow=True)
    assert "There is no open lobby with that code." in _messages(response)


def test_a_kicked_user_is_told_why(as_bob, alice, bob, arena_lobby):
    services.lobby_join(code=arena_lobby.code, user=bob)
    services.lobby_kick(lobby=arena_lobby, user=alice, target=bob)
    response = as_bob.post(f"/l/{arena_lobby.code}/join/", follow=True)
    assert services.MESSAGES["KICKED"] in _messages(response)


def _in_game(lobby, host, player):
    services.lobby_join(code=lobby.code, user=player)
    services.lobby_set_ready(lobby=lobby, user=player, ready=True)
    return services.lobby_start(lobby=lobby, user=host)


def test_the_invite_link_offers_to_watch_a_running_game_when_spectators_may(as_bob, alice, carol):
    lobby = services.lobby_create(host=alice, game="arena", allow_spectators=True)
    before = as_bob.get(f"/l/{lobby.code}/").content.decode()
    match = _in_game(lobby, alice, carol)
    page = as_bob.get(f"/l/{lobby.code}/").content.decode()
    assert "Watch the game" not in before
    assert f'href="/play/{match.pk}/">Watch the game</a>' in page


def test_the_invite_link_offers_no_watching_without_spectators(as_bob, arena_lobby, alice, carol):
    _in_game(arena_lobby, alice, carol)
    assert "Watch the game" not in as_bob.get(f"/l/{arena_lobby.code}/").content.decode()


def test_the_invite_link_offers_no_watching_to_a_kicked_user(as_bob, alice, bob, carol):
    lobby = services.lobby_create(host=alice, game="arena", allow_spectators=True)
    services.lobby_join(code=lobby.code, user=bob)
    services.lobby_kick(lobby=lobby, user=alice, target=bob)
    _in_game(lobby, alice, carol)
    assert "Watch the game" not in as_bob.get(f"/l/{lobby.code}/").content.decode()


def test_the_lobby_page_shows_members_host_badge_invite_and_chat(as_alice, arena_lobby, bob):
    services.lobby_join(code=arena_lobby.code, user=bob)
    page = as_alice.get(f"/lobby/{arena_lobby.code}/").content.decode()
    assert "Bob" in page
    assert "badge host" in page
    assert "Not ready" in page
    assert f"http://testserver/l/{arena_lobby.code}/" in page
    assert 'id="copy-invite"' in page
    assert 'id="chat-form"' in page
    assert "Kick" in page
    assert "Make host" in page
    assert "Start game" in page


def test_members_do_not_see_host_controls(as_bob, bob, arena_lobby):
    services.lobby_join(code=arena_lobby.code, user=bob)
    page = as_bob.get(f"/lobby/{arena_lobby.code}/").content.decode()
    assert "Kick" not in page
    assert "Start game" not in page


def test_names_are_escaped(as_alice, arena_lobby, bob):
    bob.display_name = "<img src=x>"
    bob.save()
    services.lobby_join(code=arena_lobby.code, user=bob)
    page = as_alice.get(f"/lobby/{arena_lobby.code}/").content.decode()
    assert "<img src=x>" not in page
    assert "&lt;img src=x&gt;" in page


def test_a_non_member_is_sent_to_the_invite_page(as_bob, arena_lobby):
    assert as_bob.get(f"/lobby/{arena_lobby.code}/").url == f"/l/{arena_lobby.code}/"


def test_the_state_fragment_is_for_members_only(as_bob, arena_lobby):
    assert as_bob.get(f"/lobby/{arena_lobby.code}/state/").status_code == 403


def test_ready_then_start_moves_the_host_into_the_game(as_alice, as_bob, arena_lobby, bob):
    services.lobby_join(code=arena_lobby.code, user=bob)
    as_bob.post(f"/lobby/{arena_lobby.code}/ready/", {"ready": "1"})
    response = as_alice.post(f"/lobby/{arena_lobby.code}/start/")
    match = Match.objects.get()
    assert response.url == f"/play/{match.id}/"
    page = as_bob.get(f"/lobby/{arena_lobby.code}/").content.decode()
    assert f'href="/play/{match.id}/"' in page


def test_starting_with_unready_players_says_why(as_alice, arena_lobby, bob):
    services.lobby_join(code=arena_lobby.code, user=bob)
    response = as_alice.post(f"/lobby/{arena_lobby.code}/start/", follow=True)
    assert "Waiting for Bob to be ready." in _messages(response)


def test_a_member_cannot_kick(as_bob, alice, bob, arena_lobby):
    services.lobby_join(code=arena_lobby.code, user=bob)
    response = as_bob.post(f"/lobby/{arena_lobby.code}/kick/", {"user_id": alice.pk}, follow=True)
    assert "Only the host can do that." in _messages(response)


def test_the_host_kicks_and_hands_over(as_alice, alice, bob, carol, arena_lobby):
    services.lobby_join(code=arena_lobby.code, user=bob)
    services.lobby_join(code=arena_lobby.code, user=carol)
    as_alice.post(f"/lobby/{arena_lobby.code}/kick/", {"user_id": carol.pk})
    as_alice.post(f"/lobby/{arena_lobby.code}/host/", {"user_id": bob.pk})
    arena_lobby.refresh_from_db()
    assert arena_lobby.host == bob
    assert not Membership.objects.filter(user=carol).exists()


def test_the_host_changes_settings(as_alice, arena_lobby):
    as_alice.post(
        f"/lobby/{arena_lobby.code}/settings/",
        {
            "name": "Renamed",
            "max_players": 4,
            "public": "",
            "setting_tick_rate": 20,
            "setting_duration": 60,
            "setting_dash": "",
            "setting_pellets": 10,
        },
    )
    arena_lobby.refresh_from_db()
    assert (arena_lobby.name, arena_lobby.max_players, arena_lobby.is_public) == (
        "Renamed",
        4,
        False,
    )
    assert arena_lobby.settings["dash"] is False


def test_the_host_allows_spectators_and_the_page_says_so(as_alice, arena_lobby):
    before = as_alice.get(f"/lobby/{arena_lobby.code}/").content.decode()
    as_alice.post(
        f"/lobby/{arena_lobby.code}/settings/",
        {
            "max_players": 8,
            "allow_spectators": "on",
            "setting_tick_rate": 20,
            "setting_duration": 60,
            "setting_pellets": 10,
        },
    )
    arena_lobby.refresh_from_db()
    assert arena_lobby.allow_spectators is True
    page = as_alice.get(f"/lobby/{arena_lobby.code}/").content.decode()
    assert "Players only" in before
    assert "Welcome: whoever can see this lobby may watch" in page
    assert 'name="allow_spectators" id="id_allow_spectators" checked' in page


def test_bad_settings_say_why(as_alice, arena_lobby):
    response = as_alice.post(
        f"/lobby/{arena_lobby.code}/settings/",
        {"max_players": 4, "setting_tick_rate": 20, "setting_duration": 1, "setting_pellets": 10},
        follow=True,
    )
    assert any("Settings not saved" in m for m in _messages(response))


def test_leaving_goes_back_to_the_list(as_alice, arena_lobby):
    response = as_alice.post(f"/lobby/{arena_lobby.code}/leave/")
    assert response.url == "/lobbies/"


def test_play_now_seats_the_player(as_bob, bob, arena_lobby):
    response = as_bob.post("/play-now/arena/")
    assert response.url == f"/lobby/{arena_lobby.code}/"


def test_actions_need_post(as_alice, arena_lobby):
    assert as_alice.get(f"/lobby/{arena_lobby.code}/start/").status_code == 405
