"""The FastAPI application, following the NL GOV API Design Rules (CONVENTIONS.md).

- everything under ``/v1``; OpenAPI at ``/v1/openapi.json``, readable without login, with contact;
- ``API-Version`` and the security headers on every response, errors included;
- no redirects for trailing slashes: ``/v1/health/`` is a 404;
- problem+json for every error (``api.problems``), domain refusals by one table (``api.errors``);
- every request to ``/v1`` by or on behalf of a user lands in the audit log (``api.audit``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from fastapi import FastAPI
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.audit import audit_row, record, writes_at_once
from api.dependencies import RequestDatabase
from api.errors import install_refusal_handlers
from api.oidc import OidcVerifier
from api.pages import install_pages
from api.problems import install_problem_handlers, problem
from api.routes import ROUTERS
from ontzorgen.config import Settings, load_settings
from ontzorgen.unit_of_work import utc_now

API_VERSION = "1.0.0"

SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "Referrer-Policy": "no-referrer",
}


_API_VERSION_HEADER = (b"api-version", API_VERSION.encode())
_SECURITY_HEADERS = tuple(
    (name.lower().encode(), value.encode()) for name, value in SECURITY_HEADERS.items()
)


class Edge:
    """The outermost layer of the app, a plain ASGI middleware (no ``BaseHTTPMiddleware``: no
    extra task and stream per request).

    For every HTTP request it gives the request its database connection holder
    (``request.state.database``) and closes it when the request is done; when the response starts
    (its status known, nothing sent yet) it writes the audit row (``api.audit``) in a worker thread
    and adds ``API-Version`` and the security headers (a header the app set itself is kept). It
    wraps Starlette's error middleware, so an unexpected 500 is audited and carries the headers
    too; if the audit row cannot be written, the client gets a 500 problem instead of the data.
    """

    def __init__(self, app: ASGIApp, engine: Engine, clock: Callable[[], datetime]) -> None:
        self.app = app
        self.engine = engine
        self.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state: dict[str, Any] = scope.setdefault("state", {})
        database = RequestDatabase(self.engine)
        state["database"] = database
        started = False

        async def send_at_the_edge(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                row = audit_row(scope, state, message["status"], self.clock)
                if row is not None:
                    if writes_at_once(database, row):
                        record(database, row, self.clock)
                    else:
                        await run_in_threadpool(record, database, row, self.clock)
                message["headers"] = _with_edge_headers(message.get("headers", ()))
                started = True
            await send(message)

        try:
            await self.app(scope, receive, send_at_the_edge)
        except Exception:
            if not started:
                # The audit row could not be written (or the error handler failed): no data.
                started = True
                failed = problem(
                    500, "Something went wrong on our side. The error has been logged."
                )
                failed.raw_headers[:] = _with_edge_headers(failed.raw_headers)
                await failed(scope, receive, send)
            raise
        finally:
            database.close()


def _with_edge_headers(headers: Any) -> list[tuple[bytes, bytes]]:
    raw = [header for header in headers if header[0].lower() != b"api-version"]
    present = {name.lower() for name, _ in raw}
    raw.append(_API_VERSION_HEADER)
    raw.extend(header for header in _SECURITY_HEADERS if header[0] not in present)
    return raw


class _App(FastAPI):
    """FastAPI with ``Edge`` around everything, Starlette's error middleware included."""

    def build_middleware_stack(self) -> ASGIApp:
        return Edge(super().build_middleware_stack(), self.state.engine, self.state.clock)


def create_app(
    engine: Engine,
    *,
    clock: Callable[[], datetime] = utc_now,
    settings: Settings | None = None,
) -> FastAPI:
    settings = settings or load_settings()
    app = _App(
        title="ontzorgen",
        version=API_VERSION,
        description=(
            "Financial ontzorging for newcomers on bijstand (art. 56a Participatiewet): fixed "
            "costs withheld and paid to creditors, leefgeld to the newcomer, control handed back "
            "step by step, every euro in a double-entry ledger. Authenticate with "
            "`Authorization: Bearer <token>` (`ontzorgen users add` prints one)."
        ),
        contact={"name": "ontzorgen maintainers", "email": "ontzorgen@example.org"},
        license_info={"name": "EUPL-1.2", "identifier": "EUPL-1.2"},
        openapi_url="/v1/openapi.json",
        docs_url="/v1/docs",
        swagger_ui_oauth2_redirect_url="/v1/docs/oauth2-redirect",
        redoc_url=None,
        redirect_slashes=False,
    )
    app.state.engine = engine
    app.state.clock = clock
    app.state.settings = settings
    app.state.oidc = (
        OidcVerifier(settings.oidc_issuer, settings.oidc_audience, settings.oidc_jwks_url)
        if settings.oidc_issuer
        else None
    )
    install_problem_handlers(app)
    install_refusal_handlers(app)
    for router in ROUTERS:
        app.include_router(router, prefix="/v1")
    install_pages(app)
    return app
