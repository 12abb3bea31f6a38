"""Live lobby updates over WebSocket."""

from __future__ import annotations

import json
import logging
from typing import Any, ClassVar

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from prometheus_client import Gauge

from game_server import metrics
from game_server.limits import SocketSlots, socket_address
from lobby import actions, services
from lobby.actions import Who
from lobby.models import Lobby, User
from lobby.services import LOBBY_LIST_GROUP, LobbyError

logger = logging.getLogger(__name__)

# Close codes a client can tell apart: why the server ended the socket.
CLOSE_REFUSED = 4003
CLOSE_LEFT = 4000
# A frame over LOBBY_SOCKET_MAX_FRAME_BYTES (as 1009 is for a server's own limit).
CLOSE_FRAME_TOO_LARGE = 4009
# Too many sockets, or too many lobby codes tried: the client may try again later.
CLOSE_TOO_MANY = 4029
LIMIT_CLOSE_CODES = (CLOSE_FRAME_TOO_LARGE, CLOSE_TOO_MANY)


class BoundedSocket(AsyncJsonWebsocketConsumer):
    """What both lobby sockets share.

    - A frame over LOBBY_SOCKET_MAX_FRAME_BYTES is refused before it is decoded: the
      client gets FRAME_TOO_LARGE and the socket closes with 4009.
    - A frame that is not JSON, or binary, reaches `receive_json` as None instead of
      ending the consumer with an exception.
    - Sockets hold a slot of `slots` (per process) under a key, an address or a user,
      from `take_slot` until the socket ends.
    """

    slots: ClassVar[SocketSlots]
    slot_key: str | None = None
    # As log lines name the socket.
    socket_name: ClassVar[str]
    # The open sockets' count of this kind: a socket is in it while it holds a slot.
    counted_in: ClassVar[Gauge]

    async def websocket_receive(self, message: dict[str, Any]) -> None:
        text = message.get("text")
        frame = text.encode() if text is not None else message.get("bytes") or b""
        limit = settings.LOBBY_SOCKET_MAX_FRAME_BYTES
        if len(frame) > limit:
            explanation = f"Frames on this socket are limited to {limit} bytes."
            await self.end_with_error("FRAME_TOO_LARGE", explanation, CLOSE_FRAME_TOO_LARGE)
            return
        try:
            content = json.loads(text) if text is not None else None
        except ValueError:
            content = None
        await self.receive_json(content)

    async def take_slot(self, key: str, *, limit: int) -> bool:
        """A slot under `key`, or TOO_MANY_SOCKETS and the socket closes with 4029."""
        if not self.slots.take(key, limit=limit):
            message = "Too many of these sockets are open. Close some tabs and try again."
            await self.end_with_error("TOO_MANY_SOCKETS", message, CLOSE_TOO_MANY)
            return False
        self.slot_key = key
        self.counted_in.inc()
        return True

    async def end_with_error(
        self, code: str, message: str, close_code: int, *, retry_after: int = 0
    ) -> None:
        """The error frame (with `retry_after`, when given), then the close."""
        self._log_refused(code, close_code)
        frame: dict[str, Any] = {"type": "error", "code": code, "message": message}
        if retry_after:
            frame["retry_after"] = retry_after
        await self.send_json(frame)
        await self.close(code=close_code)

    def _log_refused(self, reason: str, close_code: int) -> None:
        """One line for each socket the server refuses or closes (docs/deploy.md, Logs):
        a warning for a limit, information for who may not come in."""
        lobby = self.scope["url_route"]["kwargs"].get("code")
        user_id = getattr(self.scope.get("user"), "pk", None)
        level = logging.WARNING if close_code in LIMIT_CLOSE_CODES else logging.INFO
        logger.log(
            level,
            "%s socket of user %s on lobby %s closed: %s",
            self.socket_name,
            user_id,
            lobby,
            reason,
            extra={
                "event": "socket_refused",
                "socket": self.socket_name,
                "lobby": lobby,
                "user_id": user_id,
                "reason": reason,
                "close_code": close_code,
            },
        )

    async def close(self, code: int | bool | None = None, reason: str | None = None) -> None:
        # A socket the server ends gives its slot back at once, not when the client
        # gets round to answering the close.
        self._give_slot_back()
        await super().close(code=code, reason=reason)

    async def websocket_disconnect(self, message: dict[str, Any]) -> None:
        self._give_slot_back()
        await super().websocket_disconnect(message)

    def _give_slot_back(self) -> None:
        if self.slot_key is not None:
            self.slots.give_back(self.slot_key)
            self.slot_key = None
            self.counted_in.dec()


