"""Writes one audit-log row per request to ``/v1`` (except health and the API description) and
per page a logged-in person opens (and every login attempt):
who (the authenticated user, if any), what (method, path, read/change/denied), when, from where,
with the municipality and household the request touched (``request.state.scope``, set by
``api.security.Access``). Refusals are recorded too: a denied look is worth knowing about.

The row is written by ``api.app``'s edge middleware as soon as the response's status is known and
before any of the response leaves: if it cannot be written, the client gets a 500, not the data.
It goes on the request's own connection (``api.dependencies.RequestDatabase``), the one that
authenticated the request and, for a read route, read the data.

A read's row, on the PostgreSQL connection the request already holds, is written on the event
loop itself (one quick insert); anything that may wait goes to a worker thread.

Durability: a change, a refusal, a login and anything else is committed durably. A ``read`` row
is committed with ``synchronous_commit = off`` on PostgreSQL (``AccessRepository.add_audit_row``):
the commit does not wait for its WAL to reach the disk (about 3 ms here, per request). Only a
crash of the database server (not of the app) can lose such rows, those of at most the last
~600 ms (three times ``wal_writer_delay``), and the next durable commit of anyone flushes them;
nothing was changed by those requests, and the log can never hold a row that did not happen.
That is the price of a statement that costs no disk flush; changes stay fully durable.

The path holds ids only (no BSN ever goes in a URI), so the log itself stays free of personal data.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from datetime import UTC, datetime
from typing import Any

from api.dependencies import RequestDatabase
from ontzorgen.access import Principal, Scope
from ontzorgen.access_repository import AccessRepository, AuditRow

UNAUDITED_PATHS = frozenset(
    {"/v1/health", "/v1/openapi.json", "/v1/docs", "/v1/docs/oauth2-redirect"}
)
UNAUDITED_PREFIXES = ("/static/", "/fonts/", "/taal/")
PATH_LENGTH_MAX = 300
READ_METHODS = frozenset({"GET", "HEAD"})


def _action(state: MutableMapping[str, Any], method: str, status_code: int) -> str:
    explicit: str | None = state.get("audit_action")
    if explicit is not None:
        return explicit
    if status_code in (401, 403):
        return "denied"
    return "read" if method in READ_METHODS else "change"


def audit_row(
    scope: MutableMapping[str, Any],
    state: MutableMapping[str, Any],
    status_code: int,
    clock: Callable[[], datetime],
) -> AuditRow | None:
    """The row for a request (its ASGI scope and ``request.state``'s dict), or None when the
    request is not audited."""
    path: str = scope["path"]
    principal: Principal | None = state.get("principal")
    method: str = scope["method"]
    if path in UNAUDITED_PATHS or path.startswith(UNAUDITED_PREFIXES):
        return None
    if not path.startswith("/v1/") and principal is None and method == "GET":
        # A page looked at without logging in (the login page itself): nobody's data was read.
        return None
    touched: Scope | None = state.get("scope")
    municipality_id = principal.municipality_id if principal is not None else None
    household_id = None
    if touched is not None:
        household_id = touched.household_id
        if len(touched.municipality_ids) == 1:
            (municipality_id,) = touched.municipality_ids
    client = scope.get("client")
    return AuditRow(
        at=clock().astimezone(UTC),
        user_id=principal.user_id if principal is not None else None,
        user_name=principal.name if principal is not None else None,
        role=principal.role.value if principal is not None else None,
        remote_address=client[0] if client else "unknown",
        method=method,
        path=path[:PATH_LENGTH_MAX],
        action=_action(state, method, status_code),
        status_code=status_code,
        municipality_id=municipality_id,
        household_id=household_id,
    )


def record(database: RequestDatabase, row: AuditRow, clock: Callable[[], datetime]) -> None:
    """Write the row and commit it on the request's connection (checked out now if the request
    had none). Blocking: call it from a worker thread."""
    database.idle()
    connection = database.connection()
    AccessRepository(connection, clock).add_audit_row(row, durable=row.action != "read")
    connection.commit()


def writes_at_once(database: RequestDatabase, row: AuditRow) -> bool:
    """Whether ``record`` may run on the event loop itself: a read's row, on the PostgreSQL
    connection the request holds already, is one insert whose commit waits for no disk flush (a
    local round trip, cheaper than handing it to a worker thread). Everything else (a durable
    commit waits for the WAL flush; SQLite may wait for its lock; a checkout may wait for the
    pool) goes to a worker thread."""
    return row.action == "read" and database.opened and database.autocommit_postgresql
