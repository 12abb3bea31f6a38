"""One table of lobby actions (lobby/actions.py) serves the pages, the lobby socket and
the API: every action is reachable from each, and the same bad input is refused with the
same code and message through each."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone
from django.utils.html import escape

from lobby import services
from lobby.actions import ACTIONS, IN_LOBBY
from lobby.models import Lobby, Membership, User

# Every action but these is a frame on the lobby socket: they seat a user in a lobby, and a
# lobby socket belongs to a member of one lobby already. The pages and the API take all.
NOT_ON_THE_SOCKET = {"create", "join", "quick_play", "play_computer"}

# The event the lobby's members hear once each action is done.
HEARD = {
    "create": "created",
    "join": "member_joined",
    "quick_play": "member_joined",
    "play_computer": "started",
    "leave": "member_left",
    "ready": "ready",
    "chat": "chat",
    "settings": "settings",
    "kick": "kicked",
    "host": "host",
    "add_bot": "bot_added",
    # Each bot taking its seat, then "started".
    "fill_with_bots": "bot_added",
    "remove_bot": "bot_removed",
    "start": "started",
    "close": "closed",
}

# The people by name, and for remove_bot the bot Alice seated ("bot").
People = dict[str, Any]


def _arena_form(**extra: str) -> dict[str, str]:
    """What the create and settings forms post for an arena lobby."""
    form = {"game": "arena", "max_players": "8", "setting_tick_rate": "20"}
    form.update(setting_duration="60", setting_pellets="10", **extra)
    return form


@dataclass(frozen=True)
class Case:
    """Who takes an action, with what: JSON fields, and the page's form when it differs."""

    actor: str
    fields: Callable[[People], dict[str, Any]] = lambda people: {}
    form: dict[str, str] | None = None

    def page_form(self, people: People) -> dict[str, str]:
        if self.form is not None:
            return self.form
        return {name: str(value) for name, value in self.fields(people).items()}


# Alice hosts an arena lobby, Bob sits in it, Dave is outside.
DONE = {
    "create": Case("dave", lambda p: {"game": "arena"}, _arena_form()),
    "join": Case("dave"),
    "quick_play": Case("dave", lambda p: {"game": "arena"}),
    "play_computer": Case("dave", lambda p: {"game": "connect_four", "level": "easy"}),
    "leave": Case("bob"),
    "ready": Case("bob", lambda p: {"ready": True}, {"ready": "1"}),
    "chat": Case("bob", lambda p: {"text": "gl hf"}),
    "settings": Case("alice", lambda p: {"name": "Renamed"}, _arena_form(name="Renamed")),
    "kick": Case("alice", lambda p: {"user_id": p["bob"].pk}),
    "host": Case("alice", lambda p: {"user_id": p["bob"].pk}),
    "add_bot": Case("alice", lambda p: {"level": "normal"}),
    "fill_with_bots": Case("alice"),
    "remove_bot": Case("alice", lambda p: {"bot_id": p["bot"].pk}),
    "start": Case("alice"),
    "close": Case("alice"),
}


@dataclass(frozen=True)
class Refusal:
    """A bad input, and the code and message every front end refuses it with."""

    case: Case
    action: str
    code: str
    message: str = ""

    @property
    def said(self) -> str:
        return self.message or services.MESSAGES[self.code]


