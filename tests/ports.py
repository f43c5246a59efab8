"""Loopback ports for the servers the tests start (the service, Oxigraph server, the Wikidata stand-in, Chromium).

Ports come from below the kernel's ephemeral range (32768-60999 here), which the kernel never hands out on its own:
a client connection or a ``bind(0)`` elsewhere (the benchmark harness's servers) cannot take a port a test has
chosen before its server binds it. Under pytest-xdist (``make test`` runs two workers) each worker draws from its own
slice of that range, so two workers can never choose the same port either.
"""

from __future__ import annotations

import os
import random
import socket

#: The ports the tests draw from: registered ports below the ephemeral range.
FIRST_PORT, LAST_PORT = 20000, 32767


def _worker_share() -> tuple[int, int]:
    """This process's worker index and the number of workers (0 and 1 outside pytest-xdist)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")  # "gw0", "gw1", ...
    count = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1") or 1)
    index = int(worker[2:]) if worker.startswith("gw") and worker[2:].isdigit() else 0
    return index, max(count, 1)


def worker_ports() -> range:
    """The ports this test process may choose from (all of them outside pytest-xdist)."""
    index, count = _worker_share()
    size = (LAST_PORT + 1 - FIRST_PORT) // count
    return range(FIRST_PORT + index * size, FIRST_PORT + (index + 1) * size)


def free_port() -> int:
    """Return a TCP port of this worker's slice that is free on the loopback interface right now.

    The server that takes it binds it next.
    """
    ports = worker_ports()
    for port in random.sample(ports, min(200, len(ports))):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue  # taken (or in TIME_WAIT): another one
        return port
    raise RuntimeError(f"no free loopback port in {ports.start}-{ports.stop - 1} after 200 tries: is something holding them?")
