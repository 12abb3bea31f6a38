"""The lobby API's OpenAPI document (/api/openapi.json) lists what docs/api.md lists, and
what the API really answers, success or refusal, fits what the document declares."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client
from django.utils import timezone
from jsonschema import Draft202012Validator

from games.models import MatchReplay
from games.rules.base import Result
from games.services import match_finish
from lobby import services
from lobby.models import Membership, User
from tests.replay_check import finish_through_a_room
from tests.servers import ROOT

API_DOCS = (ROOT / "docs/api.md").read_text()
CALL_HEADING = re.compile(r"^### `(GET|POST|PUT|PATCH|DELETE) (/api/[^`\s]*)`", re.M)
ERROR_ROW = re.compile(r"^\| `([A-Z_]+)` \| (\d{3}) \|", re.M)
JSON = "application/json"


def documented_calls() -> dict[tuple[str, str], str]:
    """Each call of docs/api.md, as (method, OpenAPI path), with its section's text."""
    calls = {}
    for heading in CALL_HEADING.finditer(API_DOCS):
        next_heading = re.compile(r"^#", re.M).search(API_DOCS, heading.end())
        section = API_DOCS[heading.end() : next_heading.start() if next_heading else None]
        calls[(heading[1], re.sub(r"<(\w+)>", r"{\1}", heading[2]))] = section
    return calls


def documented_errors(section: str) -> set[str]:
    """The codes of a call's `Errors:` paragraph (none for calls that list none)."""
    if "Errors:" not in section:
        return set()
    paragraph = section[section.index("Errors:") :].split("\n\n")[0]
    return set(re.findall(r"`([A-Z_]+)`", paragraph))


@pytest.fixture(scope="module")
def openapi() -> dict[str, Any]:
    response = Client().get("/api/openapi.json")
    assert response.status_code == 200
    return response.json()


def operations(openapi: dict[str, Any]) -> set[tuple[str, str]]:
    return {(method.upper(), path) for path, item in openapi["paths"].items() for method in item}


