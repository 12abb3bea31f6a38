"""Chat and quick reactions during a match, over the play socket.

A line goes to every socket of the room, players' and spectators', through the room's
group, never as an input of the room. Spectators chat only when the lobby lets them.
Lines follow the lobby chat's rules and share its budget per user.
"""

from __future__ import annotations

import orjson
import pytest
from asgiref.sync import sync_to_async

from games.chat import CHAT_MAX_LENGTH
from games.models import Match
from games.services import match_create
from lobby.models import Lobby
from lobby.services import LobbyError, lobby_chat, lobby_create

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("fresh_cache")]


def chat(text: str) -> str:
    return orjson.dumps({"type": "chat", "text": text}).decode()


def react(reaction: object) -> str:
    return orjson.dumps({"type": "reaction", "reaction": reaction}).decode()


@pytest.fixture
def lobby(alice) -> Lobby:
    return lobby_create(host=alice, game="connect_four", allow_spectators=True)


@pytest.fixture
def match(lobby, alice, bob) -> Match:
    return match_create(game="connect_four", settings={}, players=[alice, bob], lobby=lobby)


@pytest.fixture
async def sockets(connect, receive, match, alice, bob, carol):
    """Alice's, Bob's and the spectator Carol's sockets, each past its snapshot."""
    opened = [await connect(match.pk, user) for user in (alice, bob, carol)]
    for socket in opened:
        await receive(socket, "snapshot")
    return opened


async def test_a_players_line_reaches_the_other_player_and_the_spectator(
    sockets, receive, alice
) -> None:
    await sockets[0].send_to(text_data=chat("  good luck <b>all</b> "))
    for socket in sockets:
        line = await receive(socket, "chat")
        assert line["text"] == "good luck <b>all</b>"
        assert (line["user_id"], line["name"], line["spectator"]) == (str(alice.pk), "Alice", False)
        assert isinstance(line["tick"], int)


async def test_a_reaction_reaches_everyone_in_the_room(sockets, receive, bob) -> None:
    await sockets[1].send_to(text_data=react("gg"))
    for socket in sockets:
        reaction = await receive(socket, "reaction")
        assert (reaction["reaction"], reaction["user_id"]) == ("gg", str(bob.pk))


async def test_a_line_is_not_an_input_of_the_room(sockets, receive, alice, bob) -> None:
    alice_socket = sockets[0]
    await alice_socket.send_to(text_data=chat("hello"))
    await receive(alice_socket, "chat")
    await alice_socket.send_to(text_data='{"type":"input","seq":1,"data":{"column":3}}')
    diff = await receive(alice_socket, "diff")
    assert diff["acks"] == [1, 0]


async def test_a_spectator_cannot_chat_unless_the_lobby_allows_it(sockets, receive) -> None:
    alice_socket, _, carol_socket = sockets
    await carol_socket.send_to(text_data=chat("hi players"))
    error = await receive(carol_socket, "error")
    assert (error["code"], error["message"]) == (
        "chat_not_allowed",
        "Spectators of this match cannot chat.",
    )
    await carol_socket.send_to(text_data=react("nice"))
    assert (await receive(carol_socket, "error"))["code"] == "chat_not_allowed"
    # Nothing reached the players: the next line Alice hears is her own.
    await alice_socket.send_to(text_data=chat("mine"))
    assert (await receive(alice_socket, "chat"))["text"] == "mine"


@pytest.fixture
def chatty_match(alice, bob) -> Match:
    lobby = lobby_create(
        host=alice, game="connect_four", allow_spectators=True, spectators_may_chat=True
    )
    return match_create(game="connect_four", settings={}, players=[alice, bob], lobby=lobby)


async def test_a_spectator_chats_when_the_lobby_allows_it(
    connect, receive, chatty_match, alice, carol
) -> None:
    alice_socket = await connect(chatty_match.pk, alice)
    carol_socket = await connect(chatty_match.pk, carol)
    await receive(alice_socket, "snapshot")
    await receive(carol_socket, "snapshot")
    await carol_socket.send_to(text_data=chat("go Alice"))
    line = await receive(alice_socket, "chat")
    assert (line["text"], line["user_id"], line["spectator"]) == ("go Alice", str(carol.pk), True)


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        (chat("   "), "chat_empty"),
        (chat("x" * (CHAT_MAX_LENGTH + 1)), "chat_too_long"),
        (chat("bell\x07"), "chat_bad_text"),
        ('{"type":"chat","text":7}', "bad_frame"),
        ('{"type":"chat"}', "bad_frame"),
        (react("boo"), "unknown_reaction"),
        (react(["gg"]), "unknown_reaction"),
        (chat("y" * 1100), "too_large"),
    ],
)
async def test_a_bad_line_gets_a_clear_error_and_the_socket_goes_on(
    sockets, receive, frame: str, code: str
) -> None:
    alice_socket, bob_socket, _ = sockets
    await alice_socket.send_to(text_data=frame)
    error = await receive(alice_socket, "error")
    assert error["code"] == code
    assert error["message"]
    await alice_socket.send_to(text_data=chat("still here"))
    assert (await receive(bob_socket, "chat"))["text"] == "still here"


async def test_a_fast_talker_is_told_to_wait_and_their_later_lines_are_not_sent(
    sockets, receive, settings
) -> None:
    settings.LOBBY_CHAT_MESSAGES_PER_WINDOW = 2
    settings.LOBBY_CHAT_WINDOW_SECONDS = 60
    alice_socket, bob_socket, _ = sockets
    for text in ("one", "two", "three"):
        await alice_socket.send_to(text_data=chat(text))
    error = await receive(alice_socket, "error")
    assert error["code"] == "chat_rate_limited"
    assert error["message"].startswith("Too many chat lines: wait ")
    # Bob's own budget is whole; what he hears before his reaction is "one" and "two" only.
    await bob_socket.send_to(text_data=react("oops"))
    heard = []
    while not heard or heard[-1] != "oops":
        frame = orjson.loads(await bob_socket.receive_from(timeout=5))
        if frame["type"] in ("chat", "reaction"):
            heard.append(frame.get("text", frame.get("reaction")))
    assert heard == ["one", "two", "oops"]


async def test_lines_in_the_lobby_and_in_the_match_share_one_budget(
    sockets, receive, settings, lobby, alice
) -> None:
    settings.LOBBY_CHAT_MESSAGES_PER_WINDOW = 1
    settings.LOBBY_CHAT_WINDOW_SECONDS = 60
    await sockets[0].send_to(text_data=chat("in the match"))
    await receive(sockets[1], "chat")
    with pytest.raises(LobbyError, match="RATE_LIMITED"):
        await sync_to_async(lobby_chat)(lobby=lobby, user=alice, text="in the lobby")
