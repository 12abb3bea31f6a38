"""docs/protocol.schema.json against real frames: matches of both games played through the
player socket (the real router, on every channel layer), every frame sent and received
held against the schema, and frames the server refuses refused by the schema too."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import AsyncClient
from jsonschema import Draft202012Validator

from games import protocol
from games.engine.diff import apply_patch
from games.engine.frames import PROTOCOL_VERSION
from games.models import Match
from games.services import match_create
from lobby.models import Lobby
from lobby.services import lobby_create, lobby_join, lobby_kick, lobby_set_ready, lobby_start
from tests.servers import diff_base, seat_numbers

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = orjson.loads((ROOT / "docs" / "protocol.schema.json").read_bytes())


@functools.cache
def validator(name: str) -> Draft202012Validator:
    """Validates against one of the schema's `$defs`."""
    return Draft202012Validator({"$ref": f"#/$defs/{name}", "$defs": SCHEMA["$defs"]})


EITHER_FRAME = Draft202012Validator(SCHEMA)
CLIENT_FRAME = validator("client_frame")
SERVER_FRAME = validator("server_frame")
CLOSE_CODE = validator("close_code")


def frames_by_type(direction: str) -> dict[str, str]:
    """The `$defs` name of each frame of a direction, by its `type`."""
    names = [entry["$ref"].rsplit("/", 1)[1] for entry in SCHEMA["$defs"][direction]["oneOf"]]
    return {SCHEMA["$defs"][name]["properties"]["type"]["const"]: name for name in names}


# Each frame is checked against its own type's schema first, for an error that names the
# member at fault ("not valid under any of the given schemas" is all a oneOf can say).
CLIENT_FRAMES = frames_by_type("client_frame")
SERVER_FRAMES = frames_by_type("server_frame")


def check_client_frame(frame: dict[str, Any]) -> None:
    validator(CLIENT_FRAMES[frame["type"]]).validate(frame)
    CLIENT_FRAME.validate(frame)
    assert EITHER_FRAME.is_valid(frame)


def check_server_frame(frame: dict[str, Any]) -> None:
    validator(SERVER_FRAMES[frame["type"]]).validate(frame)
    SERVER_FRAME.validate(frame)
    assert EITHER_FRAME.is_valid(frame)


class RecordedSocket:
    """A player socket whose every frame, sent or received, is held against the schema.

    Frames are read in order and kept until asked for, so that frames of a kind can be
    taken in whatever order they arrived. Diffs are applied to the state as they arrive
    and the result held against the game's state schema.
    """

    def __init__(self, socket: WebsocketCommunicator, game: str) -> None:
        self.socket = socket
        self.game_state = validator(f"{game}_state")
        self.game_input = validator(f"{game}_input")
        self.state: dict[str, Any] | None = None
        self.tick = -1
        self.seq = 0
        # Each player's seat number, from the last snapshot: their ack is acks[seat].
        self.seats: dict[str, int] = {}
        self.received: list[dict[str, Any]] = []
        self._unread: list[dict[str, Any]] = []

    async def send(self, frame: dict[str, Any]) -> None:
        check_client_frame(frame)
        await self.socket.send_to(text_data=orjson.dumps(frame).decode())

    async def play(self, data: dict[str, Any]) -> int:
        """Sends an input the game accepts, with the next seq; returns that seq."""
        self.game_input.validate(data)
        self.seq += 1
        await self.send({"type": "input", "seq": self.seq, "data": data})
        return self.seq

    async def _read(self) -> dict[str, Any]:
        frame = orjson.loads(await self.socket.receive_from(timeout=5))
        check_server_frame(frame)
        self.received.append(frame)
        self._unread.append(frame)
        if frame["type"] == "snapshot":
            self.state, self.tick = frame["state"], frame["tick"]
            self.seats = seat_numbers(frame)
            if (you := frame["room"]["you"]) is not None:
                self.seq = max(self.seq, frame["acks"][self.seats[you]])
        # As docs/protocol.md says to apply them: a diff before the first snapshot (sent
        # while the socket was joining) or one the snapshot covers is dropped.
        elif frame["type"] == "diff" and self.state is not None and frame["tick"] > self.tick:
            assert diff_base(frame) == self.tick, "a frame went missing"
            self.state = apply_patch(self.state, frame["diff"])
            self.tick = frame["tick"]
            self.game_state.validate(self.state)
        return frame

    async def next(self, kind: str, **matching: Any) -> dict[str, Any]:
        """The first frame of a type (with these members) not taken yet."""

        def wanted(frame: dict[str, Any]) -> bool:
            return frame["type"] == kind and all(frame.get(k) == v for k, v in matching.items())

        while True:
            for frame in self._unread:
                if wanted(frame):
                    self._unread.remove(frame)
                    return frame
            await self._read()

    async def acked(self, player: object, seq: int) -> None:
        """Waits for the first frame that acknowledges the player's input `seq`."""
        seat = self.seats[str(player.pk)]
        await self.until(lambda frame: "acks" in frame and frame["acks"][seat] >= seq)

    async def until(self, condition: Callable[[dict[str, Any]], bool]) -> None:
        """Reads frames until one meets the condition (the state is current by then)."""
        if any(condition(frame) for frame in self.received):
            return
        while not condition(await self._read()):
            pass

    async def closed(self) -> int:
        """The close code the socket ends with, every frame before it read."""
        while True:
            message = await self.socket.receive_output(timeout=5)
            if message["type"] == "websocket.close":
                CLOSE_CODE.validate(message["code"])
                return message["code"]
            frame = orjson.loads(message["text"])
            check_server_frame(frame)
            self.received.append(frame)