def resolve(openapi: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = openapi["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def declared_refusals(openapi: dict[str, Any], method: str, path: str) -> dict[int, set[str]]:
    """The error codes the document declares for an operation, per HTTP status."""
    answers = openapi["paths"][path][method.lower()]["responses"]
    refusals = {}
    for status, answer in answers.items():
        if int(status) >= 400:
            envelope = resolve(openapi, answer["content"][JSON]["schema"])
            detail = resolve(openapi, envelope["properties"]["error"])
            code = detail["properties"]["code"]
            refusals[int(status)] = set(code["enum"]) if "enum" in code else {code["const"]}
    return refusals


def operation_of(openapi: dict[str, Any], response: Any) -> tuple[str, str]:
    """The (method, OpenAPI path) a test client's request went to."""
    url = response.request["PATH_INFO"]
    for path in openapi["paths"]:
        if re.fullmatch(re.sub(r"\{\w+\}", "[^/]+", path), url):
            return response.request["REQUEST_METHOD"], path
    raise AssertionError(f"{url} is in no path of the document")


def assert_fits(openapi: dict[str, Any], response: Any) -> None:
    """The answer's status is declared for its operation, and its body fits that schema."""
    method, path = operation_of(openapi, response)
    answers = openapi["paths"][path][method.lower()]["responses"]
    status = str(response.status_code)
    assert status in answers, f"{method} {path} answered {status}, not declared: {response.content}"
    assert response["Content-Type"] == JSON
    schema = answers[status]["content"][JSON]["schema"]
    # The schema's $refs point into the document's components.
    Draft202012Validator({**schema, "components": openapi["components"]}).validate(response.json())
    for header in answers[status].get("headers", {}):
        assert response.has_header(header), f"{method} {path} {status} without {header}"


def test_the_document_is_openapi_3(openapi):
    assert openapi["openapi"].startswith("3.")
    assert openapi["info"]["title"] == "Game Server lobby API"


def test_every_call_in_docs_api_md_is_in_the_document_and_back(openapi):
    assert set(documented_calls()) == operations(openapi)


@pytest.mark.parametrize("call", documented_calls(), ids=" ".join)
def test_every_error_docs_api_md_lists_for_a_call_is_declared_for_it(openapi, call):
    statuses = {code: int(status) for code, status in ERROR_ROW.findall(API_DOCS)}
    declared = declared_refusals(openapi, *call)
    for code in documented_errors(documented_calls()[call]):
        assert code in declared.get(statuses[code], set()), f"{code} is not declared"


def test_every_declared_refusal_has_the_status_docs_api_md_gives_its_code(openapi):
    statuses = {code: int(status) for code, status in ERROR_ROW.findall(API_DOCS)}
    declared = {
        (code, status)
        for call in operations(openapi)
        for status, codes in declared_refusals(openapi, *call).items()
        for code in codes
    }
    assert {code for code, _ in declared} == set(statuses) - {"METHOD_NOT_ALLOWED"}
    assert {(code, statuses[code]) for code, _ in declared} == declared


def test_calls_for_anyone_take_credentials_but_need_none(openapi):
    anyone = {
        call
        for call in operations(openapi)
        if {} in openapi["paths"][call[1]][call[0].lower()]["security"]
    }
    assert anyone == {
        ("POST", "/api/guest/"),
        ("POST", "/api/login/"),
        ("GET", "/api/games/"),
        ("GET", "/api/lobbies/"),
        ("GET", "/api/leaderboards/{game}/"),
    }


def test_every_rate_limited_answer_declares_retry_after(openapi):
    limited = [
        path[method]["responses"]["429"]
        for path in openapi["paths"].values()
        for method in path
        if "429" in path[method]["responses"]
    ]
    assert len(limited) == 19
    for answer in limited:
        assert answer["headers"]["Retry-After"]["schema"]["type"] == "integer"


@dataclass
class Api:
    """A client of one user: a bearer token, JSON bodies."""

    token: str

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def get(self, url: str) -> Any:
        return Client().get(url, headers=self.headers())

    def post(self, url: str, body: Any = None, *, raw: str | None = None) -> Any:
        data = raw if raw is not None else ("" if body is None else body)
        return Client().post(
            url, data, content_type=JSON, headers={"Authorization": f"Bearer {self.token}"}
        )


def _api(user: User) -> Api:
    return Api(services.api_token_create(user=user))


@pytest.mark.django_db
def test_every_call_answers_as_the_document_says(openapi, alice, bob, carol):
    answered = set()

    def expect(response: Any, status: int) -> Any:
        assert response.status_code == status, response.content
        assert_fits(openapi, response)
        answered.add(operation_of(openapi, response))
        return response.json()

    guest = expect(Client().post("/api/guest/", {"name": "Botty"}, content_type=JSON), 201)
    log_in = {"username": "alice", "password": "correct horse battery"}
    as_alice = Api(expect(Client().post("/api/login/", log_in, content_type=JSON), 201)["token"])
    as_bob, as_carol = _api(bob), _api(carol)
    expect(Client().get("/api/games/"), 200)
    code = expect(as_alice.post("/api/lobbies/", {"game": "arena"}), 201)["lobby"]["code"]
    lobby = f"/api/lobbies/{code}"
    expect(Client().get("/api/lobbies/?game=arena"), 200)
    expect(as_bob.get(f"{lobby}/"), 200)
    expect(as_bob.post(f"{lobby}/join/"), 200)
    expect(as_alice.post(f"{lobby}/settings/", {"settings": {"duration": 60}}), 200)
    expect(as_bob.post(f"{lobby}/ready/", {"ready": True}), 200)
    expect(as_bob.post(f"{lobby}/chat/", {"text": "gl hf"}), 200)
    expect(as_carol.post(f"{lobby}/join/"), 200)
    expect(as_alice.post(f"{lobby}/kick/", {"user_id": carol.pk}), 200)
    expect(as_alice.post(f"{lobby}/host/", {"user_id": bob.pk}), 200)
    expect(as_bob.post(f"{lobby}/host/", {"user_id": alice.pk}), 200)
    bots = expect(as_alice.post(f"{lobby}/add_bot/", {"level": "normal"}), 200)["lobby"]["bots"]
    expect(as_alice.post(f"{lobby}/remove_bot/", {"bot_id": bots[0]["id"]}), 200)
    expect(as_alice.post(f"{lobby}/add_bot/"), 200)
    match_id = expect(as_alice.post(f"{lobby}/start/"), 200)["match_id"]
    expect(as_bob.get("/api/me/"), 200)
    expect(as_bob.post("/api/socket-ticket/"), 201)
    expect(as_bob.post(f"{lobby}/leave/"), 200)
    expect(as_alice.post(f"{lobby}/close/"), 200)
    expect(as_carol.post("/api/queue/", {"game": "connect_four"}), 201)
    expect(as_carol.get("/api/queue/"), 200)
    expect(Client().delete("/api/queue/", headers=as_carol.headers()), 200)
    code = expect(as_carol.post("/api/quick-play/", {"game": "arena"}), 200)["lobby"]["code"]
    Membership.objects.filter(user=carol).update(joined_at=timezone.now() - timedelta(hours=1))
    expect(as_carol.post(f"/api/lobbies/{code}/fill_with_bots/"), 200)
    expect(Api(guest["token"]).post("/api/play-computer/", {"game": "connect_four"}), 201)
    expect(as_carol.get("/api/leaderboards/arena/"), 200)
    expect(Client().get("/api/leaderboards/arena/"), 200)
    finish_through_a_room(match_id, inputs=[(str(bob.pk), {"dir": [1, 0]})])
    expect(as_bob.get(f"/api/matches/{match_id}/replay/"), 200)
    expect(as_bob.get(f"/api/matches/{match_id}/replay/frames/"), 200)
    expect(as_carol.post("/api/logout/"), 200)

    assert answered == operations(openapi)


@dataclass
class World:
    """Alice hosts an open arena lobby where Bob sits; Carol sits in no lobby."""

    alice: Api
    bob: Api
    carol: Api
    lobby: str
    alice_id: int
    bob_id: int
    settings: Any

    def started(self) -> str:
        """Starts the match; its id."""
        assert self.bob.post(f"{self.lobby}/ready/", {"ready": True}).status_code == 200
        started = self.alice.post(f"{self.lobby}/start/")
        assert started.status_code == 200
        return str(started.json()["match_id"])

    def replay(self, match_id: str, *, by: Api | None = None) -> Any:
        return (by or self.alice).get(f"/api/matches/{match_id}/replay/")


@pytest.fixture
def world(alice, bob, carol, settings) -> World:
    as_alice, as_bob = _api(alice), _api(bob)
    code = as_alice.post("/api/lobbies/", {"game": "arena"}).json()["lobby"]["code"]
    as_bob.post(f"/api/lobbies/{code}/join/")
    lobby = f"/api/lobbies/{code}"
    return World(as_alice, as_bob, _api(carol), lobby, alice.pk, bob.pk, settings)


def _session_without_csrf_token(world: World) -> Any:
    client = Client(enforce_csrf_checks=True)
    client.force_login(User.objects.get(pk=world.bob_id))
    return client.post(f"{world.lobby}/ready/", {"ready": True}, content_type=JSON)


def _over_the_action_budget(world: World) -> Any:
    world.settings.LOBBY_ACTIONS_PER_WINDOW = 1
    world.bob.post(f"{world.lobby}/ready/", {"ready": True})
    return world.bob.post(f"{world.lobby}/ready/", {"ready": False})


def _over_the_chat_budget(world: World) -> Any:
    world.settings.LOBBY_CHAT_MESSAGES_PER_WINDOW = 1
    world.bob.post(f"{world.lobby}/chat/", {"text": "one"})
    return world.bob.post(f"{world.lobby}/chat/", {"text": "two"})


def _over_the_lookup_budget(world: World) -> Any:
    world.settings.LOBBY_LOOKUPS_PER_ADDRESS_PER_MINUTE = 1
    world.carol.get("/api/lobbies/ZZZZZZ/")
    return world.carol.get(f"{world.lobby}/")


def _over_the_guest_budget(world: World) -> Any:
    world.settings.GUESTS_PER_ADDRESS_PER_HOUR = 1
    Client().post("/api/guest/")
    return Client().post("/api/guest/")


def _kicked(world: World) -> Any:
    world.alice.post(f"{world.lobby}/kick/", {"user_id": world.bob_id})
    return world.bob.post(f"{world.lobby}/join/")


def _full(world: World) -> Any:
    world.alice.post(f"{world.lobby}/settings/", {"max_players": 2})
    return world.carol.post(f"{world.lobby}/join/")


def _ready_in_a_game(world: World) -> Any:
    world.started()
    return world.bob.post(f"{world.lobby}/ready/", {"ready": True})


def _quick_play_in_a_game(world: World) -> Any:
    world.started()
    return world.bob.post("/api/quick-play/", {"game": "arena"})


def _queued_twice(world: World) -> Any:
    world.carol.post("/api/queue/", {"game": "arena"})
    return world.carol.post("/api/queue/", {"game": "arena"})


def _over_the_queue_budget(world: World) -> Any:
    world.settings.RANKED_JOINS_PER_WINDOW = 1
    world.carol.post("/api/queue/", {"game": "arena"})
    Client().delete("/api/queue/", headers=world.carol.headers())
    return world.carol.post("/api/queue/", {"game": "arena"})


def _alone(world: World) -> Any:
    code = world.carol.post("/api/lobbies/", {"game": "arena"}).json()["lobby"]["code"]
    return world.carol.post(f"/api/lobbies/{code}/start/")


def _bots_too_early(world: World) -> Any:
    world.bob.post(f"{world.lobby}/leave/")
    return world.alice.post(f"{world.lobby}/fill_with_bots/")


def _computer_without_bot(world: World) -> Any:
    world.settings.GAMES = ["games.rules.arena", "tests.harness.example_game"]
    return world.carol.post("/api/play-computer/", {"game": "rock_paper_scissors"})


def _replay_of_a_running_match(world: World) -> Any:
    return world.replay(world.started())


def _replay_by_a_stranger(world: World) -> Any:
    match_id = world.started()
    finish_through_a_room(match_id)
    return world.replay(match_id, by=world.carol)


def _replay_never_recorded(world: World) -> Any:
    match_id = world.started()
    result = Result(placements={}, scores={}, reason="not_opened")
    match_finish(match_id=match_id, result=result, aborted=True)
    return world.replay(match_id)


def _replay_of_old_rules(world: World) -> Any:
    match_id = world.started()
    finish_through_a_room(match_id)
    MatchReplay.objects.filter(match_id=match_id).update(game_version="0")
    return world.replay(match_id)


REFUSALS: dict[str, tuple[Callable[[World], Any], str]] = {
    "malformed body": (lambda w: w.alice.post("/api/lobbies/", raw="{"), "BAD_JSON"),
    "body of a call without one": (lambda w: w.bob.post(f"{w.lobby}/leave/", raw="[]"), "BAD_JSON"),
    "field of the wrong type": (
        lambda w: w.alice.post("/api/lobbies/", {"game": 3}),
        "BAD_REQUEST",
    ),
    "field missing": (lambda w: w.alice.post(f"{w.lobby}/kick/", {}), "BAD_REQUEST"),
    "no identity": (lambda w: Client().get("/api/me/"), "AUTH_REQUIRED"),
    "wrong token": (lambda w: Api("nope").get("/api/games/"), "BAD_TOKEN"),
    "session without CSRF token": (_session_without_csrf_token, "CSRF_FAILED"),
    "wrong password": (
        lambda w: Client().post(
            "/api/login/", {"username": "alice", "password": "no"}, content_type=JSON
        ),
        "LOGIN_FAILED",
    ),
    "member starts": (lambda w: w.bob.post(f"{w.lobby}/start/"), "NOT_HOST"),
    "stranger leaves": (lambda w: w.carol.post(f"{w.lobby}/leave/"), "NOT_MEMBER"),
    "kicked joins": (_kicked, "KICKED"),
    "unknown code": (lambda w: w.bob.get("/api/lobbies/ZZZZZZ/"), "LOBBY_NOT_FOUND"),
    "full lobby": (_full, "LOBBY_FULL"),
    "ready in a game": (_ready_in_a_game, "WRONG_STATE"),
    "start before ready": (lambda w: w.alice.post(f"{w.lobby}/start/"), "NOT_READY"),
    "start alone": (_alone, "TOO_FEW_PLAYERS"),
    "quick play in a game": (_quick_play_in_a_game, "IN_ANOTHER_MATCH"),
    "unknown game": (lambda w: w.carol.post("/api/quick-play/", {"game": "go"}), "UNKNOWN_GAME"),
    "bad bot level": (
        lambda w: w.alice.post(f"{w.lobby}/add_bot/", {"level": "genius"}),
        "BAD_BOT_LEVEL",
    ),
    "no such bot": (lambda w: w.alice.post(f"{w.lobby}/remove_bot/", {"bot_id": 1}), "NO_SUCH_BOT"),
    "a computer of a game without a bot": (_computer_without_bot, "NO_BOTS"),
    "bots before waiting alone": (_bots_too_early, "TOO_EARLY"),
    "no such leaderboard": (lambda w: w.carol.get("/api/leaderboards/go/"), "GAME_NOT_FOUND"),
    "queue twice": (_queued_twice, "ALREADY_QUEUED"),
    "queue for no game": (lambda w: w.carol.post("/api/queue/", {"game": "go"}), "UNKNOWN_GAME"),
    "read the queue outside it": (lambda w: w.carol.get("/api/queue/"), "NOT_QUEUED"),
    "leave the queue outside it": (
        lambda w: Client().delete("/api/queue/", headers=w.carol.headers()),
        "NOT_QUEUED",
    ),
    "queue while playing": (
        lambda w: (w.started(), w.bob.post("/api/queue/", {"game": "arena"}))[1],
        "IN_ANOTHER_MATCH",
    ),
    "too many queue joins": (_over_the_queue_budget, "RATE_LIMITED"),
    "no such match": (lambda w: w.replay(str(uuid.uuid4())), "MATCH_NOT_FOUND"),
    "replay of a running match": (_replay_of_a_running_match, "MATCH_RUNNING"),
    "replay by a stranger": (_replay_by_a_stranger, "REPLAY_FORBIDDEN"),
    "replay never recorded": (_replay_never_recorded, "REPLAY_NOT_RECORDED"),
    "replay of old rules": (_replay_of_old_rules, "REPLAY_OLD_VERSION"),
    "bad settings": (
        lambda w: w.alice.post(f"{w.lobby}/settings/", {"settings": {"duration": 1}}),
        "BAD_SETTINGS",
    ),
    "bad max players": (
        lambda w: w.carol.post("/api/lobbies/", {"game": "arena", "max_players": 99}),
        "BAD_MAX_PLAYERS",
    ),
    "bad name": (lambda w: w.alice.post(f"{w.lobby}/settings/", {"name": "a\nb"}), "BAD_NAME"),
    "host kicks self": (
        lambda w: w.alice.post(f"{w.lobby}/kick/", {"user_id": w.alice_id}),
        "CANNOT_KICK_SELF",
    ),
    "empty chat": (lambda w: w.bob.post(f"{w.lobby}/chat/", {"text": " "}), "CHAT_EMPTY"),
    "long chat": (lambda w: w.bob.post(f"{w.lobby}/chat/", {"text": "x" * 301}), "CHAT_TOO_LONG"),
    "chat with a NUL": (
        lambda w: w.bob.post(f"{w.lobby}/chat/", {"text": "\x00"}),
        "CHAT_BAD_TEXT",
    ),
    "too many actions": (_over_the_action_budget, "RATE_LIMITED"),
    "too many chat messages": (_over_the_chat_budget, "RATE_LIMITED"),
    "too many lobby codes": (_over_the_lookup_budget, "RATE_LIMITED"),
    "too many guests": (_over_the_guest_budget, "RATE_LIMITED"),
}


@pytest.mark.django_db
@pytest.mark.parametrize(("provoke", "code"), REFUSALS.values(), ids=REFUSALS.keys())
def test_every_kind_of_refusal_answers_as_the_document_says(openapi, world, provoke, code):
    response = provoke(world)

    assert response.json()["error"]["code"] == code
    assert_fits(openapi, response)


@pytest.mark.django_db
def test_a_method_a_url_does_not_take_is_refused_in_the_envelope(world):
    for method in ("get", "put", "patch", "delete", "options"):
        response = getattr(Client(), method)(f"{world.lobby}/join/")
        assert response.status_code == 405
        assert response.json()["error"]["code"] == "METHOD_NOT_ALLOWED"


def test_the_docs_page_loads_only_files_of_this_server(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    page = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]*)"', page)
    assert len(assets) >= 3
    for asset in assets:
        # Static files of this server: no scheme, no other host (`//cdn...`). The test
        # client serves none (tests/system/test_api_docs_in_production.py fetches them).
        assert asset.startswith(settings.STATIC_URL), asset
        assert finders.find(asset.removeprefix(settings.STATIC_URL)), asset
    assert '"url": "/api/openapi.json"' in page
    # Swagger UI would otherwise send the document's address to validator.swagger.io.
    assert '"validatorUrl": null' in page
