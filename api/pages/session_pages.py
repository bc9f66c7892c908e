"""Logging in and out, choosing a language, and the way home for each role."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse

from api.dependencies import UowFactoryDep
from api.pages.i18n import LANGUAGES
from api.pages.templating import LANGUAGE_COOKIE, menu_of, render
from api.security import SESSION_COOKIE, CurrentPrincipal, current_session, now_utc
from ontzorgen import users
from ontzorgen.access import Principal
from ontzorgen.users import LoginFailed, LoginThrottled, Session

router = APIRouter(include_in_schema=False)

LANGUAGE_COOKIE_SECONDS = 365 * 24 * 3600


def _local(target: str | None, fallback: str) -> str:
    """Only a path on this site: never send someone elsewhere after logging in."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return fallback


def home_of(principal: Principal) -> str:
    return menu_of(principal)[0][1]


@router.get("/")
async def home(session: Annotated[Session | None, Depends(current_session)]) -> Response:
    target = "/inloggen" if session is None else home_of(session.principal)
    return RedirectResponse(target, status_code=303)


@router.get("/inloggen")
def login_page(request: Request, volgende: str | None = None) -> Response:
    return render(request, "login.html", {"next": _local(volgende, ""), "error": None})


@router.post("/inloggen")
def log_in(
    request: Request,
    uow: UowFactoryDep,
    naam: Annotated[str, Form(max_length=64)],
    wachtwoord: Annotated[str, Form(max_length=1024)],
    volgende: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    address = request.client.host if request.client is not None else "unknown"
    request.state.audit_action = "login-failed"
    try:
        session = users.login(uow(), naam, wachtwoord, remote_address=address, now=now_utc(request))
    except LoginThrottled:
        return render(
            request, "login.html", {"next": volgende, "error": "throttled"}, status_code=429
        )
    except LoginFailed:
        return render(request, "login.html", {"next": volgende, "error": "wrong"}, status_code=401)
    request.state.principal = session.principal
    request.state.audit_action = "login"
    response = RedirectResponse(_local(volgende, home_of(session.principal)), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        session.secret,
        max_age=users.SESSION_HOURS_MAX * 3600,
        httponly=True,
        samesite="strict",
        secure=request.app.state.settings.secure_cookies,
        path="/",
    )
    if session.principal.household_id is not None and LANGUAGE_COOKIE not in request.cookies:
        # A newcomer first sees the pages in the language the municipality registered for them.
        with uow() as work:
            language = work.repository.get_household(session.principal.household_id).language
        response.set_cookie(
            LANGUAGE_COOKIE, language.value, max_age=LANGUAGE_COOKIE_SECONDS, samesite="lax"
        )
    return response


@router.post("/uitloggen")
def log_out(request: Request, principal: CurrentPrincipal, uow: UowFactoryDep) -> Response:
    secret = request.cookies.get(SESSION_COOKIE)
    if secret:
        users.logout(uow(), secret)
    request.state.audit_action = "logout"
    response = RedirectResponse("/inloggen", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/taal/{code}")
def choose_language(code: str, terug: str | None = None) -> Response:
    response = RedirectResponse(_local(terug, "/"), status_code=303)
    if code in LANGUAGES:
        response.set_cookie(
            LANGUAGE_COOKIE, code, max_age=LANGUAGE_COOKIE_SECONDS, samesite="lax", path="/"
        )
    return response
