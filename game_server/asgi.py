"""The one ASGI application: HTTP to Django, WebSocket through origin checks and auth.

WebSocket users come from the session cookie, or from a one-use ticket in `?ticket=`
(`POST /api/socket-ticket/`); a `?token=` on a socket URL is refused.
"""

from __future__ import annotations

import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "game_server.settings")
# Django must be set up before anything imports models.
django_application = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from game_server.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_application,
        "websocket": AllowedHostsOriginValidator(URLRouter(websocket_urlpatterns)),
    }
)

# Everything loaded so far lives as long as the process: keep the cyclic collector off it,
# and run it on the young generation less often. Each frame allocates a few short-lived
# objects, and full collections over Django's objects paused whole rooms: p99 at 80
# rooms went from 182 ms to 77 ms with this (bench/README.md).
gc.freeze()
gc.set_threshold(20_000, 50, 100)
