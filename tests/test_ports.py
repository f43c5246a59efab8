"""The tests' own port choice: pytest-xdist workers never share a port, and the kernel never hands one out."""

from __future__ import annotations

import socket
from pathlib import Path

from .ports import free_port, worker_ports


def _slice(monkeypatch, worker: str, count: int) -> range:
    monkeypatch.setenv("PYTEST_XDIST_WORKER", worker)
    monkeypatch.setenv("PYTEST_XDIST_WORKER_COUNT", str(count))
    return worker_ports()


def test_workers_draw_from_disjoint_slices(monkeypatch):
    for count in (2, 3, 4):
        slices = [set(_slice(monkeypatch, f"gw{index}", count)) for index in range(count)]
        assert all(slices), slices
        for index, ports in enumerate(slices):
            assert all(ports.isdisjoint(other) for other in slices[index + 1 :])


def test_ports_are_below_the_kernels_ephemeral_range():
    # A port the kernel may give a client connection or a bind(0) could be taken before the test's server binds it.
    ranges = Path("/proc/sys/net/ipv4/ip_local_port_range")
    first_ephemeral = int(ranges.read_text().split()[0]) if ranges.exists() else 32768
    assert worker_ports().stop <= first_ephemeral


def test_free_port_is_in_the_workers_slice_and_bindable(monkeypatch):
    ports = _slice(monkeypatch, "gw1", 2)
    port = free_port()
    assert port in ports
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", port))
