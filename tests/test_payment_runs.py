"""Payment runs through the services, on SQLite and PostgreSQL: prepare, approve, execute."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete, func, select

from ledger.check import check_ledger
from ledger.money import Money
from ledger.schema import entries
from ontzorgen import payment_runs
from ontzorgen.accounts import AccountRole, household_accounts
from ontzorgen.business_days import NotABusinessDay
from ontzorgen.months import Month
from ontzorgen.runs import (
    FourEyesViolation,
    PaymentKind,
    PaymentStatus,
    PaymentWithoutAccount,
    RunNotApproved,
    RunStatus,
    end_to_end_id,
    leefgeld_source_key,
    obligation_source_key,
)
from ontzorgen.sepa import validate_payment_file
from ontzorgen.signals import NewSignal, SignalKind
from ontzorgen.tables import household_accounts as household_account_rows
from ontzorgen.tables import leefgeld_parts
from ontzorgen.unit_of_work import UnitOfWork
from tests.factories import (
    NewcomerHousehold,
    World,
    add_newcomer,
    allocate_full_month,
    make_paying_world,
)

AUGUST = Month(2026, 8)
FRIDAY_31_JULY = date(2026, 7, 31)  # 1 August 2026 is a Saturday
PREPARER, APPROVER = "w.devries@rotterdam.nl", "a.bakker@rotterdam.nl"
NOW = datetime(2026, 7, 30, 9, 0, tzinfo=UTC)


@pytest.fixture
def world(engine: Engine) -> World:
    return make_paying_world(engine)


def allocated_august(world: World) -> NewcomerHousehold:
    household = add_newcomer(world)
    allocate_full_month(world, household, AUGUST)
    return household


def test_rent_due_on_a_saturday_is_paid_on_the_business_day_before(world: World) -> None:
    allocated_august(world)
    view = payment_runs.prepare_run(
        world.uow(), world.municipality_id, FRIDAY_31_JULY, actor=PREPARER
    )
    assert view.run.status is RunStatus.PREPARED
    assert view.totals.per_cost_type["huur"].total == Money(65_000)
    assert view.totals.overall.count == 4  # huur, zorg, energie, water; leefgeld is weekly
    assert view.totals.overall.total == Money(95_400)
    assert view.totals.per_creditor["Woonstad Rotterdam"].count == 1


def test_a_run_cannot_be_prepared_for_a_day_without_settlement(world: World) -> None:
    with pytest.raises(NotABusinessDay) as refused:
        payment_runs.prepare_run(
            world.uow(), world.municipality_id, date(2026, 8, 1), actor=PREPARER
        )
    assert refused.value.previous == FRIDAY_31_JULY


def test_preparing_twice_gives_the_same_run_and_plans_nothing_twice(world: World) -> None:
    allocated_august(world)
    first = payment_runs.prepare_run(
        world.uow(), world.municipality_id, FRIDAY_31_JULY, actor=PREPARER
    )
    again = payment_runs.prepare_run(
        world.uow(), world.municipality_id, FRIDAY_31_JULY, actor=APPROVER
    )
    assert again.run.run_id == first.run.run_id
    assert again.totals == first.totals


def test_the_preparer_cannot_approve_and_an_unapproved_run_cannot_execute(world: World) -> None:
    allocated_august(world)
    run = payment_runs.prepare_run(
        world.uow(), world.municipality_id, FRIDAY_31_JULY, actor=PREPARER
    )
    with pytest.raises(FourEyesViolation):
        payment_runs.approve_run(world.uow(), run.run.run_id, actor=PREPARER.upper())
    with pytest.raises(RunNotApproved):
        payment_runs.execute_run(
            world.uow(), run.run.run_id, actor=APPROVER, today=FRIDAY_31_JULY, now=NOW
        )


def test_executing_books_each_payment_once_and_writes_valid_files(
    world: World, engine: Engine, tmp_path: Path
) -> None:
    household = allocated_august(world)
    run = payment_runs.prepare_run(
        world.uow(), world.municipality_id, FRIDAY_31_JULY, actor=PREPARER
    )
    payment_runs.approve_run(world.uow(), run.run.run_id, actor=APPROVER)
    done = payment_runs.execute_run(
        world.uow(), run.run.run_id, actor=APPROVER, today=FRIDAY_31_JULY, now=NOW
    )
    again = payment_runs.execute_run(
        world.uow(), run.run.run_id, actor=APPROVER, today=FRIDAY_31_JULY, now=NOW
    )
    assert done.run.status is RunStatus.EXECUTED and again.files == done.files
    ((_, count, control_sum),) = done.files
    assert (count, control_sum) == (4, Money(95_400))
    written = payment_runs.write_payment_files(world.uow(), run.run.run_id, tmp_path)
    rewritten = payment_runs.write_payment_files(world.uow(), run.run.run_id, tmp_path / "again")
    assert written[0].read_bytes() == rewritten[0].read_bytes()
    validate_payment_file(written[0].read_bytes())
    with UnitOfWork(engine) as uow:
        accounts = household_accounts(uow.repository, household.household_id)
        assert all(uow.ledger.balance(a) == Money(0) for a in accounts.reserves.values())
        assert uow.ledger.balance(accounts.funds) == Money(136_906 - 95_400)
        assert {p.status for p in uow.runs.payments_of(run.run.run_id)} == {PaymentStatus.SENT}
        report = check_ledger(uow.connection)
    assert report.passed
    assert report.entry_count == 2 + 4  # bijstand, allocation, four payments


def test_a_payment_whose_household_lost_its_funds_account_stops_the_run_whole(
    world: World, engine: Engine
) -> None:
    household = allocated_august(world)
    run = payment_runs.prepare_run(
        world.uow(), world.municipality_id, FRIDAY_31_JULY, actor=PREPARER
    )
    payment_runs.approve_run(world.uow(), run.run.run_id, actor=APPROVER)
    # Around the code: the household's funds account is no longer mapped.
    with engine.begin() as connection:
        connection.execute(
            delete(household_account_rows).where(
                household_account_rows.c.household_id == household.household_id,
                household_account_rows.c.role == AccountRole.FUNDS.value,
            )
        )
        entries_before = connection.execute(select(func.count()).select_from(entries)).scalar()
    with pytest.raises(PaymentWithoutAccount) as refused:
        payment_runs.execute_run(
            world.uow(), run.run.run_id, actor=APPROVER, today=FRIDAY_31_JULY, now=NOW
        )
    assert refused.value.end_to_end_id == end_to_end_id(run.run.run_id, 1)
    with UnitOfWork(engine) as uow:
        assert uow.runs.get_run(run.run.run_id).status is RunStatus.APPROVED  # type: ignore[union-attr]
        assert {p.status for p in uow.runs.payments_of(run.run.run_id)} == {PaymentStatus.PLANNED}
        assert (
            uow.connection.execute(select(func.count()).select_from(entries)).scalar()
            == entries_before
        )


def test_a_household_with_a_blocking_signal_is_held_back_and_listed(world: World) -> None:
    household = allocated_august(world)
    with UnitOfWork(world.engine) as uow:
        uow.repository.raise_signal(
            NewSignal(
                household.household_id,
                SignalKind.RETURNED_PAYMENT,
                "returned:x",
                FRIDAY_31_JULY,
                "Teruggekomen",
            )
        )
        uow.commit()
    view = payment_runs.prepare_run(
        world.uow(), world.municipality_id, FRIDAY_31_JULY, actor=PREPARER
    )
    assert view.totals.overall.count == 0
    assert view.run.held_back == {str(household.household_id): "open signal: returned_payment"}


def test_a_run_with_nothing_due_is_executed_without_a_file(world: World) -> None:
    run = payment_runs.prepare_run(
        world.uow(), world.municipality_id, FRIDAY_31_JULY, actor=PREPARER
    )
    assert run.totals.overall.count == 0
    payment_runs.approve_run(world.uow(), run.run.run_id, actor=APPROVER)
    done = payment_runs.execute_run(
        world.uow(), run.run.run_id, actor=APPROVER, today=FRIDAY_31_JULY, now=NOW
    )
    assert done.run.status is RunStatus.EXECUTED and done.files == ()


def test_planned_payments_are_numbered_and_keyed_as_the_run_rules_say(world: World) -> None:
    first_household = allocated_august(world)
    second_household = allocated_august(world)
    first = payment_runs.prepare_run(
        world.uow(), world.municipality_id, FRIDAY_31_JULY, actor=PREPARER
    )
    # A week later: the weekly leefgeld parts due by then, and nothing the first run planned.
    later = payment_runs.prepare_run(
        world.uow(), world.municipality_id, date(2026, 8, 7), actor=PREPARER
    )
    with UnitOfWork(world.engine) as uow:
        planned = {run.run.run_id: uow.runs.payments_of(run.run.run_id) for run in (first, later)}
    households = [first_household.household_id, second_household.household_id]
    # The later run finds the eight creditor payments of 1 August due too (paid on 31 July), but
    # planned already: they keep their numbers, 1 to 8, unused in it.
    first_number = {first.run.run_id: 1, later.run.run_id: 9}
    for run_id, payments in planned.items():
        assert payments, "each run plans something"
        numbers = range(first_number[run_id], first_number[run_id] + len(payments))
        assert [p.end_to_end_id for p in payments] == [
            end_to_end_id(run_id, number) for number in numbers
        ]
        for payment in payments:
            assert payment.status is PaymentStatus.PLANNED and payment.household_id in households
            if payment.kind is PaymentKind.CREDITOR:
                assert payment.obligation_id is not None
                assert payment.source_key == obligation_source_key(
                    payment.obligation_id, payment.due_on
                )
            else:
                assert payment.reference == "Leefgeld 2026-08"
                assert payment.source_key.startswith(f"leefgeld:{payment.household_id}:2026-08:")
        # Creditor payments first, each kind by household; the ids follow the numbers.
        order = [(p.kind is PaymentKind.LEEFGELD, p.household_id) for p in payments]
        assert order == sorted(order)
        assert [p.payment_id for p in payments] == sorted(p.payment_id for p in payments)
    first_keys = {p.source_key for p in planned[first.run.run_id]}
    later_keys = {p.source_key for p in planned[later.run.run_id]}
    assert len(first_keys) == 8 and not first_keys & later_keys
    assert {p.kind for p in planned[later.run.run_id]} == {PaymentKind.LEEFGELD}
    with UnitOfWork(world.engine) as uow:
        parts = uow.connection.execute(
            select(
                leefgeld_parts.c.household_id, leefgeld_parts.c.month, leefgeld_parts.c.position
            ).where(leefgeld_parts.c.pay_on <= date(2026, 8, 7))
        ).all()
    assert later_keys == {leefgeld_source_key(*part) for part in parts}
    # Planning the same days again finds every payment planned: nothing is added.
    with UnitOfWork(world.engine) as uow:
        days = payment_runs.due_days_paid_on(date(2026, 8, 7))
        assert uow.runs.plan_payments(later.run.run_id, world.municipality_id, days, ()) == 0


def test_a_run_lists_its_households_with_an_open_arrear_and_no_others(world: World) -> None:
    in_arrears, handled, paid_up = (allocated_august(world) for _ in range(3))
    not_in_run = add_newcomer(world)  # no bijstand recorded: nothing of it is due
    with UnitOfWork(world.engine) as uow:
        for household in (in_arrears, handled, not_in_run):
            uow.repository.raise_signal(
                NewSignal(
                    household.household_id,
                    SignalKind.ARREAR,
                    "arrear:huur:2026-08",
                    FRIDAY_31_JULY,
                    "Huur niet helemaal gereserveerd",
                )
            )
        handled_signal = uow.repository.signals_of(handled.household_id)[0]
        uow.repository.handle_signal(
            handled_signal.signal_id, PREPARER, FRIDAY_31_JULY, "Afgesproken met de verhuurder"
        )
        uow.commit()
    view = payment_runs.prepare_run(
        world.uow(), world.municipality_id, FRIDAY_31_JULY, actor=PREPARER
    )
    households_in_run = {in_arrears.household_id, handled.household_id, paid_up.household_id}
    assert view.totals.overall.count == 4 * len(households_in_run)
    assert view.households_with_arrears == (in_arrears.household_id,)
