"""Loopback ports for the servers the tests start (the service, Oxigraph server, the Wikidata stand-in, Chromium)."""

from __future__ import annotations

import socket


def free_port() -> int:
    """Return a TCP port that is free on the loopback interface right now (the server that takes it binds it next)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
