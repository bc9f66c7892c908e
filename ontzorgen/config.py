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
    #: The municipality's OpenID Connect provider (e.g. ``https://login.example.nl/realms/gemeente``).
    #: Unset: only local accounts and their tokens. Its users still need a local account with
    #: ``oidc_subject`` set, which holds their role and scope.
    oidc_issuer: str | None = None
    oidc_audience: str = "ontzorgen"
    #: Where the provider publishes its keys; default: Keycloak's path under the issuer.
    oidc_jwks_url: str | None = None
    #: Send the session cookie only over HTTPS. Off for the embedded ``make run`` on localhost.
    secure_cookies: bool = False


def load_settings() -> Settings:
    return Settings()