def types_seen(*sockets: RecordedSocket) -> set[str]:
    return {frame["type"] for socket in sockets for frame in socket.received}


def codes_seen(*sockets: RecordedSocket) -> set[str]:
    return {
        frame["code"] for socket in sockets for frame in socket.received if frame["type"] == "error"
    }


@pytest.fixture
def recorded(connect) -> Callable[..., Any]:
    async def _recorded(match: Match, user: object | None = None) -> RecordedSocket:
        return RecordedSocket(await connect(match.pk, user), match.game)

    return _recorded


def watched_match(
    game: str, alice: object, bob: object, settings: dict[str, Any] | None = None
) -> Match:
    lobby = lobby_create(host=alice, game=game, allow_spectators=True)
    return match_create(game=game, settings=settings or {}, players=[alice, bob], lobby=lobby)


BATTLESHIP_SETTINGS = {"size": 8, "fleet": "small"}
BATTLESHIP_FLEET = {
    "battleship": [0, 0, "across"],
    "cruiser": [2, 0, "across"],
    "destroyer": [4, 0, "down"],
}
BATTLESHIP_SHIP_CELLS = ["0,0", "0,1", "0,2", "0,3", "2,0", "2,1", "2,2", "4,0", "5,0"]


async def test_every_frame_of_a_connect_four_match_is_in_the_schema(
    recorded, alice, bob, carol, fresh_cache
) -> None:
    match = await sync_to_async(watched_match)("connect_four", alice, bob)
    alice_socket, bob_socket = await recorded(match, alice), await recorded(match, bob)
    await alice_socket.next("snapshot")
    await bob_socket.next("snapshot")
    carol_socket = await recorded(match, carol)
    watched = await carol_socket.next("snapshot")
    assert (watched["room"]["you"], watched["room"]["spectator"]) == (None, True)
    for socket in (alice_socket, bob_socket, carol_socket):
        listed = await socket.next("spectators")
        assert listed["spectators"] == [{"id": str(carol.pk), "name": "Carol"}]
    await carol_socket.send({"type": "snapshot"})
    await carol_socket.next("snapshot")
    await alice_socket.send({"type": "ping", "t": 1234.5})
    assert (await alice_socket.next("pong"))["t"] == 1234.5
    await alice_socket.send({"type": "chat", "text": "good luck"})
    await carol_socket.send({"type": "reaction", "reaction": "hello"})
    await bob_socket.next("chat", text="good luck")
    await bob_socket.send({"type": "reaction", "reaction": "gg"})
    await alice_socket.next("reaction", reaction="gg")
    await carol_socket.next("error", code="chat_not_allowed")

    # Alice opens the game again elsewhere: the first socket is replaced.
    first, alice_socket = alice_socket, await recorded(match, alice)
    await alice_socket.next("snapshot")
    await first.next("error", code="replaced")
    assert await first.closed() == protocol.CLOSE_REPLACED

    await carol_socket.send({"type": "input", "seq": 1, "data": {"column": 0}})
    await carol_socket.next("error", code="spectator", seq=1)
    await bob_socket.play({"column": 3})
    await bob_socket.next("error", code="not_your_turn")

    sockets = {alice: alice_socket, bob: bob_socket}
    # Column 0 filled in turn (no four), then Alice's four in column 2 against Bob's three.
    for player, column in [(alice, 0), (bob, 0)] * 3:
        await bob_socket.acked(player, await sockets[player].play({"column": column}))
    refused = [
        ({"column": 0}, "column_full"),
        ({"column": 9}, "bad_column"),
        ({"row": 1}, "unknown_input"),
    ]
    for data, code in refused:
        alice_socket.seq += 1
        await alice_socket.send({"type": "input", "seq": alice_socket.seq, "data": data})
        await alice_socket.next("error", code=code, seq=alice_socket.seq)
    await alice_socket.send({"type": "input", "seq": 1, "data": {"column": 2}})
    await alice_socket.next("error", code="stale_seq", seq=1)
    for player, column in [(alice, 2), (bob, 1)] * 3 + [(alice, 2)]:
        await bob_socket.acked(player, await sockets[player].play({"column": column}))

    for socket in (alice_socket, bob_socket, carol_socket):
        end = await socket.next("end")
        assert end["result"]["reason"] == "four_in_a_row"
        validator("connect_four_result").validate(end["result"])
        assert await socket.closed() == protocol.CLOSE_ROOM_OVER
    late = await recorded(match, bob)
    await late.next("error", code="room_over")
    assert await late.closed() == protocol.CLOSE_ROOM_OVER

    seen = [alice_socket, bob_socket, carol_socket, first, late]
    assert types_seen(*seen) == set(SERVER_FRAMES)
    assert codes_seen(*seen) == {
        "replaced",
        "spectator",
        "not_your_turn",
        "column_full",
        "bad_column",
        "unknown_input",
        "stale_seq",
        "room_over",
        "chat_not_allowed",
    }


