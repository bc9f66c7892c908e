"""The FastAPI application, following the NL GOV API Design Rules (CONVENTIONS.md).

- everything under ``/v1``; OpenAPI at ``/v1/openapi.json``, readable without login, with contact;
- ``API-Version`` and the security headers on every response, errors included;
- no redirects for trailing slashes: ``/v1/health/`` is a 404;
- problem+json for every error (``api.problems``), domain refusals by one table (``api.errors``);
- every request to ``/v1`` by or on behalf of a user lands in the audit log (``api.audit``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from fastapi import FastAPI, Request, Response
from sqlalchemy import Engine

from api.audit import record_request
from api.errors import install_refusal_handlers
from api.oidc import OidcVerifier
from api.pages import install_pages
from api.problems import install_problem_handlers
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


def create_app(
    engine: Engine,
    *,
    clock: Callable[[], datetime] = utc_now,
    settings: Settings | None = None,
) -> FastAPI:
    settings = settings or load_settings()
    app = FastAPI(
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

    @app.middleware("http")
    async def _audit_and_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        await record_request(request, response.status_code)
        response.headers["API-Version"] = API_VERSION
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    for router in ROUTERS:
        app.include_router(router, prefix="/v1")
    install_pages(app)
    return app
