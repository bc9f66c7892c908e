"""Engines and transactions for the two supported databases.

- SQLite (embedded default): WAL journal, foreign keys on, and every transaction starts with
  ``BEGIN IMMEDIATE`` so that writers queue for the lock up front instead of failing halfway (SQLite
  has no row locks and SQLAlchemy silently drops ``FOR UPDATE`` there).
- PostgreSQL (psycopg 3): READ COMMITTED with explicit row locks taken in id order by the store; a
  serialization failure or deadlock is retried by ``run_in_transaction``.
"""

from __future__ import annotations

import logging
import random
import select
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from psycopg.pq import ConnStatus
from psycopg.rows import namedtuple_row
from sqlalchemy import ClauseElement, Connection, Engine, create_engine, event
from sqlalchemy.dialects.postgresql.psycopg import dialect as psycopg_dialect
from sqlalchemy.exc import DBAPIError, DisconnectionError, IntegrityError

log = logging.getLogger(__name__)

T = TypeVar("T")

#: PostgreSQL SQLSTATEs after which the whole transaction can simply be run again.
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})
TRANSACTION_ATTEMPTS_MAX = 8


def make_engine(database_url: str, *, pool_size: int = 10, echo: bool = False) -> Engine:
    """Create an engine configured for the ledger's concurrency rules on either backend."""
    if database_url.startswith("sqlite"):
        engine = create_engine(
            database_url,
            echo=echo,
            connect_args={"timeout": 30, "check_same_thread": False},
        )
        _configure_sqlite(engine)
        return engine
    engine = create_engine(database_url, echo=echo, pool_size=pool_size, max_overflow=pool_size)
    event.listen(engine, "checkout", _refuse_a_closed_connection)
    return engine


def _refuse_a_closed_connection(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """The pool's check of a PostgreSQL connection it hands out, without a round trip (SQLAlchemy's
    ``pool_pre_ping`` sends a query on every checkout).

    An idle connection in the pool has nothing to read: the server speaks only when asked. If its
    socket is readable, the server has ended the session (restart, ``pg_terminate_backend``, idle
    timeout: it sends its goodbye and closes the socket), so the connection is not handed out.
    ``DisconnectionError`` makes the pool drop it and check out another, as a failed ping does.
    A connection whose network went away silently is not noticed here, nor would a ping notice it
    before the TCP timeout.
    """
    if dbapi_connection.closed or dbapi_connection.broken:
        raise DisconnectionError("the connection was closed")
    readable, _, _ = select.select([dbapi_connection.pgconn.socket], [], [], 0)
    if readable or dbapi_connection.pgconn.status != ConnStatus.OK:
        raise DisconnectionError("the server ended the connection")


def _configure_sqlite(engine: Engine) -> None:
    # The recipe of SQLAlchemy's SQLite dialect docs: take transaction control away from pysqlite,
    # then begin every transaction ourselves, immediately taking the write lock.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA busy_timeout = 30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def is_postgresql(connection: Connection | Engine) -> bool:
    return connection.dialect.name == "postgresql"


def in_autocommit_on_postgresql(connection: Connection) -> bool:
    """True for a PostgreSQL connection in autocommit (the API's request connection)."""
    return (
        connection.dialect.name == "postgresql"
        and connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT"
    )


class DriverStatement:
    """A statement compiled once for psycopg, to be run straight on the driver connection of a
    PostgreSQL connection in autocommit: none of SQLAlchemy's per-execution work (about 0.1 ms of
    Python a statement), for the few statements every API request runs. Parameters go by name;
    rows come back as named tuples, read like SQLAlchemy's rows."""

    __slots__ = ("bound", "sql")

    def __init__(self, statement: ClauseElement) -> None:
        compiled = statement.compile(dialect=psycopg_dialect())  # type: ignore[no-untyped-call]
        self.sql: str = str(compiled)
        #: The values SQLAlchemy bound itself (a ``LIMIT``'s number).
        self.bound: dict[str, Any] = {
            name: value for name, value in compiled.params.items() if value is not None
        }

    def parameters(self, values: Mapping[str, Any]) -> dict[str, Any]:
        return {**self.bound, **values}

    def execute(self, connection: Connection, values: Mapping[str, Any]) -> Any:
        """Run on ``connection``'s psycopg connection; the cursor, to fetch from."""
        assert in_autocommit_on_postgresql(connection), "only on PostgreSQL, in autocommit"
        driver: Any = connection.connection.driver_connection
        return driver.cursor(row_factory=namedtuple_row).execute(self.sql, self.parameters(values))


def _sqlstate(error: DBAPIError) -> str | None:
    return getattr(error.orig, "sqlstate", None)


def is_retryable(error: BaseException) -> bool:
    """True for failures that a fresh attempt of the same transaction can get past."""
    if isinstance(error, IntegrityError):
        # A unique violation on an idempotency key means a concurrent writer posted the same key
        # first; the next attempt finds that entry and answers as a replay (or a conflict).
        return "idempotency_key" in str(error.orig)
    if isinstance(error, DBAPIError):
        return _sqlstate(error) in RETRYABLE_SQLSTATES
    return False


def run_in_transaction(engine: Engine, work: Callable[[Connection], T]) -> T:
    """Run ``work`` in one transaction, commit it, and retry it whole on a transient conflict.

    ``work`` must do all of its writing through the connection it is given, so that a retry starts
    from nothing. Anything it raises other than a transient conflict rolls back and propagates.
    """
    for attempt in range(1, TRANSACTION_ATTEMPTS_MAX + 1):
        try:
            with engine.begin() as connection:
                return work(connection)
        except DBAPIError as error:
            if not is_retryable(error) or attempt == TRANSACTION_ATTEMPTS_MAX:
                raise
            log.info("retrying transaction after %s (attempt %d)", type(error).__name__, attempt)
            # Back off a little, with jitter, so two colliding writers do not collide again.
            time.sleep(random.uniform(0, 0.005 * attempt))
    raise AssertionError("unreachable")
