"""The in-process channel layer of the embedded default (no REDIS_URL).

Channels' `InMemoryChannelLayer` without its costs per message: its `group_send` and
`receive` scan every channel and group for expired messages, `group_send` starts a task
per member and deep-copies the message for each, and `receive` makes a new queue each
time. Here a group message is put straight into each member's queue, the same dict for
all of them (receivers must not change a message, as with the Redis layers), expired
messages are swept at most once a second, and a channel's queue lives until its
receiver leaves. Capacity, expiry and the rest of the API are Channels' own.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

from channels.exceptions import ChannelFull
from channels.layers import InMemoryChannelLayer

# How often a group message may sweep expired messages and memberships.
SWEEP_SECONDS = 1.0


class LocalChannelLayer(InMemoryChannelLayer):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._swept_at = 0.0

    def _queue(self, channel: str) -> asyncio.Queue:
        queue = self.channels.get(channel)
        if queue is None:
            queue = self.channels[channel] = asyncio.Queue(maxsize=self.get_capacity(channel))
        return queue

    async def receive(self, channel: str) -> dict[str, Any]:
        queue = self._queue(channel)
        try:
            _expires, message = await queue.get()
        except asyncio.CancelledError:
            # The receiver is leaving (a consumer closing): its queue goes with it.
            if self.channels.get(channel) is queue:
                del self.channels[channel]
            raise
        return message

    async def send(self, channel: str, message: dict[str, Any]) -> None:
        self.require_valid_channel_name(channel)
        try:
            self._queue(channel).put_nowait((time.time() + self.expiry, message))
        except asyncio.QueueFull:
            raise ChannelFull(channel) from None

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        self.require_valid_group_name(group)
        now = time.time()
        if now - self._swept_at >= SWEEP_SECONDS:
            self._swept_at = now
            self._clean_expired()
        members = self.groups.get(group)
        if not members:
            return
        item = (now + self.expiry, message)
        for channel in list(members):
            # A member whose queue is full misses this message, as in Channels' layer.
            with contextlib.suppress(asyncio.QueueFull):
                self._queue(channel).put_nowait(item)