async def test_every_frame_of_a_battleship_match_is_in_the_schema(
    recorded, alice, bob, carol
) -> None:
    match = await sync_to_async(watched_match)("battleship", alice, bob, BATTLESHIP_SETTINGS)
    alice_socket, bob_socket = await recorded(match, alice), await recorded(match, bob)
    carol_socket = await recorded(match, carol)
    for socket in (alice_socket, bob_socket, carol_socket):
        await socket.next("snapshot")
    sockets = {alice: alice_socket, bob: bob_socket}
    placing = [
        (alice, {"random": True}),
        (alice, {"fleet": BATTLESHIP_FLEET}),
        (bob, {"fleet": BATTLESHIP_FLEET}),
        (alice, {"ready": True}),
        (bob, {"ready": True}),
    ]
    for player, data in placing:
        await bob_socket.acked(player, await sockets[player].play(data))
    # Alice misses, Bob hits twice (and fires again) then misses; Alice sinks every ship.
    shots = [(alice, [5, 5]), (bob, [4, 0]), (bob, [5, 0]), (bob, [5, 5])]
    shots += [(alice, [int(n) for n in cell.split(",")]) for cell in BATTLESHIP_SHIP_CELLS]
    for player, target in shots:
        await bob_socket.acked(player, await sockets[player].play({"fire": target}))

    for socket in (alice_socket, bob_socket, carol_socket):
        end = await socket.next("end")
        assert end["result"]["scores"] == {str(alice.pk): 3, str(bob.pk): 1}
        validator("battleship_result").validate(end["result"])
        assert await socket.closed() == protocol.CLOSE_ROOM_OVER
        assert socket.state is not None
        assert socket.state["phase"] == "over"


