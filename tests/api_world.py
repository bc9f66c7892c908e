"""Two municipalities, each with its own kredietbank, household and a user of every role, for the
API tests: "own" is Rotterdam (municipality, kredietbank Rijnmond, household Haile); "foreign" is
Utrecht (its own kredietbank and household Tesfay).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.app import create_app
from ontzorgen import payment_runs, services, users
from ontzorgen.access import Role
from ontzorgen.config import Settings
from ontzorgen.months import Month
from ontzorgen.policy import Policy
from ontzorgen.unit_of_work import UnitOfWork
from tests.factories import NORM_SINGLE, World, add_newcomer, make_paying_world

#: The API's clock in these tests: a Monday in the first month of the households' bijstand.
NOW = datetime(2026, 1, 12, 9, 0, tzinfo=UTC)
TODAY = date(2026, 1, 12)


@dataclass(frozen=True)
class Side:
    """One municipality and what belongs to it."""

    world: World
    household_id: int
    tokens: dict[str, str]  # user name -> bearer token


@dataclass(frozen=True)
class ApiWorld:
    engine: Engine
    client: TestClient
    own: Side
    foreign: Side

    def as_user(self, name: str) -> dict[str, str]:
        for side in (self.own, self.foreign):
            if name in side.tokens:
                return {"Authorization": f"Bearer {side.tokens[name]}"}
        raise KeyError(name)

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.engine, lambda: NOW)


#: Users of the own side by role; the foreign side's are the same names with "-utrecht".
OWN_USERS = {
    "officer": (Role.INCOME_OFFICER, "municipality"),
    "officer-2": (Role.INCOME_OFFICER, "municipality"),
    "coach": (Role.COACH, "kredietbank"),
    "newcomer": (Role.NEWCOMER, "household"),
    "auditor": (Role.AUDITOR, "municipality"),
}


def _side(engine: Engine, world: World, household_id: int, suffix: str) -> Side:
    tokens = {}
    for name, (role, scope) in OWN_USERS.items():
        full_name = f"{name}{suffix}"
        users.add_user(
            UnitOfWork(engine),
            full_name,
            role,
            municipality_id=world.municipality_id if scope == "municipality" else None,
            kredietbank_id=world.kredietbank_id if scope == "kredietbank" else None,
            household_id=household_id if scope == "household" else None,
            password=f"{full_name}-wachtwoord",
        )
        tokens[full_name] = users.issue_token(UnitOfWork(engine), full_name)
    return Side(world, household_id, tokens)


def make_api_world(engine: Engine) -> ApiWorld:
    own_world = make_paying_world(engine)
    utrecht = services.create_municipality(UnitOfWork(engine), "0344", "Utrecht", Policy())
    kredietbank = services.create_kredietbank(UnitOfWork(engine), "Kredietbank Utrecht", [utrecht])
    payment_runs.set_bank_account(
        UnitOfWork(engine), utrecht, holder="Gemeente Utrecht", iban="NL76BNGH0285167540", bic=None
    )
    foreign_world = World(engine, utrecht, kredietbank, own_world.creditors)
    own_household = add_newcomer(own_world).household_id
    foreign_household = add_newcomer(foreign_world, name="Huishouden Tesfay").household_id
    app = create_app(engine, clock=lambda: NOW, settings=Settings(oidc_issuer=None))
    return ApiWorld(
        engine,
        TestClient(app),
        _side(engine, own_world, own_household, ""),
        _side(engine, foreign_world, foreign_household, "-utrecht"),
    )


def make_lived_api_world(engine: Engine) -> ApiWorld:
    """``make_api_world`` where the own household has lived January 2026 and February is divided:
    the bijstand arrives on 2 January and is divided that day, the run of Monday 5 January pays
    the four bills and the first weekly leefgeld, February is divided on 12 January (``TODAY``)."""
    made = make_api_world(engine)
    own = made.own
    for month, received_on in ((Month(2026, 1), date(2026, 1, 2)), (Month(2026, 2), TODAY)):
        services.record_bijstand(
            own.world.uow(),
            household_id=own.household_id,
            month=month,
            full_month_amount=NORM_SINGLE,
            received_on=received_on,
        )
        services.allocate_month(own.world.uow(), own.household_id, month, today=received_on)
        if month == Month(2026, 1):
            run = payment_runs.prepare_run(
                own.world.uow(), own.world.municipality_id, date(2026, 1, 5), actor="officer"
            )
            payment_runs.approve_run(own.world.uow(), run.run.run_id, actor="officer-2")
            payment_runs.execute_run(
                own.world.uow(),
                run.run.run_id,
                actor="officer-2",
                today=date(2026, 1, 5),
                now=datetime(2026, 1, 5, 7, tzinfo=UTC),
            )
    return made
