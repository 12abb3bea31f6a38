"""Which cores the benchmark gives its servers and its load generator (bench/run.py).

The first servers' cores come first, one a server; the load generator takes the cores
after them. On this project's 2-core machines that is one server on core 0 and the load
generator on core 1, or two servers on cores 0 and 1 and the load generator on both.
With 4 cores or more, two servers get cores 0 and 1 and the load generator the rest,
which is issue 14's set-up for two processes on two cores (Redis runs where the kernel
puts it). A core share (`--core-share`) lets each server run on any core, held to its
share by its own cgroup, and the load generator on any core.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple


class Layout(NamedTuple):
    # `taskset -c` lists, one a server process.
    servers: list[str]
    load_generator: str


def layout(available: Sequence[int], *, processes: int, shared: bool) -> Layout:
    """The cores of `processes` servers and the load generator, from the `available`
    cores (os.sched_getaffinity's); `shared`: the servers are held to a core share."""
    cores = sorted(available)
    if len(cores) < 2:
        raise ValueError("the benchmark needs 2 cores: one for a server, one for its load")
    everything = _cpus(cores)
    if shared:
        return Layout([everything] * processes, everything)
    servers = [str(core) for core in cores[:processes]]
    rest = cores[processes:]
    return Layout(servers, _cpus(rest) if rest else everything)


def _cpus(cores: Sequence[int]) -> str:
    return ",".join(str(core) for core in cores)