REFUSED = {
    "a member starts": Refusal(Case("bob"), "start", "NOT_HOST"),
    "the host starts before Bob is ready": Refusal(
        Case("alice"), "start", "NOT_READY", "Waiting for Bob to be ready."
    ),
    "the host kicks herself": Refusal(
        Case("alice", lambda p: {"user_id": p["alice"].pk}), "kick", "CANNOT_KICK_SELF"
    ),
    "the host kicks nobody there": Refusal(
        Case("alice", lambda p: {"user_id": 999999}),
        "kick",
        "NOT_MEMBER",
        "That player is not in this lobby.",
    ),
    "the host hands over to no one": Refusal(
        Case("alice"), "host", "BAD_REQUEST", "'user_id' is required."
    ),
    "ready is not a yes or no": Refusal(
        Case("bob", lambda p: {"ready": "yes"}),
        "ready",
        "BAD_REQUEST",
        "'ready' has the wrong type.",
    ),
    "an empty chat line": Refusal(Case("bob", lambda p: {"text": "  "}), "chat", "CHAT_EMPTY"),
    "a member changes settings": Refusal(
        Case("bob", lambda p: {"name": "Mine"}, _arena_form(name="Mine")), "settings", "NOT_HOST"
    ),
    "a member closes": Refusal(Case("bob"), "close", "NOT_HOST"),
    "a member adds a bot": Refusal(Case("bob"), "add_bot", "NOT_HOST"),
    "the host plays bots with Bob there": Refusal(
        Case("alice"),
        "fill_with_bots",
        "NO_BOTS",
        "Bots fill the seats of a lobby you wait in alone.",
    ),
    "the host adds a bot to a full lobby": Refusal(Case("alice"), "add_bot", "LOBBY_FULL"),
    "the host removes no bot": Refusal(
        Case("alice", lambda p: {"bot_id": 999999}), "remove_bot", "NO_SUCH_BOT"
    ),
    "an outsider leaves": Refusal(Case("dave"), "leave", "NOT_MEMBER"),
    "joining a full lobby": Refusal(Case("dave"), "join", "LOBBY_FULL"),
    "the computer at no level": Refusal(
        Case("dave", lambda p: {"level": "genius"}),
        "play_computer",
        "BAD_BOT_LEVEL",
        "A bot's level is one of: normal.",
    ),
    "quick play of no game": Refusal(
        Case("dave", lambda p: {"game": "chess"}), "quick_play", "UNKNOWN_GAME"
    ),
    "a lobby name with a bell": Refusal(
        Case("dave", lambda p: {"game": "arena", "name": "a\x07"}, _arena_form(name="a\x07")),
        "create",
        "BAD_NAME",
    ),
}
# A lobby socket is a member's: what members are refused there.
ON_THE_SOCKET = [
    name
    for name, refusal in REFUSED.items()
    if refusal.action in IN_LOBBY and refusal.case.actor != "dave"
]


def _page_url(action: str, code: str, case: Case, people: People) -> str:
    if action == "create":
        return "/lobbies/new/?game=arena"
    if action == "join":
        return f"/l/{code}/join/"
    if action == "quick_play":
        return f"/play-now/{case.fields(people)['game']}/"
    if action == "play_computer":
        return "/play-computer/"
    return f"/lobby/{code}/{action}/"


def _api_url(action: str, code: str) -> str:
    if action == "create":
        return "/api/lobbies/"
    if action == "quick_play":
        return "/api/quick-play/"
    if action == "play_computer":
        return "/api/play-computer/"
    return f"/api/lobbies/{code}/{action}/"


def _alice_and_bob(alice: User, bob: User, *, seats: int) -> Lobby:
    """Alice's public arena lobby with Bob seated in it."""
    lobby = services.lobby_create(host=alice, game="arena", max_players=seats)
    services.lobby_join(code=lobby.code, user=bob)
    return lobby


@pytest.fixture
def people(alice: User, bob: User, dave: User) -> People:
    return {"alice": alice, "bob": bob, "dave": dave}


@pytest.fixture
def lobby(alice: User, bob: User) -> Lobby:
    """With a seat free, for Dave to take."""
    return _alice_and_bob(alice, bob, seats=3)


@pytest.fixture
def full_lobby(alice: User, bob: User) -> Lobby:
    return _alice_and_bob(alice, bob, seats=2)


