"""Daphne on uvloop: installs uvloop's event loop, then runs daphne's command line as
`game-server serve` does (game_server/daphne_protocol.py).

python bench/daphne_uvloop.py -b 127.0.0.1 -p 8000 game_server.asgi:application
"""

from __future__ import annotations

import asyncio

import uvloop

from game_server.daphne_protocol import PlayCommandLine

if __name__ == "__main__":
    # Daphne installs Twisted's asyncio reactor on the loop it finds: make that uvloop's.
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    PlayCommandLine.entrypoint()
