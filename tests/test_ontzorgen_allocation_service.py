"""The month flow of DOMAIN.md §5 through the services, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine

from ledger.check import check_ledger
from ledger.money import Money
from ontzorgen import services
from ontzorgen.accounts import household_accounts
from ontzorgen.months import Month
from ontzorgen.unit_of_work import UnitOfWork
from tests.factories import NORM_SINGLE, add_newcomer, make_world

JANUARY = Month(2026, 1)


def test_the_worked_month_gives_leefgeld_of_346_61(engine: Engine) -> None:
    world = make_world(engine)
    household = add_newcomer(world)
    income = services.record_bijstand(
        world.uow(),
        household_id=household.household_id,
        month=JANUARY,
        full_month_amount=NORM_SINGLE,
        received_on=date(2025, 12, 24),
    )
    assert (income.vakantietoeslag, income.net) == (Money(6_845), Money(130_061))
    result = services.allocate_month(
        world.uow(), household.household_id, JANUARY, today=date(2025, 12, 24)
    )
    assert result.stored.leefgeld == Money(34_661)
    assert result.stored.reserved == Money(95_400)
    assert result.stored.arrears == Money(0)
    with UnitOfWork(engine) as uow:
        accounts = household_accounts(uow.repository, household.household_id)
        assert uow.ledger.balance(accounts.income) == Money(0)
        assert uow.ledger.balance(accounts.leefgeld) == Money(34_661)
        assert uow.ledger.balance(accounts.vakantietoeslag) == Money(6_845)
        assert check_ledger(uow.connection).passed


def test_allocating_the_same_month_twice_books_it_once(engine: Engine) -> None:
    world = make_world(engine)
    household = add_newcomer(world)
    services.record_bijstand(
        world.uow(),
        household_id=household.household_id,
        month=JANUARY,
        full_month_amount=NORM_SINGLE,
        received_on=date(2025, 12, 24),
    )
    first = services.allocate_month(
        world.uow(), household.household_id, JANUARY, today=date(2025, 12, 24)
    )
    again = services.allocate_month(
        world.uow(), household.household_id, JANUARY, today=date(2025, 12, 25)
    )
    assert again.replayed and again.stored == first.stored
    with UnitOfWork(engine) as uow:
        report = check_ledger(uow.connection)
    assert report.passed
    assert report.entry_count == 2  # the bijstand and one allocation
