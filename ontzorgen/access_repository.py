"""Persistence of users, API tokens, sessions, login attempts, the audit log and idempotent
responses. Reads and writes rows; decides nothing (``ontzorgen.users`` and ``ontzorgen.audit`` do).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Connection,
    and_,
    bindparam,
    func,
    insert,
    literal,
    select,
    update,
)

from ledger.database import DriverStatement, in_autocommit_on_postgresql
from ontzorgen.access import Principal, Role
from ontzorgen.access_tables import (
    api_tokens,
    audit_log,
    idempotent_requests,
    login_attempts,
    sessions,
    users,
)
from ontzorgen.tables import (
    households,
    kredietbank_municipalities,
    municipalities,
    payment_runs,
    signals,
    statement_imports,
)


@dataclass(frozen=True, slots=True)
class UserRecord:
    principal: Principal
    password_hash: str | None
    disabled: bool


@dataclass(frozen=True, slots=True)
class TokenRecord:
    token_id: int
    user: UserRecord
    secret_hash: str
    expires_at: datetime | None
    revoked: bool


@dataclass(frozen=True, slots=True)
class SessionRecord:
    user: UserRecord
    csrf_token: str
    last_seen_at: datetime
    expires_at: datetime
    ended: bool


@dataclass(frozen=True, slots=True)
class AuditRow:
    at: datetime
    user_id: int | None
    user_name: str | None
    role: str | None
    remote_address: str
    method: str
    path: str
    action: str
    status_code: int
    municipality_id: int | None
    household_id: int | None


@dataclass(frozen=True, slots=True)
class StoredResponse:
    method: str
    path: str
    request_sha256: str
    status_code: int
    media_type: str
    body: bytes


def _user(row: Any) -> UserRecord:
    principal = Principal(
        user_id=row.id,
        name=row.name,
        role=Role(row.role),
        municipality_id=row.municipality_id,
        kredietbank_id=row.kredietbank_id,
        household_id=row.household_id,
    )
    return UserRecord(principal, row.password_hash, row.disabled_at is not None)


def _token(row: Any) -> TokenRecord:
    return TokenRecord(
        row.token_id,
        _user(row),
        row.secret_hash,
        None if row.expires_at is None else _aware(row.expires_at),
        row.revoked_at is not None,
    )


# Built once with bound parameters: the statement is asked on every authenticated request.
_TOKEN_AND_HOUSEHOLD = (
    select(
        api_tokens.c.id.label("token_id"),
        api_tokens.c.secret_hash,
        api_tokens.c.expires_at,
        api_tokens.c.revoked_at,
        users,
        households.c.municipality_id.label("household_municipality_id"),
        households.c.kredietbank_id.label("household_kredietbank_id"),
    )
    .select_from(
        api_tokens.join(users, users.c.id == api_tokens.c.user_id).outerjoin(
            households, households.c.id == bindparam("household_id", type_=BigInteger)
        )
    )
    .where(api_tokens.c.id == bindparam("token_id", type_=BigInteger))
)


_AUDIT_COLUMNS = (
    "at",
    "user_id",
    "user_name",
    "role",
    "remote_address",
    "method",
    "path",
    "action",
    "status_code",
    "municipality_id",
    "household_id",
)
# ``set_config(..., true)`` is ``SET LOCAL``: it lasts until the end of the statement's own
# (autocommit) transaction, whose commit it makes asynchronous; evaluated once, as the row's
# WHERE clause, in the same round trip as the insert.
_AUDIT_ROW_ASYNC_COMMIT = insert(audit_log).from_select(
    list(_AUDIT_COLUMNS),
    select(*[bindparam(name, type_=audit_log.c[name].type) for name in _AUDIT_COLUMNS]).where(
        func.set_config("synchronous_commit", "off", literal(True)) == "off"
    ),
)

_DRIVER_TOKEN_AND_HOUSEHOLD = DriverStatement(_TOKEN_AND_HOUSEHOLD)
_DRIVER_AUDIT_ROW_ASYNC_COMMIT = DriverStatement(_AUDIT_ROW_ASYNC_COMMIT)


def _aware(moment: datetime) -> datetime:
    """SQLite hands timestamps back without their zone; they were written in UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class AccessRepository:
    def __init__(self, connection: Connection, now: Callable[[], datetime]) -> None:
        self._connection = connection
        self._now = now

    # -- users ----------------------------------------------------------------------------------

    def add_user(
        self,
        name: str,
        role: Role,
        *,
        municipality_id: int | None,
        kredietbank_id: int | None,
        household_id: int | None,
        password_hash: str | None,
        oidc_subject: str | None,
    ) -> int:
        result = self._connection.execute(
            insert(users).values(
                name=name,
                role=role.value,
                municipality_id=municipality_id,
                kredietbank_id=kredietbank_id,
                household_id=household_id,
                password_hash=password_hash,
                oidc_subject=oidc_subject,
                created_at=self._now(),
            )
        )
        assert result.inserted_primary_key is not None
        return int(result.inserted_primary_key[0])

    def user_by_name(self, name: str) -> UserRecord | None:
        row = self._connection.execute(select(users).where(users.c.name == name)).first()
        return None if row is None else _user(row)

    def user_by_oidc_subject(self, subject: str) -> UserRecord | None:
        row = self._connection.execute(select(users).where(users.c.oidc_subject == subject)).first()
        return None if row is None else _user(row)

    def set_password_hash(self, user_id: int, password_hash: str) -> None:
        self._connection.execute(
            update(users).where(users.c.id == user_id).values(password_hash=password_hash)
        )

    # -- tokens ---------------------------------------------------------------------------------

    def add_token(self, user_id: int, secret_hash: str, expires_at: datetime | None) -> int:
        result = self._connection.execute(
            insert(api_tokens).values(
                user_id=user_id,
                secret_hash=secret_hash,
                created_at=self._now(),
                expires_at=expires_at,
            )
        )
        assert result.inserted_primary_key is not None
        return int(result.inserted_primary_key[0])

    def token_and_household(
        self, token_id: int, household_id: int | None
    ) -> tuple[TokenRecord | None, tuple[int, int | None] | None]:
        """The token (as ``token``) and, in the same query, the household's scope (as
        ``household_scope``): one round trip for who asks and where the thing asked about is."""
        values = {
            "token_id": token_id,
            "household_id": -1 if household_id is None else household_id,
        }
        if in_autocommit_on_postgresql(self._connection):
            # On every authenticated request: straight through the driver.
            row = _DRIVER_TOKEN_AND_HOUSEHOLD.execute(self._connection, values).fetchone()
        else:
            row = self._connection.execute(_TOKEN_AND_HOUSEHOLD, values).first()
        if row is None:
            return None, None
        scope = (
            None
            if row.household_municipality_id is None
            else (int(row.household_municipality_id), row.household_kredietbank_id)
        )
        return _token(row), scope

    def revoke_token(self, token_id: int) -> None:
        self._connection.execute(
            update(api_tokens)
            .where(api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=self._now())
        )

    # -- sessions -------------------------------------------------------------------------------

    def add_session(
        self, secret_sha256: str, user_id: int, csrf_token: str, expires_at: datetime
    ) -> None:
        now = self._now()
        self._connection.execute(
            insert(sessions).values(
                secret_sha256=secret_sha256,
                user_id=user_id,
                csrf_token=csrf_token,
                created_at=now,
                last_seen_at=now,
                expires_at=expires_at,
            )
        )

    def session(self, secret_sha256: str) -> SessionRecord | None:
        row = self._connection.execute(
            select(
                sessions.c.csrf_token,
                sessions.c.last_seen_at,
                sessions.c.expires_at,
                sessions.c.ended_at,
                users,
            )
            .join(users, users.c.id == sessions.c.user_id)
            .where(sessions.c.secret_sha256 == secret_sha256)
        ).first()
        if row is None:
            return None
        return SessionRecord(
            _user(row),
            row.csrf_token,
            _aware(row.last_seen_at),
            _aware(row.expires_at),
            row.ended_at is not None,
        )

    def touch_session(self, secret_sha256: str) -> None:
        self._connection.execute(
            update(sessions)
            .where(sessions.c.secret_sha256 == secret_sha256)
            .values(last_seen_at=self._now())
        )

    def end_session(self, secret_sha256: str) -> None:
        self._connection.execute(
            update(sessions)
            .where(sessions.c.secret_sha256 == secret_sha256, sessions.c.ended_at.is_(None))
            .values(ended_at=self._now())
        )

    # -- login attempts -------------------------------------------------------------------------

    def add_login_attempt(self, name: str, remote_address: str, succeeded: bool) -> None:
        self._connection.execute(
            insert(login_attempts).values(
                name=name,
                remote_address=remote_address,
                attempted_at=self._now(),
                succeeded=succeeded,
            )
        )

    def failed_logins_since(
        self, since: datetime, *, name: str, remote_address: str
    ) -> tuple[int, int]:
        """Failed attempts since ``since``: (for this name, from this address)."""

        def count(condition: Any) -> int:
            found = self._connection.execute(
                select(func.count()).where(
                    condition,
                    login_attempts.c.attempted_at >= since,
                    login_attempts.c.succeeded.is_(False),
                )
            ).scalar_one()
            return int(found)

        return (
            count(login_attempts.c.name == name),
            count(login_attempts.c.remote_address == remote_address),
        )

    # -- scopes ---------------------------------------------------------------------------------

    def household_scope(self, household_id: int) -> tuple[int, int | None] | None:
        """(municipality id, kredietbank id) of a household, or None when it does not exist."""
        row = self._connection.execute(
            select(households.c.municipality_id, households.c.kredietbank_id).where(
                households.c.id == household_id
            )
        ).first()
        return None if row is None else (int(row.municipality_id), row.kredietbank_id)

    def kredietbanken_serving(self, municipality_id: int) -> frozenset[int]:
        rows = self._connection.execute(
            select(kredietbank_municipalities.c.kredietbank_id).where(
                kredietbank_municipalities.c.municipality_id == municipality_id
            )
        )
        return frozenset(int(row[0]) for row in rows)

    def municipalities_served_by(self, kredietbank_id: int) -> frozenset[int]:
        rows = self._connection.execute(
            select(kredietbank_municipalities.c.municipality_id).where(
                kredietbank_municipalities.c.kredietbank_id == kredietbank_id
            )
        )
        return frozenset(int(row[0]) for row in rows)

    def run_municipality(self, run_id: int) -> int | None:
        found = self._connection.execute(
            select(payment_runs.c.municipality_id).where(payment_runs.c.id == run_id)
        ).scalar()
        return None if found is None else int(found)

    def signal_household(self, signal_id: int) -> int | None:
        found = self._connection.execute(
            select(signals.c.household_id).where(signals.c.id == signal_id)
        ).scalar()
        return None if found is None else int(found)

    def import_municipalities(self, import_id: int) -> frozenset[int] | None:
        """The municipality whose bank account a statement is of (none when no municipality has
        that account); None when the import is unknown."""
        rows = self._connection.execute(
            select(municipalities.c.id)
            .select_from(statement_imports)
            .outerjoin(
                municipalities, municipalities.c.bank_iban == statement_imports.c.account_iban
            )
            .where(statement_imports.c.id == import_id)
        ).all()
        if not rows:
            return None
        return frozenset(int(row.id) for row in rows if row.id is not None)

    # -- audit log ------------------------------------------------------------------------------

    def add_audit_row(self, row: AuditRow, *, durable: bool = True) -> None:
        """Append a row. ``durable=False`` lets PostgreSQL acknowledge the commit before its WAL
        is flushed (``synchronous_commit = off`` for this one transaction): a crash of the database
        server can then lose the rows of its last fraction of a second (at most three times
        ``wal_writer_delay``, 600 ms by default), never corrupt anything, and any later durable
        commit flushes them too. It is honoured only on a PostgreSQL connection in autocommit,
        where the insert is its own transaction; anywhere else the row is written durably."""
        values = {name: getattr(row, name) for name in AuditRow.__slots__}
        if not durable and in_autocommit_on_postgresql(self._connection):
            # The row of every read: straight through the driver.
            _DRIVER_AUDIT_ROW_ASYNC_COMMIT.execute(self._connection, values)
        else:
            self._connection.execute(insert(audit_log), values)

    def audit_rows(
        self, municipality_id: int, since: datetime, until: datetime, *, after_id: int, limit: int
    ) -> list[tuple[int, AuditRow]]:
        """One municipality's log in order: ``limit`` rows after ``after_id`` (0: the start)."""
        rows = self._connection.execute(
            select(audit_log)
            .where(
                and_(
                    audit_log.c.municipality_id == municipality_id,
                    audit_log.c.at >= since,
                    audit_log.c.at < until,
                    audit_log.c.id > after_id,
                )
            )
            .order_by(audit_log.c.id)
            .limit(limit)
        )
        return [
            (
                int(row.id),
                AuditRow(
                    _aware(row.at),
                    row.user_id,
                    row.user_name,
                    row.role,
                    row.remote_address,
                    row.method,
                    row.path,
                    row.action,
                    row.status_code,
                    row.municipality_id,
                    row.household_id,
                ),
            )
            for row in rows
        ]

    # -- idempotent requests --------------------------------------------------------------------

    def stored_response(self, user_id: int, key: str) -> StoredResponse | None:
        row = self._connection.execute(
            select(idempotent_requests).where(
                idempotent_requests.c.user_id == user_id, idempotent_requests.c.key == key
            )
        ).first()
        if row is None:
            return None
        return StoredResponse(
            row.method, row.path, row.request_sha256, row.status_code, row.media_type, row.body
        )

    def store_response(self, user_id: int, key: str, response: StoredResponse) -> None:
        self._connection.execute(
            insert(idempotent_requests).values(
                user_id=user_id,
                key=key,
                method=response.method,
                path=response.path,
                request_sha256=response.request_sha256,
                status_code=response.status_code,
                media_type=response.media_type,
                body=response.body,
                created_at=self._now(),
            )
        )