class LobbyListConsumer(BoundedSocket):
    """Pushes changes of the public lobby list to whoever watches the list page.

    Anyone may listen, up to MAX_LOBBY_LIST_SOCKETS_PER_ADDRESS sockets per address.
    """

    slots = SocketSlots()
    socket_name = "lobby_list"
    counted_in = metrics.SOCKETS_OPEN.labels("lobby_list")
    listening = False

    async def connect(self) -> None:
        await self.accept()
        address = socket_address(self.scope)
        limit = settings.MAX_LOBBY_LIST_SOCKETS_PER_ADDRESS
        if not await self.take_slot(address, limit=limit):
            return
        await self.channel_layer.group_add(LOBBY_LIST_GROUP, self.channel_name)
        self.listening = True

    async def disconnect(self, code: int) -> None:
        if self.listening:
            await self.channel_layer.group_discard(LOBBY_LIST_GROUP, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        message = "The lobby list socket only sends; it takes no actions."
        await self.send_json({"type": "error", "code": "READ_ONLY", "message": message})

    async def lobby_list_changed(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "lobby_list", "lobby": event["lobby"]})


def _snapshot(lobby_id: int) -> dict[str, Any]:
    return services.lobby_snapshot(Lobby.objects.select_related("host").get(pk=lobby_id))


def _act(user: User, code: str, address: str, content: dict[str, Any]) -> None:
    """Takes one client frame as a lobby action of the table (in a worker thread)."""
    action = content.get("type")
    actions.perform(
        action if isinstance(action, str) else "",
        user=user,
        code=code,
        fields=content,
        address=address,
        offered=actions.IN_LOBBY,
    )


class LobbyConsumer(BoundedSocket):
    """One member's socket on one lobby: lobby events out, actions in.

    Only members get in, with up to MAX_LOBBY_SOCKETS_PER_USER sockets each. A member
    who leaves, is kicked or whose lobby closes gets that last event and the socket
    closes.
    """

    slots = SocketSlots()
    socket_name = "lobby"
    counted_in = metrics.SOCKETS_OPEN.labels("lobby")
    lobby_id: int | None = None

    async def connect(self) -> None:
        await self.accept()
        self.user = self.scope.get("user")
        if self.user is None or not self.user.is_authenticated:
            await self._refuse("AUTH_REQUIRED", services.MESSAGES["AUTH_REQUIRED"])
            return
        code = self.scope["url_route"]["kwargs"]["code"]
        self.address = socket_address(self.scope)
        try:
            lobby = await database_sync_to_async(actions.lobby_reached)(
                Who.MEMBER, user=self.user, code=code, address=self.address
            )
        except LobbyError as error:
            limited = error.code == "RATE_LIMITED"
            await self._refuse(error.code, error.message, CLOSE_TOO_MANY if limited else None)
            return
        if not await self.take_slot(str(self.user.pk), limit=settings.MAX_LOBBY_SOCKETS_PER_USER):
            return
        self.code = lobby.code
        self.group = services.lobby_group(lobby.pk)
        # Joined before the snapshot is read, so no change falls between the two.
        await self.channel_layer.group_add(self.group, self.channel_name)
        self.lobby_id = lobby.pk
        snapshot = await database_sync_to_async(_snapshot)(lobby.pk)
        await self.send_json({"type": "lobby", "lobby": snapshot})

    async def _refuse(self, code: str, message: str, close_code: int | None = None) -> None:
        await self.end_with_error(code, message, close_code or CLOSE_REFUSED)

    async def disconnect(self, code: int) -> None:
        if self.lobby_id is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if self.lobby_id is None:
            return
        if not isinstance(content, dict):
            content = {}
        try:
            await database_sync_to_async(_act)(self.user, self.code, self.address, content)
        except LobbyError as error:
            await self.send_json(
                {
                    "type": "error",
                    "code": error.code,
                    "message": error.message,
                    "action": str(content.get("type", ""))[:20],
                }
            )

    async def lobby_event(self, message: dict[str, Any]) -> None:
        event = message["event"]
        await self.send_json(event)
        leaving = event["type"] in ("member_left", "kicked") and event["user_id"] == self.user.pk
        if leaving or event["type"] == "closed":
            await self.channel_layer.group_discard(self.group, self.channel_name)
            self.lobby_id = None
            await self.close(code=CLOSE_LEFT)
