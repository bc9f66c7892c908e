"""Shared FastAPI dependencies as ``Annotated`` aliases, and the request's database connection."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Depends, Request
from sqlalchemy import Connection, Engine
from sqlalchemy.pool import Pool
from starlette.concurrency import run_in_threadpool

from ledger.database import is_postgresql
from ontzorgen.unit_of_work import UnitOfWork

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


# The dependencies below are ``async def`` although they do not wait for anything: FastAPI runs a
# plain ``def`` dependency in a worker thread, a hand-over and back for every request. Every
# dependency also costs FastAPI some work on every request (solving it, its cache key, its
# parameters), so the hottest paths (``api.security.authenticate``, ``Access``, the statement
# route) call the plain functions (``uow_factory``, ``today_of``, ``request_database``) instead:
# 6% fewer instructions per statement request than with these as dependencies.


async def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


EngineDep = Annotated[Engine, Depends(get_engine)]


def uow_factory(request: Request) -> Callable[[], UnitOfWork]:
    """A new unit of work per call, on the app's engine and clock."""
    engine: Engine = request.app.state.engine
    clock: Callable[[], datetime] = request.app.state.clock

    def make() -> UnitOfWork:
        return UnitOfWork(engine, clock)

    return make


async def get_uow_factory(request: Request) -> Callable[[], UnitOfWork]:
    return uow_factory(request)


UowFactoryDep = Annotated[Callable[[], UnitOfWork], Depends(get_uow_factory)]


def today_of(request: Request) -> date:
    """Today in the Netherlands: the date every municipal rule speaks of."""
    clock: Callable[[], datetime] = request.app.state.clock
    return clock().astimezone(UTC).astimezone(AMSTERDAM).date()


async def get_today(request: Request) -> date:
    return today_of(request)


TodayDep = Annotated[date, Depends(get_today)]


class RequestDatabase:
    """The request's own database connection, checked out of the pool on first use and given back
    by ``api.app``'s edge middleware when the response has gone out (after its audit row).

    Authentication, the scope lookup, a read route's queries and the audit row share it, so a
    request takes one connection (and pays one pre-ping) instead of one per step. On PostgreSQL it
    runs in autocommit: every statement is its own transaction, which for READ COMMITTED reads is
    what a transaction gave too (each statement sees a fresh snapshot) without the BEGIN and
    ROLLBACK round trips. On SQLite a transaction takes the write lock (``BEGIN IMMEDIATE``), so
    ``idle()`` ends it before a route opens a unit of work of its own.
    """

    __slots__ = ("_connection", "_engine")

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._connection: Connection | None = None

    def connection(self) -> Connection:
        """The connection, checked out now if the request has none yet (may wait for the pool:
        from the event loop, use ``connect``)."""
        if self._connection is None:
            connection = self._engine.connect()
            if is_postgresql(connection):
                connection = connection.execution_options(isolation_level="AUTOCOMMIT")
            self._connection = connection
        return self._connection

    async def connect(self) -> Connection:
        """``connection()`` for code on the event loop. The checkout happens right here when the
        pool has a connection waiting, and in a worker thread when it may have to wait: the loop
        must never block on a full pool, which only requests finishing on this same loop refill."""
        if self._connection is None and not _idle_in_pool(self._engine.pool):
            return await run_in_threadpool(self.connection)
        return self.connection()

    @property
    def opened(self) -> bool:
        return self._connection is not None

    @property
    def autocommit_postgresql(self) -> bool:
        """True when the connection is open on PostgreSQL (where it runs in autocommit)."""
        return self._connection is not None and is_postgresql(self._connection)

    def idle(self) -> None:
        """End the connection's transaction, if any, so it holds no lock while the route runs."""
        if self._connection is not None and self._connection.in_transaction():
            self._connection.rollback()

    def close(self) -> None:
        if self._connection is not None:
            connection, self._connection = self._connection, None
            connection.close()


def _idle_in_pool(pool: Pool) -> bool:
    """True when a checkout from ``pool`` takes a connection that is waiting (a ``QueuePool``
    with one checked in); False when it may wait, or when the pool cannot tell."""
    checked_in = getattr(pool, "checkedin", None)
    return checked_in is not None and int(checked_in()) > 0


def request_database(request: Request) -> RequestDatabase:
    """The request's connection holder, made by the edge middleware (or here, for an app run
    without it, e.g. a route called in isolation; then nobody closes it but the garbage
    collector, so the middleware must be there in production)."""
    found: RequestDatabase | None = getattr(request.state, "database", None)
    if found is None:
        found = RequestDatabase(request.app.state.engine)
        request.state.database = found
    return found


async def get_connection(request: Request) -> Connection:
    """The request's connection, for a read route: what it reads is not committed by anyone."""
    return await request_database(request).connect()


ConnectionDep = Annotated[Connection, Depends(get_connection)]
