"""A pytest plugin (`-p tests.replay_check` in pyproject.toml): every match that a test
finishes in this process is replayed from its record at the test's end, and the test
fails unless the replay's final state and result equal the recorded ones byte for byte
(orjson bytes), and the result equals the one the match ended with.

It listens to `games.signals.match_ended`, which every match end sends once its result
is committed, and reads the match's `MatchReplay` there, in the thread that ended it,
before the test's database goes away. Matches ended without a room (aborted unopened,
or finished by hand in a test) have no replay record and nothing to check. Matches
that server processes finish (system and browser tests) send their signal in those
processes: `replayed_in_the_live_database` checks one from its database record, as
tests/system/test_match_on_daphne.py and tests/browser/test_replay_journey.py do.

`finish_through_a_room` gives tests a finished match with its replay, through a real room
run by hand.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import orjson
import pytest

from games.rules.base import Result
from tests.servers import LiveDatabase


@dataclass(frozen=True)
class Ended:
    match_id: str
    game: str
    # The result the match ended with, as the signal carried it.
    result: Result
    # Its record, or None if it ended without a room.
    record: object | None


def replay_mismatch(match_id: str, game: str, record: object, ended_with: Result) -> str:
    """What differs between a match's record and its replay; "" if nothing."""
    # Imported here: the plugin loads before pytest-django sets Django up.
    from games.models import MatchReplay
    from games.replay import replay
    from games.rules import CATALOGUE

    assert isinstance(record, MatchReplay)
    replayed = replay(CATALOGUE[game], record.recording())
    problems = []
    if orjson.dumps(replayed.state) != bytes(record.final_state):
        problems.append("its final state differs from the recorded one")
    if orjson.dumps(replayed.result) != bytes(record.result):
        problems.append(f"its result {replayed.result} differs from the recorded one")
    if orjson.dumps(ended_with) != bytes(record.result):
        problems.append(f"the recorded result differs from the one it ended with, {ended_with}")
    return f"match {match_id} ({game}) replayed: " + "; ".join(problems) if problems else ""


class ReplayCheck:
    def __init__(self) -> None:
        self.replayed = 0

    @pytest.fixture(autouse=True)
    def _every_finished_match_replays(self) -> Iterator[None]:
        # Imported here: the plugin loads before pytest-django sets Django up.
        from games.models import MatchReplay
        from games.signals import match_ended

        ended: list[Ended] = []

        def heard(sender: object, *, match: object, result: Result, **kwargs: object) -> None:
            record = MatchReplay.objects.filter(match=match).first()
            ended.append(Ended(str(match.pk), match.game, result, record))  # type: ignore[attr-defined]

        match_ended.connect(heard, weak=False)
        try:
            yield
        finally:
            match_ended.disconnect(heard)
        problems = [
            replay_mismatch(end.match_id, end.game, end.record, end.result)
            for end in ended
            if end.record is not None
        ]
        self.replayed += sum(end.record is not None for end in ended)
        if any(problems):
            pytest.fail("\n".join(problem for problem in problems if problem))

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if self.replayed:
            terminalreporter.write_line(
                f"replays: {self.replayed} finished matches replayed and equal to their records"
            )


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(ReplayCheck(), "replay_check_fixture")


def finish_through_a_room(
    match_id: str, *, inputs: Sequence[tuple[str, dict[str, object]]] = (), ticks: int = 5
) -> None:
    """Runs the running match's real room by hand for a few ticks, the inputs sent before
    the first, then ends it from outside (as the admin's End does) and records it as
    `record_end` does: a finished match with a replay, with no server running."""
    # Imported here: the plugin loads before pytest-django sets Django up.
    from games import services
    from games.engine.records import replay_record, room_from_spec

    spec = services.match_room_spec(match_id=match_id)
    assert spec is not None
    room = room_from_spec(spec)
    for seq, (player, data) in enumerate(inputs, start=1):
        room.submit(player, seq, data)
    for _ in range(ticks):
        room.tick()
    room.abort("ended_by_admin")
    assert room.result is not None
    services.match_finish(
        match_id=match_id, result=room.result, aborted=True, replay=replay_record(room)
    )


def recorded_replay_mismatch(match_id: str) -> str:
    """`replay_mismatch` of a match read from the database alone (its result as recorded):
    for matches that another process finished."""
    # Imported here: the plugin loads before pytest-django sets Django up.
    from games.models import MatchReplay

    record = MatchReplay.objects.select_related("match").get(match_id=match_id)
    ended_with = Result(**orjson.loads(bytes(record.result)))
    return replay_mismatch(match_id, record.match.game, record, ended_with)


def replayed_in_the_live_database(live_database: LiveDatabase, match_id: str) -> str:
    """ "equal" if the replay of a match that a server process finished equals its record,
    else what differs; read through the live database's own `manage.py shell`."""
    code = (
        "from tests.replay_check import recorded_replay_mismatch; "
        f"print(recorded_replay_mismatch('{match_id}') or 'equal')"
    )
    return live_database.manage("shell", "--no-imports", "-c", code).strip().splitlines()[-1]
