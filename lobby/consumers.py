"""Live lobby updates over WebSocket."""

from __future__ import annotations

from typing import Any

from channels.generic.websocket import AsyncJsonWebsocketConsumer

LOBBY_LIST_GROUP = "lobby-list"


class LobbyListConsumer(AsyncJsonWebsocketConsumer):
    """Pushes changes of the public lobby list to whoever watches the list page."""

    async def connect(self) -> None:
        await self.channel_layer.group_add(LOBBY_LIST_GROUP, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(LOBBY_LIST_GROUP, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        # The list is read-only: clients only listen.
        await self.send_json({"type": "error", "code": "READ_ONLY"})

    async def lobby_list_changed(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "lobby_list", "lobby": event["lobby"]})
