"""The pool hands out only live PostgreSQL connections, without a query per checkout.

``ledger.database.make_engine`` checks each connection it hands out by looking at its socket
instead of sending a ping: a connection whose session the server ended is dropped and replaced,
and a healthy one is reused as it is.
"""

from __future__ import annotations

import time

from sqlalchemy import Engine, event, text
from sqlalchemy.engine.interfaces import DBAPIConnection

from ledger.database import make_engine


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