def _ready_to_start(action: str, lobby: Lobby, people: People) -> None:
    """Bob is ready for start; a bot sits in the lobby for remove_bot; Alice waited alone
    for fill_with_bots."""
    if action == "start":
        services.lobby_set_ready(lobby=lobby, user=people["bob"], ready=True)
    if action == "remove_bot":
        people["bot"] = services.lobby_add_bot(lobby=lobby, user=people["alice"])
    if action == "fill_with_bots":
        # Alice has waited alone for an hour.
        services.lobby_leave(lobby=lobby, user=people["bob"])
        an_hour_ago = timezone.now() - timedelta(hours=1)
        Membership.objects.filter(user=people["alice"]).update(joined_at=an_hour_ago)


def test_every_action_of_the_table_is_taken_below():
    assert set(DONE) == set(HEARD) == set(ACTIONS)


def test_the_socket_takes_every_action_but_those_that_seat_a_user():
    assert set(ACTIONS) - set(IN_LOBBY) == NOT_ON_THE_SOCKET


@pytest.mark.django_db
@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_the_pages_take_every_action(
    action, people, lobby, bob, client, sent, django_capture_on_commit_callbacks
):
    case = DONE[action]
    _ready_to_start(action, lobby, people)
    client.force_login(people[case.actor])

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_page_url(action, lobby.code, case, people), case.page_form(people))

    assert response.status_code == 302, response.content.decode()
    events = [message["event"] for _, message in sent.messages if message["type"] == "lobby.event"]
    assert HEARD[action] in [event["type"] for event in events]


@pytest.mark.django_db
@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_the_api_takes_every_action(action, people, lobby, bob, api_for):
    case = DONE[action]
    _ready_to_start(action, lobby, people)

    response = api_for(people[case.actor]).post(_api_url(action, lobby.code), case.fields(people))

    assert response.status_code in (200, 201), response.content.decode()


@pytest.fixture
def local_layer(settings: Any) -> None:
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "game_server.local_layer.LocalChannelLayer"}}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("action", IN_LOBBY)
async def test_the_socket_takes_every_action_in_a_lobby(
    action, people, bob, local_layer, member_socket
):
    case = DONE[action]
    lobby = await database_sync_to_async(_alice_and_bob)(people["alice"], bob, seats=3)
    await database_sync_to_async(_ready_to_start)(action, lobby, people)
    socket = await member_socket(people[case.actor], lobby.code)

    await socket.send_json_to({"type": action, **case.fields(people)})

    assert (await socket.receive_json_from(timeout=5))["type"] == HEARD[action]
    await socket.disconnect()


@pytest.mark.django_db
@pytest.mark.parametrize("name", REFUSED)
def test_the_api_refuses_with_the_code_and_message(name, people, full_lobby, api_for):
    refusal = REFUSED[name]
    case = refusal.case

    response = api_for(people[case.actor]).post(
        _api_url(refusal.action, full_lobby.code), case.fields(people)
    )

    error = response.json()["error"]
    assert (error["code"], error["message"]) == (refusal.code, refusal.said)


@pytest.mark.django_db
@pytest.mark.parametrize("name", REFUSED)
def test_the_pages_refuse_with_the_same_message(name, people, full_lobby, client):
    refusal = REFUSED[name]
    case = refusal.case
    client.force_login(people[case.actor])

    url = _page_url(refusal.action, full_lobby.code, case, people)
    response = client.post(url, case.page_form(people), follow=True)

    assert escape(refusal.said) in response.content.decode()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", ON_THE_SOCKET)
async def test_the_socket_refuses_with_the_same_code_and_message(
    name, people, bob, local_layer, member_socket
):
    refusal = REFUSED[name]
    case = refusal.case
    lobby = await database_sync_to_async(_alice_and_bob)(people["alice"], bob, seats=2)
    socket = await member_socket(people[case.actor], lobby.code)

    await socket.send_json_to({"type": refusal.action, **case.fields(people)})

    error = await socket.receive_json_from(timeout=5)
    assert (error["code"], error["message"], error["action"]) == (
        refusal.code,
        refusal.said,
        refusal.action,
    )
    await socket.disconnect()
