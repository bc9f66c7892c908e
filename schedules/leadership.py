"""Leadership: at most one scheduler process runs the jobs, on either database.

APScheduler's job store cannot be shared by several processes ("You can't", its FAQ): two
schedulers on one job store would both fire every job. So a scheduler first takes a lock that only
one process can hold, and runs jobs only while it holds it. A scheduler that cannot take the lock
stands by and tries again (``SchedulerSettings.scheduler_retry_seconds``), so when the leader stops
or dies a standby takes over; its job store then catches up a missed run within the job's grace.

- PostgreSQL: a session-level advisory lock, ``pg_try_advisory_lock(LOCK_KEY)``, on a dedicated
  connection held for as long as the process leads. The server drops it when the session ends
  (the process exits or crashes, the connection breaks), never while the session lives. The leader
  checks its connection every few seconds and stops its jobs as soon as it is gone, because a
  standby may then take the lock. TCP keepalives make a silent network break show within ~30 s.
- SQLite (embedded, one machine): an exclusive ``flock`` on ``<database file>.scheduler.lock``. The
  kernel drops it when the process exits. The lock file is never deleted: two processes could
  otherwise each lock a different file of the same name. It holds the leader's pid, for the log.

The lock only decides who *schedules*. That a double fire cannot pay twice is kept by the routines
themselves, idempotent in the database, for the seconds in which a leader that lost its connection
has not yet noticed.
"""

from __future__ import annotations

import fcntl
import logging
import os
import socket
from pathlib import Path
from typing import Protocol

from sqlalchemy import Connection, create_engine, make_url, text
from sqlalchemy.pool import NullPool

from ontzorgen.errors import OntzorgenError

log = logging.getLogger(__name__)

#: The advisory lock key: the ASCII bytes of "ontzschd" as one bigint. Advisory locks are per
#: database, so other applications on the same PostgreSQL server do not collide with it.
LOCK_KEY = 0x6F6E_747A_7363_6864
APPLICATION_NAME = "ontzorgen-scheduler"
LOCK_FILE_SUFFIX = ".scheduler.lock"
#: libpq connection parameters of the lock connection: a broken network shows within ~30 s, and a
#: check that hangs is given up after 5 s.
LOCK_CONNECTION_ARGUMENTS: dict[str, object] = {
    "application_name": APPLICATION_NAME,
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
    "options": "-c statement_timeout=5000",
}


class NoSharedDatabase(OntzorgenError):
    """The scheduler was given a database it cannot take a lock on (in memory, or unsupported)."""

    def __init__(self, database_url: str) -> None:
        super().__init__(
            f"The scheduler cannot take its lock on {database_url}. Use PostgreSQL or an SQLite "
            "database file (set ONTZORGEN_DATABASE_URL)."
        )
        self.database_url = database_url


class Leadership(Protocol):
    def try_acquire(self) -> bool:
        """Take the lock if no one holds it; True when this process now leads."""
        ...

    def still_held(self) -> bool:
        """Whether the lock taken is certainly still held."""
        ...

    def release(self) -> None:
        """Give the lock up (nothing happens when it is not held)."""
        ...

    def holder(self) -> str:
        """Who holds the lock, as far as can be seen, for the standby's log line."""
        ...


class AdvisoryLockLeadership:
    """A PostgreSQL session-level advisory lock on a connection of its own."""

    def __init__(self, database_url: str, key: int = LOCK_KEY) -> None:
        # Autocommit: the connection is held for days and must not sit "idle in transaction".
        self._engine = create_engine(
            database_url,
            poolclass=NullPool,
            isolation_level="AUTOCOMMIT",
            connect_args=LOCK_CONNECTION_ARGUMENTS,
        )
        self._key = key
        self._connection: Connection | None = None

    def try_acquire(self) -> bool:
        if self._connection is not None:
            return True
        connection = self._engine.connect()
        try:
            taken = connection.execute(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": self._key}
            ).scalar_one()
        except BaseException:
            connection.close()
            raise
        if not taken:
            connection.close()
            return False
        self._connection = connection
        return True

    def still_held(self) -> bool:
        if self._connection is None:
            return False
        try:
            self._connection.execute(text("SELECT 1")).scalar_one()
        except Exception:
            log.exception("the connection holding the scheduler's lock is gone")
            return False
        return True

    def release(self) -> None:
        if self._connection is None:
            return
        try:
            self._connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self._key})
        except Exception:
            log.warning("could not unlock; closing the connection releases the lock anyway")
        finally:
            self._connection.close()
            self._connection = None

    def holder(self) -> str:
        # A bigint advisory key shows in pg_locks as classid (high 32 bits) and objid (low 32).
        query = text(
            "SELECT a.pid, a.application_name, a.client_addr, a.backend_start "
            "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "
            "AND l.classid::bigint = :high AND l.objid::bigint = :low "
            "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        )
        try:
            with self._engine.connect() as connection:
                row = connection.execute(
                    query, {"high": self._key >> 32, "low": self._key & 0xFFFF_FFFF}
                ).first()
        except Exception:
            return "unknown"
        if row is None:
            return "nobody any more"
        return (
            f"PostgreSQL backend {row.pid} ({row.application_name or 'no name'}"
            f" from {row.client_addr or 'a local socket'}, connected {row.backend_start:%c})"
        )

    def close(self) -> None:
        self.release()
        self._engine.dispose()


class FileLockLeadership:
    """An exclusive ``flock`` on a lock file next to an SQLite database file."""

    def __init__(self, lock_path: Path) -> None:
        self.lock_path = lock_path
        self._descriptor: int | None = None

    def try_acquire(self) -> bool:
        if self._descriptor is not None:
            return True
        descriptor = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(descriptor)
            return False
        except BaseException:
            os.close(descriptor)
            raise
        os.ftruncate(descriptor, 0)
        os.write(descriptor, f"pid {os.getpid()} on {socket.gethostname()}\n".encode())
        self._descriptor = descriptor
        return True

    def still_held(self) -> bool:
        # The kernel keeps the lock for as long as this descriptor is open.
        return self._descriptor is not None

    def release(self) -> None:
        if self._descriptor is None:
            return
        try:
            fcntl.flock(self._descriptor, fcntl.LOCK_UN)
        finally:
            os.close(self._descriptor)
            self._descriptor = None

    def holder(self) -> str:
        try:
            return self.lock_path.read_text(encoding="utf-8").strip() or "unknown"
        except OSError:
            return "unknown"

    def close(self) -> None:
        self.release()


def leadership_for(database_url: str) -> AdvisoryLockLeadership | FileLockLeadership:
    """The lock that fits the database: an advisory lock, or a lock file beside the SQLite file."""
    url = make_url(database_url)
    shown = url.render_as_string(hide_password=True)
    if url.get_backend_name() == "postgresql":
        return AdvisoryLockLeadership(database_url)
    if url.get_backend_name() == "sqlite":
        database = url.database
        if not database or database == ":memory:" or url.query.get("mode") == "memory":
            raise NoSharedDatabase(shown)
        path = Path(database.removeprefix("file:")).resolve()
        return FileLockLeadership(path.with_name(path.name + LOCK_FILE_SUFFIX))
    raise NoSharedDatabase(shown)
