"""Real databases for the tests: a fresh SQLite file or a private PostgreSQL database.

PostgreSQL is required, never mocked: when it cannot be reached the tests that need it fail with a
message saying how to start it. Each test session creates its own PostgreSQL database, migrates it
once and drops it at the end; each test (and each hypothesis example) starts from an empty ledger.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, make_url, text

import ontzorgen.tables  # noqa: F401  (registers the domain tables in the shared metadata)
from ledger.database import make_engine
from ledger.schema import metadata
from ontzorgen.database import upgrade

POSTGRES_ADMIN_URL = os.environ.get(
    "ONTZORGEN_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
ALL_TABLES = tuple(table.name for table in metadata.sorted_tables)


class PostgresUnavailable(RuntimeError):
    """The test PostgreSQL server cannot be reached."""


@contextmanager
def private_postgres_database() -> Iterator[str]:
    """Create a migrated PostgreSQL database for this test session and drop it afterwards."""
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"ontzorgen_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:
        raise PostgresUnavailable(
            f"PostgreSQL at {POSTGRES_ADMIN_URL} is needed for these tests and cannot be reached. "
            "Start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main "
            "start (or set ONTZORGEN_TEST_POSTGRES_URL)."
        ) from error
    url = make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def migrated_sqlite_template(directory: Path) -> Path:
    """An SQLite file migrated once; tests copy it instead of migrating again."""
    path = directory / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    # Closing the last connection checkpoints the WAL into the file, so a plain copy is complete.
    engine.dispose()
    return path


class Backend:
    """One database kind, able to hand out an engine on an empty, migrated ledger."""

    def __init__(self, name: str, *, postgres_url: str | None, template: Path | None) -> None:
        self.name = name
        self._postgres_url = postgres_url
        self._template = template
        self._engine: Engine | None = None

    def fresh(self) -> Engine:
        """An engine on an empty, migrated database; the engine handed out before is disposed of."""
        if self._postgres_url is not None:
            if self._engine is None:
                self._engine = make_engine(self._postgres_url, pool_size=25)
            with self._engine.begin() as connection:
                connection.execute(
                    text(f"TRUNCATE {', '.join(ALL_TABLES)} RESTART IDENTITY CASCADE")
                )
            return self._engine
        assert self._template is not None
        self.dispose()
        path = self._template.with_name(f"ledger-{uuid.uuid4().hex[:8]}.db")
        shutil.copyfile(self._template, path)
        self._engine = make_engine(f"sqlite:///{path}")
        return self._engine

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            if self._engine.url.drivername.startswith("sqlite") and self._engine.url.database:
                for suffix in ("", "-wal", "-shm"):
                    Path(self._engine.url.database + suffix).unlink(missing_ok=True)
            self._engine = None
