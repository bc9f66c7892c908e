"""The pages for people: server-rendered HTML (Jinja2) with the NL Design System's CSS.

Pages live outside ``/v1`` and use the same access control as the API (``api.security``): a
session cookie set by the login page, the same permissions and reach, and a CSRF token in every
form. An error on a page is an HTML page in the reader's language; without a session, the way to
the login page.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request, Response
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from api.pages import coach_pages, municipality_pages, newcomer_pages, session_pages
from api.pages.templating import render

STATIC_DIRECTORY = Path(__file__).parent / "static"
FONT_DIRECTORY = Path(__file__).parent / "fonts"

PAGE_ROUTERS = (
    session_pages.router,
    coach_pages.router,
    newcomer_pages.router,
    municipality_pages.router,
)


def page_error(request: Request, status_code: int, detail: str) -> Response:
    if status_code == 401:
        target = quote(request.url.path, safe="/")
        return RedirectResponse(f"/inloggen?volgende={target}", status_code=303)
    return render(
        request,
        "error.html",
        {"status_code": status_code, "detail": detail},
        status_code=status_code,
    )


def install_pages(app: FastAPI) -> None:
    app.state.page_error = page_error
    app.mount("/static", StaticFiles(directory=STATIC_DIRECTORY), name="static")
    app.mount("/fonts", StaticFiles(directory=FONT_DIRECTORY), name="fonts")
    for router in PAGE_ROUTERS:
        app.include_router(router)
