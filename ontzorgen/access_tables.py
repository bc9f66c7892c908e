"""The tables of access control and accountability: users, their secrets, sessions, login
attempts, the audit log and the responses kept for idempotent requests.

Secrets are never stored: a password or an API token is kept as its argon2 hash, a session by the
SHA-256 of its 256-bit random secret. The audit log is append-only (triggers in the migration).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    String,
    Table,
)

from ledger.schema import IdType, metadata

users = Table(
    "users",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    # The login name; never a BSN or an e-mail address that could identify a newcomer in a log.
    Column("name", String(64), nullable=False, unique=True),
    Column("role", String(16), nullable=False),
    # Exactly one of the three is set, as the role needs (checked by ontzorgen.access).
    Column("municipality_id", BigInteger, ForeignKey("municipalities.id"), nullable=True),
    Column("kredietbank_id", BigInteger, ForeignKey("kredietbanken.id"), nullable=True),
    Column("household_id", BigInteger, ForeignKey("households.id"), nullable=True),
    Column("password_hash", String(200), nullable=True),
    # The ``sub`` claim of the municipality's OpenID Connect provider, when it is plugged in.
    Column("oidc_subject", String(200), nullable=True, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("disabled_at", DateTime(timezone=True), nullable=True),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("user_id", BigInteger, ForeignKey("users.id"), nullable=False, index=True),
    Column("secret_hash", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=True),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
)

sessions = Table(
    "sessions",
    metadata,
    # SHA-256 (hex) of the cookie's random secret: a stolen table opens no session.
    Column("secret_sha256", String(64), primary_key=True),
    Column("user_id", BigInteger, ForeignKey("users.id"), nullable=False, index=True),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_seen_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("ended_at", DateTime(timezone=True), nullable=True),
)

login_attempts = Table(
    "login_attempts",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("name", String(64), nullable=False),
    Column("remote_address", String(64), nullable=False),
    Column("attempted_at", DateTime(timezone=True), nullable=False),
    Column("succeeded", Boolean, nullable=False),
    Index("ix_login_attempts_name_attempted_at", "name", "attempted_at"),
    Index("ix_login_attempts_remote_address_attempted_at", "remote_address", "attempted_at"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("user_id", BigInteger, nullable=True),  # no foreign key: the log outlives accounts
    Column("user_name", String(64), nullable=True),
    Column("role", String(16), nullable=True),
    Column("remote_address", String(64), nullable=False),
    Column("method", String(8), nullable=False),
    Column("path", String(300), nullable=False),
    # read, change, denied, login, login-failed, logout
    Column("action", String(16), nullable=False),
    Column("status_code", Integer, nullable=False),
    Column("municipality_id", BigInteger, nullable=True),
    Column("household_id", BigInteger, nullable=True),
    Index("ix_audit_log_municipality_id_at", "municipality_id", "at"),
    Index("ix_audit_log_household_id_at", "household_id", "at"),
)

idempotent_requests = Table(
    "idempotent_requests",
    metadata,
    Column("user_id", BigInteger, ForeignKey("users.id"), nullable=False),
    Column("key", String(128), nullable=False),
    Column("method", String(8), nullable=False),
    Column("path", String(300), nullable=False),
    Column("request_sha256", String(64), nullable=False),
    Column("status_code", Integer, nullable=False),
    Column("media_type", String(64), nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("user_id", "key"),
)
