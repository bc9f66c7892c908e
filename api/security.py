"""Who is asking, and may they: authentication and authorization for every route.

Authentication, in this order:
- ``Authorization: Bearer ontz_<id>_<secret>``: a local API token (``ontzorgen users add``);
- ``Authorization: Bearer <JWT>``: when ``ONTZORGEN_OIDC_ISSUER`` is set, an access token of the
  municipality's OpenID Connect provider, whose ``sub`` belongs to a local user (roles stay here);
- the ``ontzorgen_session`` cookie of the pages. A request that changes something with a session
  cookie must carry the session's CSRF token (``X-CSRF-Token`` header or ``csrfToken`` form field).

Authorization: each route declares one permission and the kind of thing its path names
(``require(Permission.X, "household")``). The thing's scope is looked up and
``ontzorgen.access.allowed`` decides. Missing credentials give 401, a refusal 403, an unknown id
404; the route itself never runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import Depends, HTTPException, Request
from sqlalchemy import Connection
from starlette.concurrency import run_in_threadpool

from api.dependencies import request_database, uow_factory
from api.oidc import OidcVerifier
from ontzorgen.access import PERMISSIONS, REGION, Permission, Principal, Scope, allowed
from ontzorgen.access_repository import AccessRepository
from ontzorgen.households import UnknownKredietbank, UnknownMunicipality
from ontzorgen.repository import Repository
from ontzorgen.users import (
    TOKEN_PREFIX,
    NotAuthenticated,
    Session,
    authenticate_session,
    csrf_matches,
    principal_for_subject,
    token_id_of,
    verify_token,
)

SESSION_COOKIE = "ontzorgen_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrfToken"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: An id in a path longer than this is no id of ours (and would overflow a BIGINT): a 404.
ID_DIGITS_MAX = 18

ScopeKind = Literal[
    "region", "municipality", "kredietbank", "household", "run", "signal", "statement-import"
]


def _unauthenticated(detail: str) -> HTTPException:
    return HTTPException(401, detail, headers={"WWW-Authenticate": 'Bearer realm="ontzorgen"'})


def now_utc(request: Request) -> datetime:
    clock: Callable[[], datetime] = request.app.state.clock
    return clock().astimezone(UTC)


async def _csrf_offered(request: Request) -> str | None:
    offered = request.headers.get(CSRF_HEADER)
    if offered is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        value = (await request.form()).get(CSRF_FIELD)
        offered = value if isinstance(value, str) else None
    return offered


async def current_session(request: Request) -> Session | None:
    """The page session of the cookie, if any and still valid."""
    secret = request.cookies.get(SESSION_COOKIE)
    if not secret:
        return None
    try:
        # In a worker thread: it takes a connection of its own and writes the session's last use.
        return await run_in_threadpool(
            authenticate_session, uow_factory(request)(), secret, now=now_utc(request)
        )
    except NotAuthenticated:
        return None


async def authenticate(request: Request) -> Principal:
    cached: Principal | None = getattr(request.state, "principal", None)
    if cached is not None:
        return cached
    header = request.headers.get("authorization")
    now = now_utc(request)
    if header is not None:
        scheme, _, credentials = header.partition(" ")
        if scheme.lower() != "bearer" or not credentials:
            raise _unauthenticated("Send 'Authorization: Bearer <token>'.")
        try:
            if credentials.startswith(f"{TOKEN_PREFIX}_"):
                database = request_database(request)
                await database.connect()
                if database.autocommit_postgresql:
                    # One indexed read on the loop, cheaper than a hop to a worker thread.
                    principal = _authenticate_token(request, credentials, now)
                else:
                    # SQLite begins with its write lock, which may have to wait for a writer.
                    principal = await run_in_threadpool(
                        _authenticate_token, request, credentials, now
                    )
            else:
                verifier: OidcVerifier | None = request.app.state.oidc
                if verifier is None:
                    raise NotAuthenticated("The bearer token is not an ontzorgen API token.")
                principal = principal_for_subject(
                    uow_factory(request)(), verifier.subject(credentials)
                )
        except NotAuthenticated as refused:
            raise _unauthenticated(str(refused)) from None
    else:
        session = await current_session(request)
        if session is None:
            raise _unauthenticated("Log in, or send a bearer token.")
        if request.method not in SAFE_METHODS and not csrf_matches(
            session, await _csrf_offered(request)
        ):
            raise HTTPException(403, "The form has expired or came from elsewhere. Try again.")
        principal = session.principal
        request.state.csrf_token = session.csrf_token
    request.state.principal = principal
    return principal


def _household_in_path(request: Request) -> int | None:
    raw = str(request.path_params.get("household_id", ""))
    return int(raw) if raw.isdigit() and len(raw) <= ID_DIGITS_MAX else None


def _authenticate_token(request: Request, token: str, now: datetime) -> Principal:
    """The API token's user, read fresh on every request (a revoked token is refused at once),
    on the request's connection; when the path names a household, its scope comes back in the
    same query and waits in ``request.state`` for ``Access``."""
    token_id = token_id_of(token)
    database = request_database(request)
    access = AccessRepository(database.connection(), request.app.state.clock)
    household_id = _household_in_path(request)
    try:
        record, household = access.token_and_household(token_id, household_id)
    finally:
        database.idle()
    principal = verify_token(record, token, now=now)
    if household_id is not None and record is not None:
        request.state.household_scope = (household_id, household)
    return principal


CurrentPrincipal = Annotated[Principal, Depends(authenticate)]


@dataclass(frozen=True, slots=True)
class Granted:
    """What the route gets: who asks, and the scope of the thing they asked about."""

    principal: Principal
    scope: Scope


def _not_found(kind: str, identifier: int) -> HTTPException:
    return HTTPException(404, f"There is no {kind} with id {identifier}.")


async def _scope(request: Request, kind: ScopeKind) -> Scope:
    """Look up where the thing named in the path belongs, on the request's connection."""
    if kind == "region":
        return REGION
    name = {
        "municipality": "municipality_id",
        "kredietbank": "kredietbank_id",
        "household": "household_id",
        "run": "run_id",
        "signal": "signal_id",
        "statement-import": "import_id",
    }[kind]
    raw = request.path_params.get(name, "")
    if not str(raw).isdigit() or len(str(raw)) > ID_DIGITS_MAX:
        raise HTTPException(404, f"There is no {kind} with id {raw!r}.")
    identifier = int(raw)
    if kind == "household":
        # Read with the token when the request came with one (``_authenticate_token``).
        prefetched: tuple[int, tuple[int, int | None] | None] | None = getattr(
            request.state, "household_scope", None
        )
        if prefetched is not None and prefetched[0] == identifier:
            found = prefetched[1]
            if found is None:
                raise _not_found(kind, identifier)
            return Scope.of_household(identifier, found[0], found[1])
    database = request_database(request)
    try:
        return _look_up_scope(await database.connect(), request, kind, identifier)
    finally:
        database.idle()


