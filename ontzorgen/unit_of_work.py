"""One unit of work: one database transaction shared by the domain's writes and the ledger's.

It commits only when told to and rolls back otherwise, so a use case that raises halfway leaves
nothing behind. The clock is passed in; domain code never reads the time itself.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from types import TracebackType
from typing import Self

from sqlalchemy import Connection, Engine, RootTransaction

from ledger.store import LedgerStore
from ontzorgen.access_repository import AccessRepository
from ontzorgen.repository import Repository
from ontzorgen.run_repository import RunRepository


def utc_now() -> datetime:
    return datetime.now(UTC)


class UnitOfWork:
    connection: Connection
    ledger: LedgerStore
    repository: Repository
    runs: RunRepository
    access: AccessRepository

    def __init__(self, engine: Engine, now: Callable[[], datetime] = utc_now) -> None:
        self._engine = engine
        self._now = now
        self._transaction: RootTransaction | None = None

    def __enter__(self) -> Self:
        self.connection = self._engine.connect()
        self._transaction = self.connection.begin()
        self.ledger = LedgerStore(self.connection, self._now)
        self.repository = Repository(self.connection, self._now)
        self.runs = RunRepository(self.connection, self._now)
        self.access = AccessRepository(self.connection, self._now)
        return self

    def commit(self) -> None:
        assert self._transaction is not None, "commit() outside of 'with uow:'"
        self._transaction.commit()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._transaction is not None and self._transaction.is_active:
            self._transaction.rollback()
        self.connection.close()
        self._transaction = None
