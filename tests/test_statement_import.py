"""Importing bank statements: confirm, take returns back to the reserve, keep the unmatched."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Engine, func, select

from ledger.check import check_ledger
from ledger.money import Money
from ontzorgen import payment_runs, services, statements
from ontzorgen.accounts import household_accounts
from ontzorgen.camt import InvalidStatementFile
from ontzorgen.months import Month
from ontzorgen.obligations import ObligationId
from ontzorgen.run_repository import PaymentRecord
from ontzorgen.runs import PaymentStatus
from ontzorgen.tables import statement_imports
from ontzorgen.unit_of_work import UnitOfWork
from tests.camt_builder import Line, statement
from tests.factories import (
    NewcomerHousehold,
    World,
    add_newcomer,
    allocate_full_month,
    execute_run_on,
    make_paying_world,
)

AUGUST = Month(2026, 8)
RUN_ON = date(2026, 7, 31)
STATEMENT_ON = date(2026, 8, 3)


@pytest.fixture
def world(engine: Engine) -> World:
    return make_paying_world(engine)


@pytest.fixture
def paid(world: World) -> tuple[NewcomerHousehold, list[PaymentRecord]]:
    household = add_newcomer(world)
    allocate_full_month(world, household, AUGUST)
    return household, execute_run_on(world, RUN_ON)


def statuses(world: World, payments: list[PaymentRecord]) -> list[PaymentStatus]:
    with world.uow() as uow:
        found = [uow.runs.get_payment(p.payment_id) for p in payments]
    return [p.status for p in found if p is not None]


def test_a_statement_confirms_each_payment_by_its_end_to_end_id(
    world: World, paid: tuple[NewcomerHousehold, list[PaymentRecord]]
) -> None:
    _, payments = paid
    data = statement(
        [Line(p.end_to_end_id, p.amount.cents) for p in payments]
        + [Line(None, 125_000, credit=True, remittance="Storting onbekend")],
        booked_on=RUN_ON,
    )
    result = statements.import_statement(
        world.uow(), data, file_name="stmt.xml", actor="officer", today=STATEMENT_ON
    )
    assert result.counts == {"matched": 4, "unmatched": 1}
    assert statuses(world, payments) == [PaymentStatus.PAID] * 4


def test_a_returned_payment_goes_back_to_its_reserve_with_a_signal(
    world: World, engine: Engine, paid: tuple[NewcomerHousehold, list[PaymentRecord]]
) -> None:
    household, payments = paid
    rent = next(p for p in payments if p.cost_type == "huur")
    data = statement(
        [Line(rent.end_to_end_id, rent.amount.cents, credit=True, return_reason="AC04")],
        booked_on=STATEMENT_ON,
    )
    result = statements.import_statement(
        world.uow(), data, file_name="return.xml", actor="officer", today=STATEMENT_ON
    )
    assert result.counts == {"returned": 1}
    with UnitOfWork(engine) as uow:
        accounts = household_accounts(uow.repository, household.household_id)
        rent_reserve = accounts.reserves[ObligationId(rent.obligation_id or 0)]
        assert uow.ledger.balance(rent_reserve) == Money(65_000)
        (signal,) = uow.repository.signals_of(household.household_id, open_only=True)
        assert signal.kind == "returned_payment"
        assert "opgeheven" in signal.message and "€ 650,00" in signal.message
        assert uow.runs.get_payment(rent.payment_id).status is PaymentStatus.RETURNED  # type: ignore[union-attr]
        assert check_ledger(uow.connection).passed


def test_the_same_statement_twice_changes_nothing(
    world: World, engine: Engine, paid: tuple[NewcomerHousehold, list[PaymentRecord]]
) -> None:
    _, payments = paid
    rent = next(p for p in payments if p.cost_type == "huur")
    data = statement(
        [Line(rent.end_to_end_id, rent.amount.cents, credit=True, return_reason="MD07")],
        booked_on=STATEMENT_ON,
    )
    first = statements.import_statement(
        world.uow(), data, file_name="a.xml", actor="o", today=STATEMENT_ON
    )
    with UnitOfWork(engine) as uow:
        before = check_ledger(uow.connection)
    again = statements.import_statement(
        world.uow(), data, file_name="a.xml", actor="o", today=STATEMENT_ON
    )
    assert again.replayed and again.import_id == first.import_id and again.counts == first.counts
    with UnitOfWork(engine) as uow:
        after = check_ledger(uow.connection)
        imports = uow.connection.execute(
            select(func.count()).select_from(statement_imports)
        ).scalar()
    assert (after.entry_count, after.posting_count) == (before.entry_count, before.posting_count)
    assert imports == 1


def test_a_return_repeated_in_another_file_is_a_duplicate_not_a_second_reversal(
    world: World, engine: Engine, paid: tuple[NewcomerHousehold, list[PaymentRecord]]
) -> None:
    _, payments = paid
    rent = next(p for p in payments if p.cost_type == "huur")
    line = Line(rent.end_to_end_id, rent.amount.cents, credit=True, return_reason="AC04")
    statements.import_statement(
        world.uow(),
        statement([line], booked_on=STATEMENT_ON, statement_id="S1"),
        file_name="1.xml",
        actor="o",
        today=STATEMENT_ON,
    )
    second = statements.import_statement(
        world.uow(),
        statement([line], booked_on=STATEMENT_ON, statement_id="S2"),
        file_name="2.xml",
        actor="o",
        today=STATEMENT_ON,
    )
    assert second.counts == {"duplicate": 1}
    with UnitOfWork(engine) as uow:
        assert check_ledger(uow.connection).passed


def test_an_unmatched_line_can_be_matched_by_hand(
    world: World, paid: tuple[NewcomerHousehold, list[PaymentRecord]]
) -> None:
    _, payments = paid
    water = next(p for p in payments if p.cost_type == "water")
    result = statements.import_statement(
        world.uow(),
        statement([Line("BANK-GARBLED-ID", water.amount.cents)], booked_on=RUN_ON),
        file_name="x.xml",
        actor="o",
        today=STATEMENT_ON,
    )
    assert result.counts == {"unmatched": 1}
    statements.match_by_hand(world.uow(), result.import_id, 1, water.payment_id, actor="officer")
    assert statuses(world, [water]) == [PaymentStatus.PAID]
    with pytest.raises(statements.UnknownStatementLine):
        statements.match_by_hand(
            world.uow(), result.import_id, 1, water.payment_id, actor="officer"
        )


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"<Document>",
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><d>&x;</d>',
        statement([Line("ONTZ-R1-P1", 100)], booked_on=RUN_ON)[:400],
        statement([Line("ONTZ-R1-P1", 100)], booked_on=RUN_ON).replace(
            b"camt.053.001.08", b"pain.001.001.09"
        ),
    ],
    ids=["empty", "truncated-tag", "external-entity", "truncated", "wrong-namespace"],
)
def test_a_bad_file_is_refused_and_nothing_is_imported(
    world: World, engine: Engine, data: bytes
) -> None:
    with pytest.raises(InvalidStatementFile):
        statements.import_statement(
            world.uow(), data, file_name="bad.xml", actor="o", today=STATEMENT_ON
        )
    with UnitOfWork(engine) as uow:
        assert (
            uow.connection.execute(select(func.count()).select_from(statement_imports)).scalar()
            == 0
        )


def test_a_line_with_our_id_but_another_amount_stays_for_a_person(
    world: World, paid: tuple[NewcomerHousehold, list[PaymentRecord]]
) -> None:
    _, payments = paid
    rent = next(p for p in payments if p.cost_type == "huur")
    water = next(p for p in payments if p.cost_type == "water")
    result = statements.import_statement(
        world.uow(),
        statement(
            [
                Line(water.end_to_end_id, 1),
                Line(rent.end_to_end_id, 100, credit=True, return_reason="AC04"),
                Line(rent.end_to_end_id, rent.amount.cents, credit=True),
            ],
            booked_on=STATEMENT_ON,
        ),
        file_name="odd.xml",
        actor="o",
        today=STATEMENT_ON,
    )
    assert result.counts == {"unmatched": 3}
    assert statuses(world, [water, rent]) == [PaymentStatus.SENT, PaymentStatus.SENT]


def test_a_returned_payment_is_paid_again_once_the_coach_handled_the_signal(
    world: World, paid: tuple[NewcomerHousehold, list[PaymentRecord]]
) -> None:
    household, payments = paid
    rent = next(p for p in payments if p.cost_type == "huur")
    statements.import_statement(
        world.uow(),
        statement(
            [Line(rent.end_to_end_id, rent.amount.cents, credit=True, return_reason="AC01")],
            booked_on=STATEMENT_ON,
        ),
        file_name="r.xml",
        actor="o",
        today=STATEMENT_ON,
    )
    held = payment_runs.prepare_run(world.uow(), world.municipality_id, date(2026, 8, 4), actor="p")
    assert str(household.household_id) in held.run.held_back
    with world.uow() as uow:
        (signal,) = uow.repository.signals_of(household.household_id, open_only=True)
    services.handle_signal(
        world.uow(),
        signal.signal_id,
        actor="coach",
        handled_on=date(2026, 8, 4),
        note="IBAN van de verhuurder gecorrigeerd",
    )
    again = payment_runs.prepare_run(
        world.uow(), world.municipality_id, date(2026, 8, 5), actor="p"
    )
    assert again.totals.per_cost_type["huur"].total == Money(65_000)
    payment_runs.approve_run(world.uow(), again.run.run_id, actor="a")
    payment_runs.execute_run(
        world.uow(),
        again.run.run_id,
        actor="a",
        today=date(2026, 8, 5),
        now=datetime(2026, 8, 5, 8, tzinfo=UTC),
    )
    with world.uow() as uow:
        assert check_ledger(uow.connection).passed
