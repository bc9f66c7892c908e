"""Alembic environment: migrations run on the engine the caller configured.

The scheduler's job store (``apscheduler_jobs``) is APScheduler's own table, not ours: comparing the
schema with the code leaves it alone.
"""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import Engine

NOT_OURS = frozenset({"apscheduler_jobs"})


def include_object(_object: Any, name: str | None, type_: str, *_rest: Any) -> bool:
    return not (type_ == "table" and name in NOT_OURS)


engine: Engine = context.config.attributes["engine"]

with engine.begin() as connection:
    context.configure(connection=connection, transactional_ddl=True, include_object=include_object)
    context.run_migrations()
