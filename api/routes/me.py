"""Logging in and out of a page session, and who am I.

``POST /v1/sessions`` checks name and password (throttled), sets the ``ontzorgen_session`` cookie
(HttpOnly, SameSite=Strict) and returns the CSRF token that pages send back with every change.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request, Response
from pydantic import Field

from api.dependencies import UowFactoryDep
from api.schemas import Schema
from api.security import SESSION_COOKIE, CurrentPrincipal, now_utc
from ontzorgen import users
from ontzorgen.access import Principal

router = APIRouter(tags=["sessions"])


class User(Schema):
    id: int
    name: str
    role: str
    municipality_id: int | None
    kredietbank_id: int | None
    household_id: int | None

    @classmethod
    def of(cls, principal: Principal) -> User:
        return cls(
            id=principal.user_id,
            name=principal.name,
            role=principal.role.value,
            municipality_id=principal.municipality_id,
            kredietbank_id=principal.kredietbank_id,
            household_id=principal.household_id,
        )


class Login(Schema):
    name: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class SessionOpened(Schema):
    user: User
    csrf_token: str
    expires_at: datetime


@router.get("/me", response_model=User)
def read_me(principal: CurrentPrincipal) -> User:
    return User.of(principal)


@router.post("/sessions", response_model=SessionOpened, status_code=201)
def log_in(login: Login, request: Request, response: Response, uow: UowFactoryDep) -> SessionOpened:
    address = request.client.host if request.client is not None else "unknown"
    request.state.audit_action = "login-failed"
    session = users.login(
        uow(), login.name, login.password, remote_address=address, now=now_utc(request)
    )
    request.state.principal = session.principal
    request.state.audit_action = "login"
    response.set_cookie(
        SESSION_COOKIE,
        session.secret,
        max_age=users.SESSION_HOURS_MAX * 3600,
        httponly=True,
        samesite="strict",
        secure=request.app.state.settings.secure_cookies,
        path="/",
    )
    return SessionOpened(
        user=User.of(session.principal),
        csrf_token=session.csrf_token,
        expires_at=session.expires_at,
    )


@router.delete("/sessions/current", status_code=204)
def log_out(request: Request, principal: CurrentPrincipal, uow: UowFactoryDep) -> Response:
    secret = request.cookies.get(SESSION_COOKIE)
    if secret:
        users.logout(uow(), secret)
    request.state.audit_action = "logout"
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
