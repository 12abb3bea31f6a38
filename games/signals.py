"""What the games app tells the rest of the site, as signals others connect to.

The games app never imports the apps built on it: the lobby learns that a match ended by
connecting to `match_ended` when it starts (lobby/apps.py).
"""

from __future__ import annotations

from django.dispatch import Signal

# Sent once a match's result is committed, whether its room ended it or the idle sweep
# aborted it, with `match` (the `Match`, its state and reason written) and `result`
# (the `games.rules.base.Result`).
match_ended = Signal()