async def test_every_frame_of_an_arena_match_is_in_the_schema(
    recorded, alice, bob, carol, settings, fresh_cache
) -> None:
    settings.SEAT_WINDOW_SECONDS = 0.25
    match = await sync_to_async(watched_match)("arena", alice, bob)
    alice_socket, bob_socket = await recorded(match, alice), await recorded(match, bob)
    carol_socket = await recorded(match, carol)
    for socket in (alice_socket, bob_socket, carol_socket):
        await socket.next("snapshot")

    await bob_socket.acked(alice, await alice_socket.play({"dir": [0.6, -0.8]}))
    await bob_socket.acked(alice, await alice_socket.play({"dash": True}))
    await bob_socket.acked(bob, await bob_socket.play({"dir": [-1, 0]}))
    refused = [
        ({"dash": True}, "dash_unavailable"),
        ({"dir": [2, 0]}, "bad_direction"),
        ({"jump": True}, "unknown_input"),
    ]
    for data, code in refused:
        alice_socket.seq += 1
        await alice_socket.send({"type": "input", "seq": alice_socket.seq, "data": data})
        await alice_socket.next("error", code=code, seq=alice_socket.seq)
    await bob_socket.send({"type": "ping", "t": 17})
    await bob_socket.next("pong", t=17)
    await bob_socket.send({"type": "reaction", "reaction": "nice"})
    await bob_socket.send({"type": "chat", "text": "so fast"})
    await carol_socket.next("reaction", reaction="nice")
    await carol_socket.next("chat", text="so fast")
    await carol_socket.send({"type": "chat", "text": "go"})
    await carol_socket.next("error", code="chat_not_allowed")

    # Alice leaves for longer than the seat window: arena takes her off the field.
    await alice_socket.socket.disconnect()
    alice_id = str(alice.pk)
    await carol_socket.until(lambda _: alice_id in carol_socket.state["departed"])
    alice_socket = await recorded(match, alice)
    snapshot = await alice_socket.next("snapshot")
    assert snapshot["room"]["players"][alice_id]["gone"] is True
    await alice_socket.play({"dir": [0, 1]})
    await alice_socket.next("error", code="not_playing")
    await alice_socket.socket.disconnect()
    await bob_socket.socket.disconnect()

    end = await carol_socket.next("end")
    assert end["result"]["reason"] == "abandoned"
    validator("arena_result").validate(end["result"])
    assert await carol_socket.closed() == protocol.CLOSE_ROOM_OVER

    assert types_seen(alice_socket, bob_socket, carol_socket) == set(SERVER_FRAMES)
    assert codes_seen(alice_socket) == {"not_playing"}


async def test_an_end_from_the_admin_is_in_the_schema(recorded, admin_user, alice, bob) -> None:
    match = await sync_to_async(watched_match)("connect_four", alice, bob)
    socket = await recorded(match, alice)
    await socket.next("snapshot")
    staff = AsyncClient()
    await sync_to_async(staff.force_login)(admin_user)
    await staff.post("/admin/games/match/live/", {"room": str(match.pk)})
    end = await socket.next("end")
    assert end["result"] == {"placements": {}, "scores": {}, "reason": "ended_by_admin"}
    validator("connect_four_result").validate(end["result"])
    assert await socket.closed() == protocol.CLOSE_ROOM_OVER


async def test_refusals_and_their_close_codes_are_in_the_schema(
    recorded, alice, bob, carol
) -> None:
    unwatched = await sync_to_async(match_create)(
        game="connect_four", settings={}, players=[alice, bob]
    )
    unknown = Match(game="connect_four")
    refusals = [
        (unwatched, None, "not_authenticated", protocol.CLOSE_NOT_AUTHENTICATED),
        (unknown, alice, "no_such_room", protocol.CLOSE_NO_SUCH_ROOM),
        (unwatched, carol, "not_a_player", protocol.CLOSE_NOT_A_PLAYER),
    ]
    for match, user, code, close_code in refusals:
        socket = await recorded(match, user)
        error = await socket.next("error", code=code)
        assert error["tick"] == 0
        assert await socket.closed() == close_code


def started_lobby(game: str, alice: object, bob: object) -> tuple[Lobby, Match]:
    """A lobby that allows spectators, in a game its host started: kicks hold in its match."""
    lobby = lobby_create(host=alice, game=game, allow_spectators=True)
    lobby_join(code=lobby.code, user=bob)
    lobby_set_ready(lobby=lobby, user=bob, ready=True)
    return lobby, lobby_start(lobby=lobby, user=alice)


