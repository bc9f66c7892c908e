"""Alembic environment: migrations run on the engine the caller configured."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

engine: Engine = context.config.attributes["engine"]

with engine.begin() as connection:
    context.configure(connection=connection, transactional_ddl=True)
    context.run_migrations()
