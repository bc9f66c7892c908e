"""The pool hands out only live PostgreSQL connections, without a query per checkout.

``ledger.database.make_engine`` checks each connection it hands out by looking at its socket
instead of sending a ping: a connection whose session the server ended is dropped and replaced,
and a healthy one is reused as it is.
"""

from __future__ import annotations

import time
from datetime import date
from typing import Any

import psycopg
import pytest
from sqlalchemy import (
    BigInteger,
    Connection,
    Date,
    Engine,
    Integer,
    String,
    bindparam,
    cast,
    event,
    func,
    literal_column,
    select,
    text,
)
from sqlalchemy.engine.interfaces import DBAPIConnection

from ledger import database
from ledger.database import DriverStatement, make_engine, read_in_one_round_trip


def _backend_pid(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())


def test_a_connection_the_server_ended_is_replaced_at_checkout(postgres_url: str) -> None:
    engine = make_engine(postgres_url, pool_size=1)
    other = make_engine(postgres_url, pool_size=1)
    try:
        first = _backend_pid(engine)
        with other.connect() as connection:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            with other.connect() as connection:
                gone = not connection.execute(
                    text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"), {"pid": first}
                ).scalar_one()
            if gone:
                break
            time.sleep(0.05)

        # The pooled connection is dead; the checkout notices and hands out a new one.
        second = _backend_pid(engine)
    finally:
        engine.dispose()
        other.dispose()
    assert second != first


def test_a_healthy_connection_is_reused_without_a_ping(postgres_url: str) -> None:
    engine = make_engine(postgres_url, pool_size=1)
    sent: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: sent.append(args[2]))
    pings: list[object] = []
    ping = engine.dialect.do_ping

    def counted_ping(dbapi_connection: DBAPIConnection) -> bool:
        pings.append(dbapi_connection)
        return ping(dbapi_connection)

    engine.dialect.do_ping = counted_ping  # type: ignore[method-assign]
    try:
        first = _backend_pid(engine)
        again = _backend_pid(engine)
    finally:
        engine.dispose()
    assert again == first
    assert sent == ["SELECT pg_backend_pid()"] * 2
    assert pings == []


# -- read_in_one_round_trip ---------------------------------------------------------------------

_NUMBERS_QUERY = (
    select(literal_column("n", Integer))
    .select_from(text("generate_series(1, :last) AS n"))
    .where(literal_column("n", Integer) >= bindparam("first", type_=Integer))
    .order_by(literal_column("n"))
    .limit(3)
)
_WORDS_QUERY = select(
    bindparam("word", type_=String).label("word"),
    bindparam("on", type_=Date).label("on"),
    cast(bindparam("cents", type_=BigInteger), BigInteger).label("cents"),
)
_NUMBERS = DriverStatement(_NUMBERS_QUERY)
_WORDS = DriverStatement(_WORDS_QUERY)
_DIVIDED = DriverStatement(select(literal_column("100", Integer) / bindparam("by", type_=Integer)))
_SETTING = DriverStatement(select(func.current_setting("plan_cache_mode")))
_BEGIN = ("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY",)
_VALUES = {"first": 2, "last": 9, "word": "ناصر", "on": date(2026, 10, 1), "cents": 10**12}


def _read(connection: Connection) -> list[list[tuple[Any, ...]]]:
    return read_in_one_round_trip(connection, [_NUMBERS, _WORDS], _VALUES, begin=_BEGIN)


def _prepared_names(connection: Connection) -> set[str]:
    driver: Any = connection.connection.driver_connection
    return {row[0] for row in driver.execute("SELECT name FROM pg_prepared_statements")}


def test_one_round_trip_reads_what_the_statements_read_one_by_one(postgres_url: str) -> None:
    engine = make_engine(postgres_url, pool_size=1)
    try:
        with engine.connect() as plain:
            expected = [
                [tuple(row) for row in plain.execute(query, _VALUES)]
                for query in (_NUMBERS_QUERY, _WORDS_QUERY)
            ]
        assert expected == [[(2,), (3,), (4,)], [("ناصر", date(2026, 10, 1), 10**12)]]
        with engine.connect() as connection:
            autocommit = connection.execution_options(isolation_level="AUTOCOMMIT")
            assert _read(autocommit) == expected
            # Prepared once on the session, then only executed.
            names = {_NUMBERS.prepared_name.decode(), _WORDS.prepared_name.decode()}
            assert names <= _prepared_names(autocommit)
            assert _read(autocommit) == expected
            # Values of another size than the first time (a binary int2 then an int8 would be
            # read by the type the statement was prepared with).
            assert read_in_one_round_trip(
                autocommit, [_WORDS], {**_VALUES, "cents": 1}, begin=_BEGIN
            ) == [[("ناصر", date(2026, 10, 1), 1)]]
            # The commands that begin the transaction hold for its statements only.
            setting = [[("force_generic_plan",)]]
            assert (
                read_in_one_round_trip(
                    autocommit,
                    [_SETTING],
                    {},
                    begin=(*_BEGIN, "SET LOCAL plan_cache_mode = force_generic_plan"),
                )
                == setting
            )
            assert autocommit.exec_driver_sql("SHOW plan_cache_mode").scalar() == "auto"
    finally:
        engine.dispose()


def test_one_round_trip_prepares_again_when_the_session_lost_its_statements(
    postgres_url: str,
) -> None:
    engine = make_engine(postgres_url, pool_size=1)
    try:
        with engine.connect() as connection:
            autocommit = connection.execution_options(isolation_level="AUTOCOMMIT")
            expected = _read(autocommit)
            autocommit.exec_driver_sql("DEALLOCATE ALL")
            assert _read(autocommit) == expected
            # And the other way round: prepared on the server, but forgotten here.
            driver: Any = autocommit.connection.driver_connection
            database._prepared_on.pop(driver)
            assert _read(autocommit) == expected
            assert driver.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    finally:
        engine.dispose()


def test_a_failing_statement_raises_and_leaves_no_transaction_open(postgres_url: str) -> None:
    engine = make_engine(postgres_url, pool_size=1)
    try:
        with engine.connect() as connection:
            autocommit = connection.execution_options(isolation_level="AUTOCOMMIT")
            with pytest.raises(psycopg.errors.DivisionByZero):
                read_in_one_round_trip(
                    autocommit, [_NUMBERS, _DIVIDED, _WORDS], {**_VALUES, "by": 0}, begin=_BEGIN
                )
            driver: Any = autocommit.connection.driver_connection
            assert driver.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
            # The connection reads again, the statements prepared before the failure included.
            assert read_in_one_round_trip(
                autocommit, [_NUMBERS, _DIVIDED, _WORDS], {**_VALUES, "by": 4}, begin=_BEGIN
            ) == [[(2,), (3,), (4,)], [(25,)], [("ناصر", date(2026, 10, 1), 10**12)]]
    finally:
        engine.dispose()
