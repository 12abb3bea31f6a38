"""The shape of the project's own middleware: async only, as the ASGI server runs it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from asgiref.sync import markcoroutinefunction
from django.http import HttpRequest, HttpResponseBase

GetResponse = Callable[[HttpRequest], Awaitable[HttpResponseBase]]


class AsyncMiddleware:
    """A middleware Django calls with `await`, with no thread hop: subclasses define
    `async def __call__(self, request)` and pass on with `await self.get_response(request)`."""

    async_capable = True
    sync_capable = False

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response
        markcoroutinefunction(self)
