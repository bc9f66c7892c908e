"""Engines and transactions for the two supported databases.

- SQLite (embedded default): WAL journal, foreign keys on, and every transaction starts with
  ``BEGIN IMMEDIATE`` so that writers queue for the lock up front instead of failing halfway (SQLite
  has no row locks and SQLAlchemy silently drops ``FOR UPDATE`` there).
- PostgreSQL (psycopg 3): READ COMMITTED with explicit row locks taken in id order by the store; a
  serialization failure or deadlock is retried by ``run_in_transaction``.
"""

from __future__ import annotations

import itertools
import logging
import random
import select
import time
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from typing import Any, TypeVar

from psycopg import errors as psycopg_errors
from psycopg import generators
from psycopg.adapt import PyFormat, Transformer
from psycopg.pq import ConnStatus, ExecStatus
from psycopg.rows import namedtuple_row
from sqlalchemy import (
    ARRAY,
    ClauseElement,
    ColumnElement,
    Connection,
    Engine,
    Text,
    any_,
    bindparam,
    cast,
    create_engine,
    event,
)
from sqlalchemy import select as sql_select
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


def among(
    connection: Connection,
    column: ColumnElement[Any],
    values: Iterable[Any],
    *,
    count_hidden: bool = False,
) -> ColumnElement[bool]:
    """``column IN values``; on PostgreSQL one array parameter, however many values there are.

    A list of thousands of parameters costs more to send than the query costs the server to run.
    With ``count_hidden`` the array goes in as one text literal (some 1 ms to make for 10,000 ids,
    against 4.8 ms for the driver to convert a list) through a sub-select, evaluated once: the
    planner cannot see how many values there are and always probes the column's index once per
    value. Seeing thousands, it could rather scan the whole table, which on a table that only
    grows costs more every time (the ledger's lookups). Without the sub-select the literal would
    be parsed again for every row a scan looks at, so other lookups, whose plans may rightly
    depend on the count, get the array as a plain parameter.
    """
    listed = list(values)
    if not is_postgresql(connection):
        return column.in_(listed)
    if count_hidden:
        literal = sql_select(bindparam(None, array_literal(listed), type_=Text())).scalar_subquery()
        return column == any_(cast(literal, ARRAY(column.type)))
    return column == any_(bindparam(None, listed, type_=ARRAY(column.type)))


def array_literal(values: Sequence[Any]) -> str:
    """A PostgreSQL array literal of whole numbers, texts, dates and NULLs (texts quoted)."""
    types = set(map(type, values))
    if types <= {int}:
        return "{" + ",".join(map(str, values)) + "}"
    if types <= {date, type(None)}:
        return "{" + ",".join(["NULL" if day is None else day.isoformat() for day in values]) + "}"
    parts = []
    for value in values:
        if value is None:
            parts.append("NULL")
        elif isinstance(value, str):
            parts.append('"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"')
        elif isinstance(value, int | date) and not isinstance(value, bool):
            parts.append(value.isoformat() if isinstance(value, date) else str(int(value)))
        else:
            raise TypeError(f"Cannot put {value!r} ({type(value).__name__}) in an array literal.")
    return "{" + ",".join(parts) + "}"


def in_autocommit_on_postgresql(connection: Connection) -> bool:
    """True for a PostgreSQL connection in autocommit (the API's request connection)."""
    return (
        connection.dialect.name == "postgresql"
        and connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT"
    )


#: Names of the server-side prepared statements of ``read_in_one_round_trip``.
_PREPARED_NAMES = (f"ontzorgen_{number}".encode() for number in itertools.count(1))


class DriverStatement:
    """A statement compiled once for psycopg, to be run straight on the driver connection of a
    PostgreSQL connection in autocommit: none of SQLAlchemy's per-execution work (about 0.1 ms of
    Python a statement), for the few statements every API request runs. Parameters go by name;
    rows come back as named tuples, read like SQLAlchemy's rows (``execute``), or as plain tuples
    (``read_in_one_round_trip``)."""

    __slots__ = ("bound", "numbered_sql", "positions", "prepared_name", "sql")

    def __init__(self, statement: ClauseElement) -> None:
        compiled = statement.compile(dialect=psycopg_dialect())  # type: ignore[no-untyped-call]
        self.sql: str = str(compiled)
        #: The values SQLAlchemy bound itself (a ``LIMIT``'s number).
        self.bound: dict[str, Any] = {
            name: value for name, value in compiled.params.items() if value is not None
        }
        # The same statement with $1, $2, ... as the server's protocol takes it, for
        # ``read_in_one_round_trip``, which talks to libpq itself.
        numbered = statement.compile(
            dialect=psycopg_dialect(paramstyle="numeric_dollar")  # type: ignore[no-untyped-call]
        )
        self.numbered_sql: bytes = str(numbered).encode()
        self.positions: tuple[str, ...] = tuple(numbered.positiontup or ())  # type: ignore[attr-defined]
        self.prepared_name: bytes = next(_PREPARED_NAMES)

    def parameters(self, values: Mapping[str, Any]) -> dict[str, Any]:
        return {**self.bound, **values}

    def execute(self, connection: Connection, values: Mapping[str, Any]) -> Any:
        """Run on ``connection``'s psycopg connection; the cursor, to fetch from."""
        assert in_autocommit_on_postgresql(connection), "only on PostgreSQL, in autocommit"
        driver: Any = connection.connection.driver_connection
        return driver.cursor(row_factory=namedtuple_row).execute(self.sql, self.parameters(values))

    def values_in_order(self, values: Mapping[str, Any]) -> list[Any]:
        bound = self.bound
        return [values[name] if name in values else bound[name] for name in self.positions]


