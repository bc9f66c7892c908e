"""Configuration from the environment: every variable starts with ``ONTZORGEN_``."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """The settings every command reads; override any of them with ``ONTZORGEN_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="ONTZORGEN_", extra="ignore")

    #: SQLAlchemy URL. The embedded default is an SQLite file in the working directory;
    #: production uses PostgreSQL, e.g. ``postgresql+psycopg://user@host:5432/ontzorgen``.
    database_url: str = "sqlite:///ontzorgen.db"
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "info"


def load_settings() -> Settings:
    return Settings()