async def test_a_full_room_and_a_kick_are_in_the_schema(
    recorded, settings, alice, bob, carol, dave
) -> None:
    settings.MAX_SPECTATORS = 1
    lobby, match = await sync_to_async(started_lobby)("connect_four", alice, bob)
    alice_socket, carol_socket = await recorded(match, alice), await recorded(match, carol)
    await carol_socket.next("snapshot")
    await alice_socket.next("spectators", spectators=[{"id": str(carol.pk), "name": "Carol"}])
    dave_socket = await recorded(match, dave)
    await dave_socket.next("error", code="spectators_full", tick=0)
    assert await dave_socket.closed() == protocol.CLOSE_SPECTATORS_FULL

    await sync_to_async(lobby_kick)(lobby=lobby, user=alice, target=carol)
    await carol_socket.next("error", code="kicked", tick=0)
    assert await carol_socket.closed() == protocol.CLOSE_NOT_A_PLAYER
    await alice_socket.next("spectators", spectators=[])
    assert codes_seen(dave_socket, carol_socket) == {"spectators_full", "kicked"}


async def test_rate_limit_and_flood_frames_are_in_the_schema(
    recorded, alice, bob, settings
) -> None:
    settings.INPUT_RATE_PER_SECOND = 5
    match = await sync_to_async(watched_match)("connect_four", alice, bob)
    socket = await recorded(match, alice)
    await socket.next("snapshot")
    for seq in range(1, 300):
        await socket.send({"type": "input", "seq": seq, "data": {"column": seq % 7}})
    assert await socket.closed() == protocol.CLOSE_FLOODING
    assert {"rate_limited", "flooding"} <= codes_seen(socket)


# Each frame the socket refuses, with the code it answers with. Text that is not JSON is
# outside any schema; the schema cannot count characters either (its $comment says so),
# but refuses this too-large frame for its long list.
SOCKET_REFUSES = [
    ("not json", "bad_json"),
    ('{"type":"input","seq":1,"data":{"column":NaN}}', "bad_json"),
    ('{"type":"input","seq":1,"data":{"column":[' + ",".join("1" * 600) + "]}}", "too_large"),
    ("[1,2]", "bad_frame"),
    ('"ping"', "bad_frame"),
    ('{"type":"ping"}', "bad_frame"),
    ('{"type":"ping","t":true}', "bad_frame"),
    ('{"type":"ping","t":"12"}', "bad_frame"),
    ('{"type":"teleport"}', "unknown_type"),
    ("{}", "unknown_type"),
    ('{"type":"input","seq":0,"data":{}}', "bad_seq"),
    ('{"type":"input","seq":"1","data":{}}', "bad_seq"),
    ('{"type":"input","seq":9007199254740992,"data":{}}', "bad_seq"),
    ('{"type":"input","data":{"column":1}}', "bad_seq"),
    ('{"type":"input","seq":1,"data":[]}', "bad_input"),
    ('{"type":"input","seq":1}', "bad_input"),
    ('{"type":"input","seq":1,"data":{"a":{"b":{"c":{"d":1}}}}}', "bad_input"),
    ('{"type":"input","seq":1,"data":{"a":[[[1]]]}}', "bad_input"),
    ('{"type":"input","seq":1,"data":{"column":9007199254740993}}', "bad_input"),
    ('{"type":"input","seq":1,"data":{"column":null}}', "bad_input"),
    ('{"type":"input","seq":1,"data":{"list":[1,2,3,4,5,6,7,8,9]}}', "bad_input"),
    (
        '{"type":"input","seq":1,"data":{' + ",".join(f'"k{i}":1' for i in range(9)) + "}}",
        "bad_input",
    ),
]


