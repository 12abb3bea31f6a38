"""Twenty players join a four-seat lobby at once on PostgreSQL: four seats, sixteen refusals."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from lobby import services
from lobby.models import Lobby, Membership, User
from lobby.services import LobbyError

JOINERS = 20


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_joins_fill_exactly_the_free_seats():
    # An empty four-seat lobby, so that all four seats are up for grabs.
    lobby = Lobby.objects.create(code="RACE44", name="Race", game="arena", max_players=4)
    joiners = [
        User.objects.create_user(username=f"p{i}", display_name=f"P{i}") for i in range(JOINERS)
    ]
    barrier = threading.Barrier(JOINERS)

    def join(user: User) -> str:
        try:
            barrier.wait()
            services.lobby_join(code=lobby.code, user=user)
            return "joined"
        except LobbyError as error:
            return error.code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=JOINERS) as pool:
        outcomes = list(pool.map(join, joiners))

    assert outcomes.count("joined") == 4
    assert outcomes.count("LOBBY_FULL") == 16
    assert Membership.objects.filter(lobby=lobby).count() == 4
