"""Writes one audit-log row per request to ``/v1`` (except health and the API description) and
per page a logged-in person opens (and every login attempt):
who (the authenticated user, if any), what (method, path, read/change/denied), when, from where,
with the municipality and household the request touched (``request.state.scope``, set by
``api.security.Access``). Refusals are recorded too: a denied look is worth knowing about.

The path holds ids only (no BSN ever goes in a URI), so the log itself stays free of personal data.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from ontzorgen import audit
from ontzorgen.access import Principal, Scope
from ontzorgen.access_repository import AuditRow
from ontzorgen.unit_of_work import UnitOfWork

UNAUDITED_PATHS = frozenset(
    {"/v1/health", "/v1/openapi.json", "/v1/docs", "/v1/docs/oauth2-redirect"}
)
UNAUDITED_PREFIXES = ("/static/", "/fonts/", "/taal/")
PATH_LENGTH_MAX = 300


def _action(request: Request, status_code: int) -> str:
    explicit: str | None = getattr(request.state, "audit_action", None)
    if explicit is not None:
        return explicit
    if status_code in (401, 403):
        return "denied"
    return "read" if request.method in ("GET", "HEAD") else "change"


async def record_request(request: Request, status_code: int) -> None:
    path = request.url.path
    principal: Principal | None = getattr(request.state, "principal", None)
    if path in UNAUDITED_PATHS or path.startswith(UNAUDITED_PREFIXES):
        return
    if not path.startswith("/v1/") and principal is None and request.method == "GET":
        # A page looked at without logging in (the login page itself): nobody's data was read.
        return
    scope: Scope | None = getattr(request.state, "scope", None)
    municipality_id = principal.municipality_id if principal is not None else None
    household_id = None
    if scope is not None:
        household_id = scope.household_id
        if len(scope.municipality_ids) == 1:
            (municipality_id,) = scope.municipality_ids
    clock: Callable[[], datetime] = request.app.state.clock
    row = AuditRow(
        at=clock().astimezone(UTC),
        user_id=principal.user_id if principal is not None else None,
        user_name=principal.name if principal is not None else None,
        role=principal.role.value if principal is not None else None,
        remote_address=request.client.host if request.client is not None else "unknown",
        method=request.method,
        path=path[:PATH_LENGTH_MAX],
        action=_action(request, status_code),
        status_code=status_code,
        municipality_id=municipality_id,
        household_id=household_id,
    )
    engine = request.app.state.engine
    await run_in_threadpool(audit.record, UnitOfWork(engine, clock), row)
