"""The service's processes as Linux shows them (/proc): who is whose child, which are query processes, their CPU.

Shared by the tests that watch real servers: gunicorn's master and workers,
each worker's query processes, and the holder a worker's query processes are
forked from when the release is held in memory (``stores/held_in_memory.py``).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

#: The module every query process (and holder) runs, as it appears in its command line.
QUERY_PROCESS_MODULE = b"tierslieux.stores.query_processes"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    """The ids of ``pid``'s direct children, whichever of its threads started them (a threaded worker's request threads do)."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found.extend(int(p) for p in (task / "children").read_text().split())
        except OSError:
            continue
    return found


def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children(current))
    return found


def parent(pid: int) -> int | None:
    """The id of ``pid``'s parent; None when it is gone."""
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except OSError:
        return None


def command_line(pid: int) -> list[bytes]:
    """``pid``'s arguments; empty when it is gone."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return []


def is_holder(pid: int) -> bool:
    """Whether ``pid`` holds a release in memory for a worker (its query processes, forked from it, share its command line)."""
    arguments = command_line(pid)
    if QUERY_PROCESS_MODULE not in arguments or b"hold" not in arguments:
        return False
    up = parent(pid)
    return up is not None and QUERY_PROCESS_MODULE not in command_line(up)


def is_query_process(pid: int) -> bool:
    """Whether ``pid`` is one of the service's query processes (started by a worker, or forked by a holder)."""
    return QUERY_PROCESS_MODULE in command_line(pid) and not is_holder(pid)


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used by ``pid`` so far; 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def cpu_used_during(pids: list[int], seconds: float) -> float:
    """CPU seconds the processes ``pids`` use together over the next ``seconds``."""
    before = {pid: cpu_seconds(pid) for pid in pids}
    time.sleep(seconds)
    return sum(max(0.0, cpu_seconds(pid) - start) for pid, start in before.items())


def workers(master: int) -> set[int]:
    """The ids of a gunicorn master's workers."""
    return set(children(master))


def has_ended(pid: int) -> bool:
    """Whether ``pid`` has ended: gone from /proc, or a zombie nobody has reaped yet (an orphan waits for init)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def wait_until_gone(pids: set[int], within: float) -> set[int]:
    """Wait until at least one of ``pids`` has no /proc entry (killed and reaped: a zombie keeps its entry); return those gone."""
    deadline = time.monotonic() + within
    while True:
        gone = {pid for pid in pids if not Path(f"/proc/{pid}").exists()}
        if gone or time.monotonic() > deadline:
            return gone
        time.sleep(0.1)
