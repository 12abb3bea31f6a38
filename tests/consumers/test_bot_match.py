"""A match against the game's bot, through the real socket: the bot answers each move by
itself, and the result is recorded for its seat too."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from django.db import IntegrityError, transaction

from games.models import Match, MatchPlayer
from games.services import match_create, match_room_spec

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def match(alice) -> Match:
    return match_create(game="connect_four", settings={}, players=[alice], bots=["hard"])


def test_a_bot_takes_the_seat_after_the_players_with_its_level(match, alice) -> None:
    seats = list(match.players.order_by("seat"))
    assert [(seat.user, seat.bot_level, seat.player_id, seat.name) for seat in seats] == [
        (alice, "", str(alice.pk), str(alice)),
        (None, "hard", "bot1", "Bot 2 (hard)"),
    ]
    spec = match_room_spec(match_id=str(match.pk))
    assert spec is not None
    assert spec.bots == {"bot1": "hard"}
    assert spec.players == [(str(alice.pk), str(alice)), ("bot1", "Bot 2 (hard)")]


@pytest.mark.parametrize(("game", "bots"), [("connect_four", ["clever"]), ("arena", ["hard"])])
def test_a_bot_level_the_game_does_not_have_is_refused(alice, game: str, bots: list[str]) -> None:
    with pytest.raises(ValueError, match="bot levels are"):
        match_create(game=game, settings={}, players=[alice], bots=bots)
    assert not Match.objects.exists()


def test_a_seat_is_a_user_s_or_a_bot_s_never_both(match, alice) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        MatchPlayer.objects.create(match=match, user=alice, bot_level="hard", seat=5)
    with pytest.raises(IntegrityError), transaction.atomic():
        MatchPlayer.objects.create(match=match, seat=6)


async def test_the_bot_answers_each_move_until_the_end(receive, connect, match, alice) -> None:
    socket = await connect(match.pk, alice)
    snapshot = await receive(socket, "snapshot")
    me = str(alice.pk)
    assert snapshot["room"]["players"]["bot1"]["bot"] is True
    cells = snapshot["state"]["cells"]
    seq = 0
    while True:
        column = next(c for c in range(7) if f"5,{c}" not in cells)
        seq += 1
        await socket.send_to(
            text_data=f'{{"type":"input","seq":{seq},"data":{{"column":{column}}}}}'
        )
        frame = await receive(socket, "diff")
        cells.update(frame["diff"].get("cells", {}))
        if frame["diff"].get("over"):
            break
        frame = await receive(socket, "diff")
        assert frame["acks"][1] == seq  # the bot, in seat 1
        cells.update(frame["diff"].get("cells", {}))
        if frame["diff"].get("over"):
            break
    end = await receive(socket, "end")
    assert end["result"]["placements"] == {"bot1": 1, me: 2}
    await socket.disconnect()
    seats = await sync_to_async(list)(MatchPlayer.objects.filter(match=match).order_by("seat"))
    assert [(seat.placement, seat.score) for seat in seats] == [(2, 0), (1, 1)]