#: Per driver connection, the ``DriverStatement``\ s prepared on its server session.
_prepared_on: weakref.WeakKeyDictionary[Any, set[bytes]] = weakref.WeakKeyDictionary()

_PREPARED_STATEMENT_MISSING = "26000"  # invalid_sql_statement_name: not prepared on this session
_PREPARED_STATEMENT_EXISTS = "42P05"  # duplicate_prepared_statement


def read_in_one_round_trip(
    connection: Connection,
    statements: Sequence[DriverStatement],
    values: Mapping[str, Any],
    *,
    begin: Sequence[str],
) -> list[list[tuple[Any, ...]]]:
    """Run ``statements`` in one transaction (opened by the commands ``begin``, committed at the
    end) on the driver connection of ``connection`` (PostgreSQL, in autocommit), all sent to the
    server in one write and answered in one read; the rows of each, as tuples.

    psycopg's own pipeline sends every statement the moment it is queued (one ``send`` and two
    ``poll`` calls each, and as many wake-ups of the server): for the statement's nine commands
    that was 10 sends and 20 polls, and 0.34 ms of Python, against 1 send, 2 polls and 0.13 ms
    here. So this talks to libpq itself (``psycopg.pq``, in pipeline mode, where libpq buffers
    what is sent until the sync) and converts values with psycopg's own ``Transformer``. Each
    statement is prepared once per server session under its own name (``prepared_name``), so the
    server parses it once and ``plan_cache_mode`` applies to it.
    """
    assert in_autocommit_on_postgresql(connection), "only on PostgreSQL, in autocommit"
    driver: Any = connection.connection.driver_connection
    try:
        return _round_trip(driver, statements, values, begin)
    except psycopg_errors.Error as failed:
        if failed.sqlstate not in (_PREPARED_STATEMENT_MISSING, _PREPARED_STATEMENT_EXISTS):
            raise
        # The session's prepared statements are not what was noted (someone ran
        # ``DEALLOCATE``, or the note was lost): note what the server has, and go again.
        _prepared_on[driver] = {
            row[0].encode()
            for row in driver.execute("SELECT name FROM pg_prepared_statements").fetchall()
        }
        return _round_trip(driver, statements, values, begin)


def _round_trip(
    driver: Any,
    statements: Sequence[DriverStatement],
    values: Mapping[str, Any],
    begin: Sequence[str],
) -> list[list[tuple[Any, ...]]]:
    prepared = _prepared_on.setdefault(driver, set())
    # The psycopg adapters of the connection (its C implementation when there is one).
    transformer: Any = Transformer(driver)
    to_prepare = [statement for statement in statements if statement.prepared_name not in prepared]
    # psycopg's lock, as its own calls take it (not re-entrant: no psycopg call inside).
    with driver.lock:
        answers = _send_and_receive(driver, statements, values, begin, to_prepare, transformer)
    # The first failure; the server answers every command after it PIPELINE_ABORTED.
    failed = next((answer for answer in answers if answer.status == ExecStatus.FATAL_ERROR), None)
    # The answers: one per command of ``begin``, then per statement (its PREPARE first when it
    # is prepared now) its rows, then COMMIT's.
    answered = iter(answers[len(begin) :])
    results = []
    for statement in statements:
        if statement in to_prepare and next(answered).status == ExecStatus.COMMAND_OK:
            prepared.add(statement.prepared_name)  # kept by the server even if a later one fails
        results.append(next(answered))
    if failed is not None:
        # A statement failed, so the server skipped the rest, COMMIT too: end the transaction.
        driver.execute("ROLLBACK")
        raise psycopg_errors.error_from_result(failed, encoding=driver.info.encoding)
    rows = []
    for result in results:
        transformer.set_pgresult(result)
        rows.append(transformer.load_rows(0, result.ntuples, tuple))
    return rows


def _send_and_receive(
    driver: Any,
    statements: Sequence[DriverStatement],
    values: Mapping[str, Any],
    begin: Sequence[str],
    to_prepare: Sequence[DriverStatement],
    transformer: Any,
) -> list[Any]:
    """Queue every command in libpq's buffer, send them with the sync in one write, and collect
    one result per command."""
    pgconn = driver.pgconn
    pgconn.enter_pipeline_mode()
    try:
        for command in begin:
            pgconn.send_query_params(command.encode(), None)
        for statement in statements:
            # As text, which the server reads by the type the statement gives each parameter
            # (SQLAlchemy writes a cast on every one). Not psycopg's binary choice: it picks a
            # type by the value (a small int as int2, a large one as int8), and the server would
            # read the bytes of one by the type the statement was prepared with for another.
            ordered = statement.values_in_order(values)
            dumped = transformer.dump_sequence(ordered, [PyFormat.TEXT] * len(ordered))
            if statement in to_prepare:
                pgconn.send_prepare(statement.prepared_name, statement.numbered_sql)
            pgconn.send_query_prepared(statement.prepared_name, dumped)
        pgconn.send_query_params(b"COMMIT", None)
        pgconn.pipeline_sync()
        driver.wait(generators.send(pgconn))
        answers: list[Any] = []
        while True:
            results = driver.wait(generators.fetch_many(pgconn))
            if results and results[0].status == ExecStatus.PIPELINE_SYNC:
                break
            answers.extend(results)
    finally:
        pgconn.exit_pipeline_mode()
    return answers


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
