"""The authorization matrix: every route × every role × own and foreign scope gets exactly the
allowed answer.

``MATRIX`` is written out by hand, apart from the code it checks: for each route, the roles that get
through on their *own* municipality, caseload or household. The test asks each route as each role,
once for the own side and once for the foreign side (another municipality, with its own kredietbank
and household), and expects:
- a role in the route's set, own side: through authorization (not 401/403; a GET answers 200);
- a role in the set, foreign side: 403;
- a role not in the set: 403 on both sides;
- nobody logged in: 401.
Region-wide routes (the creditor register, the caller's own caseload) have no foreign side.
The test fails when the app has a route the matrix does not list, or the matrix lists one the app
lacks, so a new route cannot go unchecked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from fastapi.routing import APIRoute
from sqlalchemy import Engine

from api.routes import ROUTERS
from ontzorgen import payment_runs, services, statements
from ontzorgen.months import Month
from ontzorgen.signals import NewSignal, SignalKind
from tests.api_world import TODAY, ApiWorld, Side, make_api_world
from tests.camt_builder import Line, statement
from tests.factories import NORM_SINGLE

OFFICER, COACH, NEWCOMER, AUDITOR = "officer", "coach", "newcomer", "auditor"
ROLES = (OFFICER, COACH, NEWCOMER, AUDITOR)
EVERYONE = frozenset(ROLES)
STAFF = frozenset({OFFICER, COACH, AUDITOR})
OFFICERS = frozenset({OFFICER})
COACHES = frozenset({COACH})
OFFICERS_AND_COACHES = frozenset({OFFICER, COACH})
OFFICERS_AND_AUDITORS = frozenset({OFFICER, AUDITOR})
AUDITORS = frozenset({AUDITOR})

#: Routes anyone may call without logging in, or that act on the caller alone.
PUBLIC = {
    ("GET", "/v1/health"),
    ("POST", "/v1/sessions"),
}
SELF = {
    ("GET", "/v1/me"),
    ("DELETE", "/v1/sessions/current"),
}


@dataclass(frozen=True)
class Rule:
    allowed: frozenset[str]
    #: False for region-wide routes: no foreign side to try.
    scoped: bool = True


def region(allowed: frozenset[str]) -> Rule:
    return Rule(allowed, scoped=False)


H = "/v1/households/{household_id}"
M = "/v1/municipalities/{municipality_id}"

MATRIX: dict[tuple[str, str], Rule] = {
    # municipalities, policy, kredietbanken, creditors
    ("GET", "/v1/municipalities"): region(STAFF),
    ("GET", M): Rule(STAFF),
    ("GET", f"{M}/policy"): Rule(STAFF),
    ("PUT", f"{M}/policy"): Rule(OFFICERS),
    ("GET", "/v1/kredietbanken/{kredietbank_id}"): Rule(STAFF),
    ("GET", "/v1/creditors"): region(STAFF),
    ("POST", "/v1/creditors"): region(OFFICERS),
    ("GET", "/v1/creditors/{creditor_id}"): region(STAFF),
    # households and their plan
    ("GET", f"{M}/households"): Rule(STAFF),
    ("POST", f"{M}/households"): Rule(OFFICERS),
    ("GET", H): Rule(EVERYONE),
    ("GET", f"{H}/arrangement"): Rule(EVERYONE),
    ("PUT", f"{H}/arrangement"): Rule(OFFICERS),
    ("POST", f"{H}/arrangement/pip-end"): Rule(OFFICERS),
    ("POST", f"{H}/arrangement/end"): Rule(OFFICERS),
    ("POST", f"{H}/arrangement/bijstand-end"): Rule(OFFICERS),
    ("GET", f"{H}/obligations"): Rule(EVERYONE),
    ("POST", f"{H}/obligations"): Rule(OFFICERS_AND_COACHES),
    ("POST", f"{H}/obligations/{{obligation_id}}/amounts"): Rule(OFFICERS_AND_COACHES),
    ("PUT", f"{H}/minimum-leefgeld"): Rule(OFFICERS_AND_COACHES),
    ("GET", f"{H}/incomes"): Rule(EVERYONE),
    ("POST", f"{H}/incomes"): Rule(OFFICERS),
    # the month's division, milestones, phases, signals
    ("GET", f"{H}/allocations"): Rule(EVERYONE),
    ("GET", f"{H}/allocations/{{month}}"): Rule(EVERYONE),
    ("POST", f"{H}/allocations"): Rule(OFFICERS),
    ("GET", f"{H}/milestones"): Rule(EVERYONE),
    ("POST", f"{H}/milestones"): Rule(COACHES),
    ("GET", f"{H}/phase"): Rule(EVERYONE),
    ("GET", f"{H}/phase-proposals"): Rule(EVERYONE),
    ("POST", f"{H}/phase-proposals"): Rule(COACHES),
    ("POST", f"{H}/phase-proposals/{{proposal_id}}/decision"): Rule(COACHES),
    ("POST", f"{H}/relapses"): Rule(COACHES),
    ("GET", f"{H}/signals"): Rule(STAFF),
    ("GET", "/v1/signals"): region(STAFF),
    ("GET", "/v1/signals/{signal_id}"): Rule(STAFF),
    ("POST", "/v1/signals/{signal_id}/handling"): Rule(OFFICERS_AND_COACHES),
    # the newcomer's statements and ledger
    ("GET", f"{H}/statements"): Rule(EVERYONE),
    ("GET", f"{H}/statements/{{month}}"): Rule(EVERYONE),
    ("GET", f"{H}/ledger"): Rule(EVERYONE),
    ("GET", f"{H}/ledger/accounts/{{account_id}}/postings"): Rule(EVERYONE),
    # payment runs and bank statements
    ("GET", f"{M}/payment-runs"): Rule(OFFICERS_AND_AUDITORS),
    ("POST", f"{M}/payment-runs"): Rule(OFFICERS),
    ("GET", "/v1/payment-runs/{run_id}"): Rule(OFFICERS_AND_AUDITORS),
    ("GET", "/v1/payment-runs/{run_id}/payments"): Rule(OFFICERS_AND_AUDITORS),
    ("POST", "/v1/payment-runs/{run_id}/approval"): Rule(OFFICERS),
    ("POST", "/v1/payment-runs/{run_id}/execution"): Rule(OFFICERS),
    ("GET", "/v1/payment-runs/{run_id}/files"): Rule(OFFICERS_AND_AUDITORS),
    ("GET", "/v1/payment-runs/{run_id}/files/{message_id}"): Rule(OFFICERS_AND_AUDITORS),
    ("POST", f"{M}/statement-imports"): Rule(OFFICERS),
    ("GET", f"{M}/statement-imports"): Rule(OFFICERS_AND_AUDITORS),
    ("GET", "/v1/statement-imports/{import_id}"): Rule(OFFICERS_AND_AUDITORS),
    ("GET", "/v1/statement-imports/{import_id}/lines"): Rule(OFFICERS_AND_AUDITORS),
    ("GET", "/v1/statement-imports/{import_id}/lines/{position}/candidates"): Rule(
        OFFICERS_AND_AUDITORS
    ),
    ("POST", "/v1/statement-imports/{import_id}/lines/{position}/match"): Rule(OFFICERS),
    # reports and the audit log
    ("GET", f"{M}/reports/households-per-phase"): Rule(OFFICERS_AND_AUDITORS),
    ("GET", f"{M}/reports/arrears"): Rule(OFFICERS_AND_AUDITORS),
    ("GET", f"{M}/reports/paid"): Rule(OFFICERS_AND_AUDITORS),
    ("GET", f"{M}/audit-log"): Rule(AUDITORS),
}

#: GET routes whose own-side answer may be other than 200 in this world (nothing to show yet).
NOT_FOUND_IS_FINE = {
    ("GET", "/v1/payment-runs/{run_id}/files/{message_id}"),
}


@dataclass(frozen=True)
class Place:
    """The path values of one side: its own ids for every kind of thing a route can name."""

    values: dict[str, str]


def _prepare_side(world: ApiWorld, side: Side, iban: str) -> Place:
    household_id = side.household_id
    month = Month(2026, 1)
    services.record_bijstand(
        world.uow(),
        household_id=household_id,
        month=month,
        full_month_amount=NORM_SINGLE,
        received_on=date(2026, 1, 2),
    )
    services.allocate_month(world.uow(), household_id, month, today=TODAY)
    suffix = "" if side is world.own else "-utrecht"
    run = payment_runs.prepare_run(
        world.uow(), side.world.municipality_id, date(2026, 2, 2), actor=f"officer-2{suffix}"
    )
    with world.uow() as uow:
        uow.repository.raise_signal(
            NewSignal(
                household_id,
                SignalKind.ARREAR,
                "matrix:arrear",
                TODAY,
                "Tekort voor de matrixtest.",
            )
        )
        (signal,) = [
            s for s in uow.repository.signals_of(household_id) if s.subject == "matrix:arrear"
        ]
        account_id = uow.repository.household_accounts(household_id)[0][2]
        obligation_id = uow.repository.obligations_of(household_id)[0].obligation_id
        uow.commit()
    data = statement(
        [Line(None, 1234, credit=True, remittance=f"matrix {household_id}")],
        booked_on=date(2026, 1, 5),
        statement_id=f"MATRIX-{household_id}",
    ).replace(b"NL14BNGH0285001234", iban.encode())
    imported = statements.import_statement(
        world.uow(), data, file_name="matrix.xml", actor=f"officer{suffix}", today=TODAY
    )
    return Place(
        {
            "municipality_id": str(side.world.municipality_id),
            "kredietbank_id": str(side.world.kredietbank_id),
            "household_id": str(household_id),
            "run_id": str(run.run.run_id),
            "signal_id": str(signal.signal_id),
            "import_id": str(imported.import_id),
            "obligation_id": str(obligation_id),
            "account_id": str(account_id),
            "creditor_id": str(next(iter(side.world.creditors.values()))),
            "month": "2026-01",
            "proposal_id": "1",
            "message_id": "NO-SUCH-FILE",
            "position": "1",
        }
    )


@pytest.fixture
def matrix_world(engine: Engine) -> tuple[ApiWorld, Place, Place]:
    world = make_api_world(engine)
    own = _prepare_side(world, world.own, "NL14BNGH0285001234")
    foreign = _prepare_side(world, world.foreign, "NL76BNGH0285167540")
    return world, own, foreign


def app_routes() -> set[tuple[str, str]]:
    """Every route the app serves under /v1: the routers it includes, and its API description."""
    routes = {
        (method, f"/v1{route.path}")
        for router in ROUTERS
        for route in router.routes
        if isinstance(route, APIRoute)
        for method in route.methods or ()
        if method != "HEAD"
    }
    return routes


def test_the_matrix_lists_every_route_of_the_app_and_no_other(engine: Engine) -> None:
    world = make_api_world(engine)
    routes = app_routes()
    described = {
        (method.upper(), path)
        for path, operations in world.client.get("/v1/openapi.json").json()["paths"].items()
        for method in operations
    }
    assert described == routes, "the API description and the routers disagree"
    listed = set(MATRIX) | PUBLIC | SELF
    assert routes - listed == set(), "routes missing from the authorization matrix"
    assert listed - routes == set(), "the matrix lists routes the app does not have"


def _call(world: ApiWorld, method: str, path: str, user: str | None) -> int:
    headers = {"Idempotency-Key": "matrix-key-0001"}
    if user is not None:
        headers.update(world.as_user(user))
    body: dict[str, str] | None = None if method == "GET" else {}
    response = world.client.request(method, path, headers=headers, json=body)
    if response.status_code >= 400:
        assert response.headers["content-type"] == "application/problem+json", (method, path)
    status: int = response.status_code
    return status


def test_every_route_gives_every_role_exactly_its_allowed_answer(
    matrix_world: tuple[ApiWorld, Place, Place],
) -> None:
    world, own, foreign = matrix_world
    wrong: list[str] = []
    for (method, template), rule in sorted(MATRIX.items()):
        own_path = template.format(**own.values)
        foreign_path = template.format(**foreign.values)
        if (status := _call(world, method, own_path, None)) != 401:
            wrong.append(f"{method} {template} without login: {status}, expected 401")
        for role in ROLES:
            status = _call(world, method, own_path, role)
            if role in rule.allowed:
                expected_ok = status not in (401, 403) and status < 500
                if method == "GET" and (method, template) not in NOT_FOUND_IS_FINE:
                    expected_ok = status == 200
                if not expected_ok:
                    wrong.append(f"{method} {template} as {role}, own: {status}, expected through")
            elif status != 403:
                wrong.append(f"{method} {template} as {role}, own: {status}, expected 403")
            if rule.scoped:
                status = _call(world, method, foreign_path, role)
                if status != 403:
                    wrong.append(f"{method} {template} as {role}, foreign: {status}, expected 403")
    assert wrong == []
