"""Fixtures: every database test runs on SQLite and on the real PostgreSQL server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine

from ontzorgen import users
from tests.databases import Backend, migrated_sqlite_template, private_postgres_database

# argon2 at production strength takes about 0.3 s a hash on this machine; the tests make hundreds.
users.use_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    with private_postgres_database() as url:
        yield url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return migrated_sqlite_template(tmp_path_factory.mktemp("sqlite"))


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    """Each database kind in turn; ``backend.fresh()`` gives an engine on an empty ledger."""
    if request.param == "postgresql":
        made = Backend(
            "postgresql", postgres_url=request.getfixturevalue("postgres_url"), template=None
        )
    else:
        made = Backend(
            "sqlite", postgres_url=None, template=request.getfixturevalue("sqlite_template")
        )
    yield made
    made.dispose()


@pytest.fixture
def engine(backend: Backend) -> Engine:
    return backend.fresh()


@pytest.fixture
def postgres_engine(postgres_url: str) -> Iterator[Engine]:
    """PostgreSQL only, for tests of row locks and real concurrent connections."""
    made = Backend("postgresql", postgres_url=postgres_url, template=None)
    yield made.fresh()
    made.dispose()
