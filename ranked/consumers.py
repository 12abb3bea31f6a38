"""The queue socket, `/ws/queue/<game>/`: while it is open its user waits in the game's
ranked queue, and when it closes they leave it (docs/api.md, Ranked queue).

Every `STATUS_SECONDS` it marks the user present, runs the matching for the game (the
first turn always, later ones when due: ranked/services.py) and tells the user their
wait and window; a match found (here or by another process, which tells this socket
through the user's group) is sent as `matched`, and the socket closes.
Its frames are bounded as the lobby sockets' are (`BoundedSocket`), a user holds at most
MAX_LOBBY_SOCKETS_PER_USER of them per process, and a frame from the client brings the
next turn forward, never closer than `MIN_TURN_SECONDS` to the last: a flood of frames
cannot drive the matching's locked queries.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from channels.db import database_sync_to_async
from django.conf import settings

from game_server import metrics
from game_server.limits import SocketSlots
from games.engine.tasks import cancel_and_wait
from lobby.consumers import CLOSE_LEFT, CLOSE_REFUSED, CLOSE_TOO_MANY, BoundedSocket
from lobby.services import LobbyError
from ranked.services import queue_join, queue_leave, queue_status, user_group

logger = logging.getLogger(__name__)

STATUS_SECONDS = 2.0
MIN_TURN_SECONDS = 0.5


class QueueConsumer(BoundedSocket):
    slots = SocketSlots()
    socket_name = "queue"
    counted_in = metrics.SOCKETS_OPEN.labels("queue")
    # Whether this socket holds its user's place, to give it back when it closes.
    holding = False
    turns: asyncio.Task[None] | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Set to run the next turn now rather than at its time.
        self.wake = asyncio.Event()

    async def connect(self) -> None:
        await self.accept()
        user = self.scope["user"]
        if not user.is_authenticated:
            message = "Sign in or play as a guest first."
            await self.end_with_error("AUTH_REQUIRED", message, CLOSE_REFUSED)
            return
        if not await self.take_slot(str(user.pk), limit=settings.MAX_LOBBY_SOCKETS_PER_USER):
            return
        game = self.scope["url_route"]["kwargs"]["game"]
        try:
            await database_sync_to_async(queue_join)(user=user, game=game, holder=self.channel_name)
        except LobbyError as error:
            too_many = error.code == "RATE_LIMITED"
            await self.end_with_error(
                error.code,
                error.message,
                CLOSE_TOO_MANY if too_many else CLOSE_REFUSED,
                retry_after=error.retry_after,
            )
            return
        self.holding = True
        await self.channel_layer.group_add(user_group(user.pk), self.channel_name)
        self.turns = asyncio.get_running_loop().create_task(self._every_turn())

    async def _every_turn(self) -> None:
        joined = True
        while await self._turn(just_joined=joined):
            joined = False
            await asyncio.sleep(MIN_TURN_SECONDS)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), STATUS_SECONDS - MIN_TURN_SECONDS)
            self.wake.clear()

    async def _turn(self, *, just_joined: bool) -> bool:
        """Tells the user where they stand; False once there is nothing more to say. The
        first turn matches the game's queue at once: the new player may complete a group."""
        place = await database_sync_to_async(queue_status)(
            user=self.scope["user"], holder=self.channel_name, just_joined=just_joined
        )
        if place is None:
            # Another socket of the user took the place (a reload, another tab).
            self.holding = False
            await self.end_with_error("REPLACED", "The queue goes on in another tab.", CLOSE_LEFT)
            return False
        if place["state"] == "matched":
            await self.send_json({"type": "matched", **place})
            await self.close()
            return False
        await self.send_json({"type": "queue", **place})
        return True

    async def queue_matched(self, event: dict[str, Any]) -> None:
        """Another process found this user's match: say so now, not at the next turn."""
        self.wake.set()

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        """The client has nothing to say: any frame (a ping) brings the next turn forward."""
        self.wake.set()

    async def disconnect(self, code: int) -> None:
        if self.turns is not None:
            await cancel_and_wait(self.turns)
        user = self.scope["user"]
        if self.holding:
            await self.channel_layer.group_discard(user_group(user.pk), self.channel_name)
            left = await database_sync_to_async(queue_leave)(user=user, holder=self.channel_name)
            logger.info("user %s left the ranked queue of %s (socket closed)", user.pk, left)
