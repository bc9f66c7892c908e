"""``ontzorgen serve --workers N``: N processes on one port, and the clients spread over them.

Each worker has a listening socket of its own (``SO_REUSEPORT``), so the kernel hands the
connections of clients that connect at once to all workers, not all to whichever woke first.
"""

from __future__ import annotations

import os
import shutil
import socket
from contextlib import ExitStack
from pathlib import Path

import httpx

from api.serving import Workers, listening_socket


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _connections_served(pid: int, port: int) -> int:
    """The established TCP connections to ``port`` that process ``pid`` holds (Linux /proc)."""
    established = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local_port = int(fields[1].rsplit(":", 1)[1], 16)
        if local_port == port and fields[3] == "01":  # 01: ESTABLISHED
            established.add(f"socket:[{fields[9]}]")
    folder = Path(f"/proc/{pid}/fd")
    return sum(1 for fd in folder.iterdir() if os.readlink(fd) in established)


def test_two_workers_share_one_port_and_the_clients(sqlite_template: Path, tmp_path: Path) -> None:
    database = tmp_path / "served.db"
    shutil.copy(sqlite_template, database)
    port = _free_port()
    environment = {**os.environ, "ONTZORGEN_DATABASE_URL": f"sqlite:///{database}"}
    workers = Workers(
        "api.serving:app_from_settings", "127.0.0.1", port, 2, environment=environment
    )
    try:
        with ExitStack() as stack:
            clients = [
                stack.enter_context(httpx.Client(base_url=f"http://127.0.0.1:{port}"))
                for _ in range(20)
            ]
            statuses = {client.get("/v1/health").status_code for client in clients}
            # Each client keeps its connection open: count them per worker.
            taken = {pid: _connections_served(pid, port) for pid in workers.pids}
    finally:
        workers.stop()
    assert statuses == {200}
    assert sum(taken.values()) == 20
    # Hashed over two sockets, 20 connections all land on one worker once in 500,000 runs.
    assert all(count > 0 for count in taken.values()), taken


def test_connections_are_accepted_without_nagles_delay() -> None:
    """uvicorn takes the inherited socket for a Unix socket and sets nothing on the connections it
    accepts; they inherit ``TCP_NODELAY`` from the listening socket. Without it the response's
    headers and body, written apart, waited for the client's delayed ACK: 48 ms per request."""
    with (
        listening_socket("127.0.0.1", 0) as listening,
        socket.create_connection(listening.getsockname()[:2]),
    ):
        accepted, _ = listening.accept()
        with accepted:
            assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
