"""Every metric the server keeps, for `/metrics` (game_server/metrics_endpoint.py).

The places that know count: the room's runner its ticks and frames, the sockets their
opening and closing, the registries a room's lifecycle. Counting is one `inc` on an
object bound once: the tick path binds its labelled children when a room starts (never
`.labels(...)` per tick) and counts a frame once per view, not per recipient.

With `PROMETHEUS_MULTIPROC_DIR` set (before the process starts) prometheus-client keeps
these values in files there, and a scrape of any process on the host reports every
process's figures together (docs/deploy.md, Metrics). A process that exits normally
takes its gauges with it here; the scrape forgets those of processes that died.
"""

from __future__ import annotations

import atexit
import os

from prometheus_client import Counter, Gauge, Histogram, multiprocess

# Ticks run later than due: most should be under a millisecond or two; a room falling
# behind shows in the top buckets long before it skips ticks.
LATENESS_BUCKETS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0)

# Gauges sum over the live processes of the host (multiprocess mode).
ROOMS_RUNNING = Gauge(
    "game_rooms_running", "Rooms whose loop runs in this process", ["game"],
    multiprocess_mode="livesum",
)  # fmt: skip
SOCKETS_OPEN = Gauge(
    "game_sockets_open", "Open WebSockets, by kind: player, spectator, lobby, lobby_list, queue",
    ["kind"], multiprocess_mode="livesum",
)  # fmt: skip

TICKS = Counter("game_ticks", "Ticks run", ["game"])
TICK_LATENESS = Histogram(
    "game_tick_lateness_seconds", "How late each tick ran after it was due", ["game"],
    buckets=LATENESS_BUCKETS,
)  # fmt: skip
TICKS_SKIPPED = Counter("game_ticks_skipped", "Ticks skipped by rooms too far behind", ["game"])
FRAMES_SENT = Counter(
    "game_frames_sent", "Frames a room sent, once per view however many sockets get it", ["game"]
)
FRAME_BYTES_SENT = Counter("game_frame_bytes_sent", "Bytes of the frames counted above", ["game"])
FRAMES_LOST = Counter("game_frames_lost", "Frames the channel layer could not take")
FRAMES_DROPPED = Counter(
    "game_frames_dropped", "Frames not written to a socket whose client stopped reading"
)

INPUTS_ACCEPTED = Counter("game_inputs_accepted", "Inputs the game applied")
INPUTS_REFUSED = Counter(
    "game_inputs_refused", "Frames from a player's socket refused, by error code", ["code"]
)
INPUTS_RATE_LIMITED = INPUTS_REFUSED.labels(code="rate_limited")
FLOOD_CLOSES = Counter("game_flood_closes", "Player sockets closed for flooding")

ROOMS_OPENED = Counter("game_rooms_opened", "Rooms started in this process", ["game"])
ROOMS_TAKEN_OVER = Counter(
    "game_rooms_taken_over", "Rooms this process took from an owner that was gone", ["game"]
)
ROOMS_HANDED_OVER = Counter(
    "game_rooms_handed_over", "Rooms this process saved and let go of (SIGTERM)", ["game"]
)
ROOMS_ENDED = Counter("game_rooms_ended", "Rooms ended here, by reason", ["game", "reason"])
LEASE_LOSSES = Counter(
    "game_lease_losses", "Rooms run here whose lease another process took (fenced out)"
)
MATCH_RESULTS_RECORDED = Counter(
    "game_match_results_recorded", "Match results written to the database", ["state"]
)

LAYER_PUBLISH_FAILURES = Counter(
    "game_layer_publish_failures", "Messages the Redis channel layer could not publish"
)
LAYER_RECONNECTS = Counter(
    "game_layer_reconnects", "Connections to Redis the channel layer opened again after a loss"
)

HTTP_RESPONSES = Counter(
    "game_http_responses", "HTTP responses by status class (1xx to 5xx)", ["status"]
)
RESPONSES_BY_CLASS = {n: HTTP_RESPONSES.labels(f"{n}xx") for n in range(1, 6)}

GUESTS_CREATED = Counter("game_guests_created", "Guest players created")
LOGINS_THROTTLED = Counter("game_logins_throttled", "Log-in attempts refused by the throttle")
RANKED_MATCHINGS = Counter(
    "game_ranked_matchings", "Runs of a game's ranked matching, in this process", ["game"]
)


def forget_dead_processes(path: str) -> None:
    """Drops the live gauges of processes that are gone (killed, not exited)."""
    for name in os.listdir(path):
        if name.startswith("gauge_live") and name.endswith(".db"):
            pid = int(name.removesuffix(".db").rsplit("_", 1)[1])
            if not _alive(pid):
                multiprocess.mark_process_dead(pid, path)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        # Another user's process: alive.
        return True
    return True


if MULTIPROCESS_DIRECTORY := os.environ.get("PROMETHEUS_MULTIPROC_DIR", ""):
    atexit.register(multiprocess.mark_process_dead, os.getpid(), MULTIPROCESS_DIRECTORY)