async def test_chat_and_reactions_and_their_refusals_are_in_the_schema(
    recorded, alice, bob, carol, settings, fresh_cache
) -> None:
    settings.LOBBY_CHAT_MESSAGES_PER_WINDOW = 2
    match = await sync_to_async(watched_match)("connect_four", alice, bob)
    alice_socket, carol_socket = await recorded(match, alice), await recorded(match, carol)
    await alice_socket.next("snapshot")
    await carol_socket.next("snapshot")
    await alice_socket.send({"type": "chat", "text": "good luck"})
    await alice_socket.send({"type": "reaction", "reaction": "hello"})
    await alice_socket.send({"type": "reaction", "reaction": "gg"})
    for socket in (alice_socket, carol_socket):
        assert (await socket.next("chat"))["text"] == "good luck"
        assert (await socket.next("reaction"))["reaction"] == "hello"
    await alice_socket.next("error", code="chat_rate_limited")
    await carol_socket.send({"type": "chat", "text": "may I?"})
    await carol_socket.next("error", code="chat_not_allowed")
    for frame, code in [
        ({"type": "chat", "text": " "}, "chat_empty"),
        ({"type": "chat", "text": "x" * 301}, "chat_too_long"),
        ({"type": "chat", "text": "a\x00b"}, "chat_bad_text"),
        ({"type": "reaction", "reaction": "boo"}, "unknown_reaction"),
    ]:
        await alice_socket.socket.send_to(text_data=orjson.dumps(frame).decode())
        await alice_socket.next("error", code=code)
        assert not CLIENT_FRAME.is_valid(frame), frame


async def test_what_the_socket_refuses_the_schema_refuses(recorded, alice, bob) -> None:
    match = await sync_to_async(watched_match)("connect_four", alice, bob)
    socket = await recorded(match, alice)
    await socket.next("snapshot")
    for text, code in SOCKET_REFUSES:
        await socket.socket.send_to(text_data=text)
        await socket.next("error", code=code)
        if code == "bad_json":
            with pytest.raises(orjson.JSONDecodeError):
                orjson.loads(text)
        else:
            assert not CLIENT_FRAME.is_valid(orjson.loads(text)), text
    await socket.socket.send_to(bytes_data=b"\x00\x01")
    await socket.next("error", code="text_only")


# Inputs whose envelope is right but that the game refuses, with the code it answers with.
GAME_REFUSES = {
    "connect_four": [
        ({"column": 7}, "bad_column"),
        ({"column": -1}, "bad_column"),
        ({"column": "3"}, "bad_column"),
        ({"column": True}, "bad_column"),
        ({"column": 3, "row": 0}, "unknown_input"),
    ],
    "battleship": [
        ({"ready": False}, "unknown_input"),
        ({"random": "yes"}, "unknown_input"),
        ({"shoot": [0, 0]}, "unknown_input"),
        ({"fire": [0, 0], "ready": True}, "unknown_input"),
        ({"fleet": [[0, 0, "across"]]}, "bad_fleet"),
        ({"fleet": {"carrier": [0, 0, "up"]}}, "bad_fleet"),
    ],
    "arena": [
        ({"dir": [1.5, 0]}, "bad_direction"),
        ({"dir": [1]}, "bad_direction"),
        ({"dir": ["1", 0]}, "bad_direction"),
        ({"dash": False}, "unknown_input"),
        ({"dir": [0, 1], "dash": True}, "unknown_input"),
    ],
}


@pytest.mark.parametrize("game", GAME_REFUSES)
async def test_what_a_game_refuses_its_input_schema_refuses(
    recorded, alice, bob, game: str
) -> None:
    match = await sync_to_async(watched_match)(game, alice, bob)
    socket = await recorded(match, alice)
    await socket.next("snapshot")
    for seq, (data, code) in enumerate(GAME_REFUSES[game], start=1):
        await socket.send({"type": "input", "seq": seq, "data": data})
        await socket.next("error", code=code, seq=seq)
        assert not validator(f"{game}_input").is_valid(data), data


