"""The monthly statement (maandoverzicht): every figure of a lived month, to the cent.

The month is August 2026 of DOMAIN.md §5's household (phase 1, weekly leefgeld), lived through
the real use cases: a zorgtoeslag and the bijstand arrive in July, August is divided on 24 July,
the creditors are paid by the run of Friday 31 July (the 1st is a Saturday), the first leefgeld
part by the run of Monday 3 August, the second is planned in the run of 10 August, the bank
statement of 3 August confirms three creditor payments and returns the rent (AC04), and September
is divided on 24 August. The statement is read on 26 August.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, event

from ledger.database import read_in_one_round_trip
from ledger.model import AccountId
from ledger.money import Money
from ontzorgen import payment_runs, services, statements
from ontzorgen.accounts import AccountRole
from ontzorgen.households import UnknownHousehold
from ontzorgen.identifiers import FreeTextReference
from ontzorgen.monthly_statements import (
    NoStatement,
    WithholdingStatus,
    monthly_statement,
    read_monthly_statement,
    statement_months,
)
from ontzorgen.months import Month
from ontzorgen.obligations import Frequency
from ontzorgen.policy import CostType
from ontzorgen.runs import PaymentKind
from ontzorgen.unit_of_work import UnitOfWork
from ontzorgen.views import statements as statement_views
from tests.camt_builder import Line, statement
from tests.factories import NORM_SINGLE, World, add_newcomer, allocate_full_month, make_paying_world

AUGUST = Month(2026, 8)
SEPTEMBER = Month(2026, 9)
READ_ON = date(2026, 8, 26)


def run(world: World, execution_on: date, *, execute: bool) -> int:
    prepared = payment_runs.prepare_run(
        world.uow(), world.municipality_id, execution_on, actor="preparer"
    )
    payment_runs.approve_run(world.uow(), prepared.run.run_id, actor="approver")
    if execute:
        payment_runs.execute_run(
            world.uow(),
            prepared.run.run_id,
            actor="approver",
            today=execution_on,
            now=datetime.combine(execution_on, datetime.min.time(), tzinfo=UTC),
        )
    return prepared.run.run_id


def live_august(world: World, household_id: int) -> None:
    """August 2026 as the module docstring tells it."""
    services.record_toeslag(
        world.uow(),
        household_id=household_id,
        month=AUGUST,
        amount=Money(12_900),
        received_on=date(2026, 7, 20),
        source_reference="ZT-2026-08",
    )
    services.record_bijstand(
        world.uow(),
        household_id=household_id,
        month=AUGUST,
        full_month_amount=NORM_SINGLE,
        received_on=date(2026, 7, 24),
    )
    services.allocate_month(world.uow(), household_id, AUGUST, today=date(2026, 7, 24))
    creditors_run = run(world, date(2026, 7, 31), execute=True)
    run(world, date(2026, 8, 3), execute=True)
    run(world, date(2026, 8, 10), execute=False)
    with world.uow() as uow:
        paid = uow.runs.payments_of(creditors_run)
    lines = [
        Line(p.end_to_end_id, p.amount.cents, credit=True, return_reason="AC04")
        if p.cost_type == "huur"
        else Line(p.end_to_end_id, p.amount.cents)
        for p in paid
    ]
    statements.import_statement(
        world.uow(),
        statement(lines, booked_on=date(2026, 8, 3)),
        file_name="augustus.xml",
        actor="officer",
        today=date(2026, 8, 3),
    )
    services.record_milestone(
        world.uow(),
        household_id,
        "toeslagen",
        achieved_on=date(2026, 8, 20),
        evidence="Beschikking zorgtoeslag",
        actor="coach",
    )
    services.record_bijstand(
        world.uow(),
        household_id=household_id,
        month=SEPTEMBER,
        full_month_amount=NORM_SINGLE,
        received_on=date(2026, 8, 24),
    )
    services.allocate_month(world.uow(), household_id, SEPTEMBER, today=date(2026, 8, 24))


@pytest.fixture
def world(engine: Engine) -> World:
    return make_paying_world(engine)


@pytest.fixture
def household_id(world: World) -> int:
    household = add_newcomer(world)
    live_august(world, household.household_id)
    return household.household_id


def m(text: str) -> Money:
    return Money.parse(text)


def test_the_statement_tells_the_income_and_each_withholding_with_its_status(
    world: World, household_id: int
) -> None:
    found = monthly_statement(world.uow(), household_id, AUGUST, today=READ_ON)

    assert (found.month, found.as_of, found.allocated_on) == (AUGUST, READ_ON, date(2026, 7, 24))
    assert found.household_name == "Huishouden Haile" and found.language == "ti"
    assert [
        (i.kind, i.for_month, i.received_on, i.gross, i.vakantietoeslag, i.net)
        for i in found.income
    ] == [
        ("toeslag", AUGUST, date(2026, 7, 20), m("129.00"), m("0.00"), m("129.00")),
        ("bijstand", AUGUST, date(2026, 7, 24), m("1369.06"), m("68.45"), m("1300.61")),
    ]
    assert all(i.divided_in == AUGUST for i in found.income)
    assert found.income_divided == m("1429.61")
    assert [
        (
            w.cost_type,
            w.cost_type_name,
            w.creditor_name,
            w.amount,
            w.due_on,
            w.status,
            w.paid_on,
            w.bank_confirmed,
            w.return_reason,
        )
        for w in found.withholdings
    ] == [
        (
            CostType.ZORGVERZEKERING,
            "Zorgverzekering",
            "Zilveren Kruis Zorgverzekeringen N.V.",
            m("159.00"),
            date(2026, 8, 1),
            WithholdingStatus.BETAALD,
            date(2026, 7, 31),
            True,
            None,
        ),
        (
            CostType.HUUR,
            "Huur",
            "Woonstad Rotterdam",
            m("650.00"),
            date(2026, 8, 1),
            WithholdingStatus.TERUGGEKOMEN,
            date(2026, 7, 31),
            False,
            "AC04",
        ),
        (
            CostType.ENERGIE,
            "Energie",
            "Eneco Consumenten B.V.",
            m("120.00"),
            date(2026, 8, 1),
            WithholdingStatus.BETAALD,
            date(2026, 7, 31),
            True,
            None,
        ),
        (
            CostType.WATER,
            "Water",
            "Evides N.V.",
            m("25.00"),
            date(2026, 8, 1),
            WithholdingStatus.BETAALD,
            date(2026, 7, 31),
            True,
            None,
        ),
    ]
    assert found.withheld_total == m("954.00")
    assert found.arrears == () and found.arrears_total == found.arrears_outstanding == m("0.00")


def test_the_statement_tells_the_leefgeld_parts_and_when_each_is_paid(
    world: World, household_id: int
) -> None:
    found = monthly_statement(world.uow(), household_id, AUGUST, today=READ_ON)

    assert found.leefgeld_total == m("475.61") and found.vakantietoeslag_paid == m("0.00")
    assert [
        (p.pay_on, p.amount, p.status, p.paid_on, p.bank_confirmed) for p in found.leefgeld_payments
    ] == [
        (date(2026, 8, 3), m("95.13"), WithholdingStatus.BETAALD, date(2026, 8, 3), False),
        (date(2026, 8, 10), m("95.12"), WithholdingStatus.GEPLAND, date(2026, 8, 10), False),
        (date(2026, 8, 17), m("95.12"), WithholdingStatus.GERESERVEERD, None, False),
        (date(2026, 8, 24), m("95.12"), WithholdingStatus.GERESERVEERD, None, False),
        (date(2026, 8, 31), m("95.12"), WithholdingStatus.GERESERVEERD, None, False),
    ]
    assert sum(p.amount.cents for p in found.leefgeld_payments) == found.leefgeld_total.cents
    assert found.income_divided == found.withheld_total + found.leefgeld_total


def test_each_reserve_opens_and_closes_with_the_ledger_and_its_movements_add_up(
    world: World, household_id: int
) -> None:
    found = monthly_statement(world.uow(), household_id, AUGUST, today=READ_ON)

    by_name = {
        (r.cost_type_name or r.role.value): (r.opening, r.money_in, r.money_out, r.closing)
        for r in found.reserves
    }
    assert by_name == {
        "Zorgverzekering": (m("0.00"), m("159.00"), m("0.00"), m("159.00")),
        # Paid on 31 July, back on 3 August, and September's rent on 24 August.
        "Huur": (m("0.00"), m("1300.00"), m("0.00"), m("1300.00")),
        "Energie": (m("0.00"), m("120.00"), m("0.00"), m("120.00")),
        "Water": (m("0.00"), m("25.00"), m("0.00"), m("25.00")),
        "leefgeld": (m("475.61"), m("346.61"), m("95.13"), m("727.09")),
        "vakantietoeslag": (m("68.45"), m("68.45"), m("0.00"), m("136.90")),
    }
    rent = next(r for r in found.reserves if r.cost_type is CostType.HUUR)
    assert [(mv.booked_on, mv.amount, mv.balance_after) for mv in rent.movements] == [
        (date(2026, 8, 3), m("650.00"), m("650.00")),
        (date(2026, 8, 24), m("650.00"), m("1300.00")),
    ]
    assert rent.movements[0].description.startswith("Teruggekomen")
    with UnitOfWork(world.engine) as uow:
        for reserve in found.reserves:
            assert reserve.opening + reserve.money_in - reserve.money_out == reserve.closing
            assert (
                uow.ledger.balance_on(AccountId(reserve.account_id), date(2026, 7, 31))
                == reserve.opening
            )
            assert (
                uow.ledger.balance_on(AccountId(reserve.account_id), date(2026, 8, 31))
                == reserve.closing
            )
            total = Money(sum(mv.amount.cents for mv in reserve.movements))
            assert reserve.opening + total == reserve.closing
    assert {r.role for r in found.reserves} == {
        AccountRole.RESERVE,
        AccountRole.LEEFGELD,
        AccountRole.VAKANTIETOESLAG,
    }


def test_the_next_payments_after_today_come_with_their_dates(
    world: World, household_id: int
) -> None:
    found = monthly_statement(world.uow(), household_id, AUGUST, today=READ_ON)

    assert [
        (p.pay_on, p.kind, p.payee, p.cost_type_name, p.amount, p.status)
        for p in found.next_payments
    ] == [
        (date(2026, 8, 31), PaymentKind.LEEFGELD, "A. Haile", None, m("95.12"), "gereserveerd"),
        (
            date(2026, 9, 1),
            PaymentKind.CREDITOR,
            "Eneco Consumenten B.V.",
            "Energie",
            m("120.00"),
            "gereserveerd",
        ),
        (
            date(2026, 9, 1),
            PaymentKind.CREDITOR,
            "Evides N.V.",
            "Water",
            m("25.00"),
            "gereserveerd",
        ),
        (
            date(2026, 9, 1),
            PaymentKind.CREDITOR,
            "Woonstad Rotterdam",
            "Huur",
            m("650.00"),
            "gereserveerd",
        ),
        (
            date(2026, 9, 1),
            PaymentKind.CREDITOR,
            "Zilveren Kruis Zorgverzekeringen N.V.",
            "Zorgverzekering",
            m("159.00"),
            "gereserveerd",
        ),
        (date(2026, 9, 7), PaymentKind.LEEFGELD, "A. Haile", None, m("86.66"), "gereserveerd"),
        (date(2026, 9, 14), PaymentKind.LEEFGELD, "A. Haile", None, m("86.65"), "gereserveerd"),
        (date(2026, 9, 21), PaymentKind.LEEFGELD, "A. Haile", None, m("86.65"), "gereserveerd"),
        (date(2026, 9, 28), PaymentKind.LEEFGELD, "A. Haile", None, m("86.65"), "gereserveerd"),
    ]


def test_the_statement_names_the_phase_the_open_milestones_and_the_coach(
    world: World, household_id: int
) -> None:
    found = monthly_statement(world.uow(), household_id, AUGUST, today=READ_ON)

    assert (found.phase_in_month.number, found.phase_in_month.name) == (1, "Volledig ontzorgd")
    assert found.current_phase.number == 1
    assert found.next_phase is not None and found.next_phase.name == "Eerste eigen rekeningen"
    # "toeslagen" was recorded on 20 August; the six months ended on 1 July.
    assert [(o.code, o.title) for o in found.open_milestones] == [
        ("budgetcursus", "Budgetcursus gevolgd")
    ]
    assert found.coach is not None and found.coach.name == "Kredietbank Rijnmond"
    earlier = monthly_statement(world.uow(), household_id, AUGUST, today=date(2026, 6, 15))
    assert [o.code for o in earlier.open_milestones] == [
        "statutory_period_passed",
        "budgetcursus",
        "toeslagen",
    ]


def test_a_month_that_was_not_divided_has_no_statement(world: World, household_id: int) -> None:
    with pytest.raises(NoStatement):
        monthly_statement(world.uow(), household_id, Month(2026, 7), today=READ_ON)
    with pytest.raises(UnknownHousehold):
        monthly_statement(world.uow(), 999_999, AUGUST, today=READ_ON)
    months = statement_months(world.uow(), household_id)
    assert [(s.month, s.income, s.withheld, s.leefgeld) for s in months] == [
        (SEPTEMBER, m("1300.61"), m("954.00"), m("346.61")),
        (AUGUST, m("1429.61"), m("954.00"), m("475.61")),
    ]
    assert [s.month for s in statement_months(world.uow(), household_id, before=SEPTEMBER)] == [
        AUGUST
    ]


def test_a_short_month_shows_its_arrears_per_bill(world: World) -> None:
    # Bijstand from 20 August: 12 of 31 days, so the income cannot pay every bill.
    household = add_newcomer(world, bijstand_start_on=date(2026, 8, 20))
    services.record_bijstand(
        world.uow(),
        household_id=household.household_id,
        month=AUGUST,
        full_month_amount=NORM_SINGLE,
        received_on=date(2026, 8, 21),
    )
    services.allocate_month(world.uow(), household.household_id, AUGUST, today=date(2026, 8, 21))

    found = monthly_statement(world.uow(), household.household_id, AUGUST, today=READ_ON)

    # 1369.06 x 12/31 = 529.96; 5% (26.50) is reserved as vakantietoeslag; 503.46 is divided.
    # The prorated floor of 200.00 x 12/31 = 77.42 stays leefgeld; zorgverzekering gets 159.00,
    # the rent the remaining 267.04, energy and water nothing.
    assert found.income_divided == m("503.46")
    assert [(w.cost_type_name, w.amount, w.arrear, w.status) for w in found.withholdings] == [
        ("Zorgverzekering", m("159.00"), m("0.00"), "gereserveerd"),
        ("Huur", m("267.04"), m("382.96"), "gereserveerd"),
        ("Energie", m("0.00"), m("120.00"), "achterstand"),
        ("Water", m("0.00"), m("25.00"), "achterstand"),
    ]
    assert [(a.cost_type_name, a.amount) for a in found.arrears] == [
        ("Huur", m("382.96")),
        ("Energie", m("120.00")),
        ("Water", m("25.00")),
    ]
    assert found.arrears_total == found.arrears_outstanding == m("527.96")
    assert found.leefgeld_total == m("77.42")


def test_a_statement_takes_six_queries_however_long_the_history(
    world: World, household_id: int
) -> None:
    statements_seen: list[str] = []

    def count(_conn: object, _cursor: object, sql: str, *_args: object) -> None:
        if sql.lstrip().upper().startswith(("SELECT", "WITH", "(SELECT")):
            statements_seen.append(sql)

    event.listen(world.engine, "before_cursor_execute", count)
    try:
        monthly_statement(world.uow(), household_id, AUGUST, today=READ_ON)
        first = len(statements_seen)
        statements_seen.clear()
        monthly_statement(world.uow(), household_id, SEPTEMBER, today=READ_ON)
    finally:
        event.remove(world.engine, "before_cursor_execute", count)
    assert first == len(statements_seen) == 6


def test_on_the_api_connection_the_six_queries_go_in_one_round_trip_and_read_the_same(
    postgres_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The API reads a statement on a PostgreSQL connection in autocommit: all six queries go to
    the server together (``read_in_one_round_trip``), none through SQLAlchemy, and the
    statement is the one the queries give one by one inside a transaction."""
    world = make_paying_world(postgres_engine)
    household_id = add_newcomer(world).household_id
    live_august(world, household_id)
    through_sqlalchemy: list[str] = []
    event.listen(
        world.engine, "before_cursor_execute", lambda *args: through_sqlalchemy.append(args[2])
    )
    round_trips: list[int] = []

    def counted(*args: Any, **kwargs: Any) -> Any:
        round_trips.append(len(args[1]))
        return read_in_one_round_trip(*args, **kwargs)

    monkeypatch.setattr(statement_views, "read_in_one_round_trip", counted)
    with world.engine.connect() as connection:
        autocommit = connection.execution_options(isolation_level="AUTOCOMMIT")
        in_one_round_trip = {
            month: read_monthly_statement(autocommit, household_id, month, today=READ_ON)
            for month in (AUGUST, SEPTEMBER)
        }
    assert (round_trips, through_sqlalchemy) == ([6, 6], [])
    for month, found in in_one_round_trip.items():
        assert found == monthly_statement(world.uow(), household_id, month, today=READ_ON)


def test_a_quarterly_bill_comes_next_with_every_month_reserved_for_it(world: World) -> None:
    household = add_newcomer(world, costs={CostType.HUUR: Money(65_000)})
    services.add_obligation(
        world.uow(),
        household_id=household.household_id,
        cost_type=CostType.WATER,
        creditor_id=world.creditors[CostType.WATER],
        frequency=Frequency.QUARTERLY,
        first_due_on=date(2026, 6, 1),
        amount=Money(7_500),
        reference=FreeTextReference("Klantnummer water"),
        actor="coach",
    )
    for month in (Month(2026, 7), AUGUST):
        allocate_full_month(world, household, month, month.first_day.replace(day=2))

    found = monthly_statement(world.uow(), household.household_id, AUGUST, today=date(2026, 8, 20))

    water = next(w for w in found.withholdings if w.cost_type is CostType.WATER)
    # 75.00 over July, August and September, for the bill due on 1 September.
    assert (water.amount, water.due_on, water.status) == (
        m("25.00"),
        date(2026, 9, 1),
        "gereserveerd",
    )
    (next_water,) = [p for p in found.next_payments if p.cost_type is CostType.WATER]
    assert (next_water.pay_on, next_water.amount) == (date(2026, 9, 1), m("50.00"))
