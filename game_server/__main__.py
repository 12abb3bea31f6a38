"""`python -m game_server`: the same as the `game-server` command (game_server/cli.py)."""

from __future__ import annotations

import sys

from game_server.cli import main

sys.exit(main())