def _mutated(frame: dict[str, Any], change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    copy = orjson.loads(orjson.dumps(frame))
    change(copy)
    return copy


async def test_server_frames_off_the_protocol_are_refused(recorded, alice, bob) -> None:
    match = await sync_to_async(watched_match)("connect_four", alice, bob)
    socket = await recorded(match, alice)
    snapshot = await socket.next("snapshot")
    await socket.play({"column": 3})
    diff = await socket.next("diff")
    await socket.send({"type": "ping", "t": 1})
    pong = await socket.next("pong")
    broken = [
        _mutated(snapshot, lambda frame: frame.pop("acks")),
        _mutated(snapshot, lambda frame: frame.update(v=PROTOCOL_VERSION + 1)),
        _mutated(snapshot, lambda frame: frame["room"].update(you=None)),
        _mutated(snapshot, lambda frame: frame["room"].update(spectator=True)),
        _mutated(snapshot, lambda frame: frame["room"].update(secret=1)),
        _mutated(snapshot, lambda frame: frame["state"].update(turn=None)),
        _mutated(snapshot, lambda frame: frame["room"]["players"][str(alice.pk)].pop("gone")),
        _mutated(diff, lambda frame: frame.update(base=-1)),
        _mutated(diff, lambda frame: frame.update(acks={str(alice.pk): 1})),
        _mutated(diff, lambda frame: frame.update(extra=True)),
        _mutated(pong, lambda frame: frame.update(tick=-1)),
        {"type": "error", "tick": 3, "code": "no_such_code", "message": "?"},
        {"type": "error", "tick": 3, "code": "bad_column", "message": "bad_column"},
        {"type": "error", "tick": 3, "code": "bad_json", "message": "?", "seq": 4},
        {"type": "error", "tick": 3, "code": "room_over", "message": "This game is over."},
        {"type": "end", "tick": 9, "result": {"placements": {}, "scores": {}}},
        {"type": "presence", "tick": 9},
    ]
    for frame in broken:
        assert not SERVER_FRAME.is_valid(frame), frame
        assert not EITHER_FRAME.is_valid(frame), frame

    # A game the protocol does not describe owns its state, which never holds null.
    chess = _mutated(snapshot, lambda frame: frame["room"].update(game="chess"))
    chess["state"] = {"board": [["rook", 1, True]]}
    assert SERVER_FRAME.is_valid(chess)
    chess["state"] = {"board": [["rook", None, True]]}
    assert not SERVER_FRAME.is_valid(chess)


def test_the_schema_is_a_valid_2020_12_schema_naming_every_close_code() -> None:
    Draft202012Validator.check_schema(SCHEMA)
    close_codes = {value for name, value in vars(protocol).items() if name.startswith("CLOSE_")}
    in_schema = {entry["const"] for entry in SCHEMA["$defs"]["close_code"]["oneOf"]}
    on_the_page = {int(code) for code in _first_column("Close codes")}
    assert in_schema == close_codes == on_the_page


def _first_column(section: str) -> set[str]:
    """The first column of the table in docs/protocol.md's section, without its header."""
    page = (ROOT / "docs" / "protocol.md").read_text()
    text = page.split(f"\n## {section}\n", 1)[1].split("\n## ", 1)[0]
    body = text.split("| --- |", 1)[1]
    return set(re.findall(r"^\| `?([a-z_0-9]+)`? \|", body, flags=re.MULTILINE))


def test_the_schema_has_every_error_code_of_the_protocol_page() -> None:
    assert set(SCHEMA["$defs"]["error_code"]["enum"]) == _first_column("Error codes")


def test_the_page_the_schema_the_server_and_the_browser_client_name_one_version() -> None:
    page = (ROOT / "docs" / "protocol.md").read_text()
    net = (ROOT / "static" / "js" / "net.js").read_text()
    assert page.startswith(f"# Play protocol, version {PROTOCOL_VERSION}\n")
    assert SCHEMA["title"] == f"Play protocol, version {PROTOCOL_VERSION}"
    assert SCHEMA["$defs"]["snapshot_frame"]["properties"]["v"]["const"] == PROTOCOL_VERSION
    assert f"export const PROTOCOL_VERSION = {PROTOCOL_VERSION};" in net
    assert f"@property {{{PROTOCOL_VERSION}}} v The protocol version." in net


def test_the_browser_client_types_every_frame_of_the_schema() -> None:
    net = (ROOT / "static" / "js" / "net.js").read_text()
    frames = [*CLIENT_FRAMES.values(), *SERVER_FRAMES.values()]
    for name in [*frames, "client_frame", "server_frame"]:
        typedef = "".join(word.capitalize() for word in name.split("_"))
        assert re.search(rf"@typedef \{{.+\}} {typedef}\b", net), typedef