def _look_up_scope(
    connection: Connection, request: Request, kind: ScopeKind, identifier: int
) -> Scope:
    clock = request.app.state.clock
    access = AccessRepository(connection, clock)
    if kind == "household" or kind == "signal":
        household_id = identifier if kind == "household" else access.signal_household(identifier)
        found = None if household_id is None else access.household_scope(household_id)
        if household_id is None or found is None:
            raise _not_found(kind, identifier)
        return Scope.of_household(household_id, found[0], found[1])
    if kind == "municipality":
        try:
            Repository(connection, clock).get_municipality(identifier)
        except UnknownMunicipality:
            raise _not_found(kind, identifier) from None
        return Scope.of_municipality(identifier, access.kredietbanken_serving(identifier))
    if kind == "run":
        municipality_id = access.run_municipality(identifier)
        if municipality_id is None:
            raise _not_found(kind, identifier)
        return Scope.of_municipality(municipality_id, access.kredietbanken_serving(municipality_id))
    if kind == "kredietbank":
        try:
            Repository(connection, clock).get_kredietbank(identifier)
        except UnknownKredietbank:
            raise _not_found(kind, identifier) from None
        return Scope.of_kredietbank(identifier, access.municipalities_served_by(identifier))
    municipality_ids = access.import_municipalities(identifier)
    if municipality_ids is None:
        raise _not_found(kind, identifier)
    return Scope(municipality_ids=municipality_ids)


class Access:
    """A route's dependency: ``granted: Annotated[Granted, Depends(Access(P.READ_HOUSEHOLD,
    "household"))]``. Registered on the route so the authorization matrix test can read it."""

    def __init__(self, permission: Permission, kind: ScopeKind) -> None:
        self.permission = permission
        self.kind = kind

    async def __call__(self, request: Request) -> Granted:
        # ``authenticate`` called, not depended on: FastAPI's work per dependency and request
        # costs about as much as the call itself.
        principal = await authenticate(request)
        if principal.role not in PERMISSIONS[self.permission]:
            raise HTTPException(403, f"A user with role {principal.role} may not do this.")
        scope = await _scope(request, self.kind)
        request.state.scope = scope
        if not allowed(principal, self.permission, scope):
            raise HTTPException(403, "This is outside your municipality, caseload or household.")
        return Granted(principal, scope)


def require(permission: Permission, kind: ScopeKind) -> Any:
    """``Depends`` for a route: the permission it needs, over the thing its path names."""
    return Depends(Access(permission, kind))
