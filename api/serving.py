"""Serving the app with several worker processes, each with a listening socket of its own.

``ontzorgen serve --workers N`` (and ``bench/statements.py``) start N uvicorn processes on one
port. Each gets its own socket, bound with ``SO_REUSEPORT``, and the kernel spreads new
connections over the sockets by their addresses. With one socket shared by all workers (what
``uvicorn --workers`` does) whichever worker wakes first accepts every connection that is waiting:
keep-alive clients that connect at once (a proxy's pool, a load generator) often all land on one
worker, and one core does the work while the other idles (measured: 20 + 0 connections and 300
statements/s, against some 600 with them spread).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

from fastapi import FastAPI

ROOT = Path(__file__).resolve().parent.parent
STARTUP_SECONDS = 60


def app_from_settings() -> FastAPI:
    """The app factory of a worker of ``ontzorgen serve --workers``: the settings' database."""
    from api.app import create_app
    from ledger.database import make_engine
    from ontzorgen.config import load_settings

    return create_app(make_engine(load_settings().database_url))


def listening_socket(host: str, port: int) -> socket.socket:
    """A socket listening on ``host:port`` beside others on the same port (``SO_REUSEPORT``),
    to be inherited by a worker process."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listening = socket.socket(family, socket.SOCK_STREAM)
    listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    # Inherited by every connection it accepts. uvicorn takes an inherited socket (``--fd``) for
    # a Unix socket and leaves its connections with Nagle's algorithm on: the response's headers
    # and body, written apart, then waited for the client's delayed ACK, 40 ms and more per
    # request (measured: 48 ms for every request with one client, against 3 ms of work).
    listening.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    listening.bind((host, port))
    listening.listen(2048)
    listening.set_inheritable(True)
    return listening


class Workers:
    """``count`` uvicorn processes serving ``app`` (an ``module:factory`` path) on ``host:port``."""

    def __init__(
        self,
        app: str,
        host: str,
        port: int,
        count: int,
        *,
        environment: Mapping[str, str] | None = None,
        log_level: str = "warning",
    ) -> None:
        self.sockets: list[socket.socket] = []
        self.processes: list[subprocess.Popen[bytes]] = []
        try:
            for _ in range(count):
                listening = listening_socket(host, port)
                self.sockets.append(listening)
                command = [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    app,
                    "--factory",
                    "--fd",
                    str(listening.fileno()),
                    "--http",
                    "httptools",
                    "--loop",
                    "uvloop",
                    "--no-access-log",
                    "--log-level",
                    log_level,
                ]
                self.processes.append(
                    subprocess.Popen(  # noqa: S603 (this interpreter, uvicorn, our own arguments)
                        command,
                        cwd=ROOT,
                        env=dict(environment if environment is not None else os.environ),
                        pass_fds=[listening.fileno()],
                    )
                )
            self._wait_until_serving(host, port)
        except BaseException:
            self.stop()
            raise

    def _wait_until_serving(self, host: str, port: int) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if any(process.poll() is not None for process in self.processes):
                raise RuntimeError("a worker stopped while starting")
            try:
                with socket.create_connection((host, port), timeout=1):
                    pass
            except OSError:
                time.sleep(0.2)
                continue
            # One worker took the connection; the others started at the same moment.
            time.sleep(3)
            return
        raise RuntimeError(f"the workers did not start within {STARTUP_SECONDS} s")

    @property
    def pids(self) -> list[int]:
        return [process.pid for process in self.processes]

    def wait(self) -> int:
        """Until a worker stops (or Ctrl-C); then stop the others. The first worker's status."""
        try:
            while all(process.poll() is None for process in self.processes):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()
        return self.processes[0].returncode or 0

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        for listening in self.sockets:
            listening.close()
