"""Het bankafschrift: betalingen bevestigen, teruggekomen betalingen terugzetten, niets twee keer.

The statement is a real camt.053 file (``tests.camt_builder``) that names our payments by the
EndToEndId the payment file gave them, as the bank does. The "Als" step imports it through
``ontzorgen.statements.import_statement`` and hands on a ``StatementReading``: the file, what the
import reported, and the books just before and just after. The "Dan" steps read what the database
holds: payment statuses, ledger balances, signals and the next run. Every scenario runs on SQLite
and PostgreSQL (the autouse ``every_database`` fixture).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from pytest_bdd import given, parsers, scenarios, then, when
from sqlalchemy import func, select

from ledger.check import check_ledger
from ledger.money import Money
from ontzorgen import payment_runs, statements
from ontzorgen.policy import CostType
from ontzorgen.run_repository import PaymentRecord
from ontzorgen.runs import PaymentStatus
from ontzorgen.signals import SignalKind
from ontzorgen.signals import euro as format_euro
from ontzorgen.tables import statement_imports
from tests.bdd import reading
from tests.bdd.dutch import (
    parse_cost_type,
    parse_euro,
    step_text,
)
from tests.camt_builder import Line, statement
from tests.factories import NewcomerHousehold, World

scenarios("../../features/bankafschrift.feature")


#: The words a coach sees for the state of a payment.
PAYMENT_STATUSES = {
    "ingepland": PaymentStatus.PLANNED,
    "verstuurd": PaymentStatus.SENT,
    "betaald": PaymentStatus.PAID,
    "teruggekomen": PaymentStatus.RETURNED,
}


@dataclass(frozen=True)
class Books:
    """What the database holds for one household and one run, to compare before and after."""

    entry_count: int
    posting_count: int
    balances: dict[str, Money]
    statuses: dict[int, PaymentStatus]
    import_count: int


@dataclass(frozen=True)
class StatementReading:
    """One bank statement read in: the file, what the import said, and the books around it."""

    data: bytes
    result: statements.ImportResult
    before: Books
    after: Books


def books(world: World, household: NewcomerHousehold, run_id: int) -> Books:
    with world.uow() as uow:
        report = check_ledger(uow.connection)
        assert report.passed, report.summary()
        return Books(
            entry_count=report.entry_count,
            posting_count=report.posting_count,
            balances=reading.household_balances(uow, household),
            statuses={p.payment_id: p.status for p in uow.runs.payments_of(run_id)},
            import_count=uow.connection.execute(
                select(func.count()).select_from(statement_imports)
            ).scalar_one(),
        )


def payments_of(world: World, run_id: int) -> list[PaymentRecord]:
    with world.uow() as uow:
        return uow.runs.payments_of(run_id)


def _table(datatable: list[list[str]]) -> list[dict[str, str]]:
    header, *rows = datatable
    return [dict(zip(header, (cell.strip() for cell in row), strict=True)) for row in rows]


def _the_payment(
    payments: list[PaymentRecord], payee: str, amount: Money, cost_type: CostType | None = None
) -> PaymentRecord:
    found = [
        p
        for p in payments
        if p.payee_name == payee
        and p.amount == amount
        and (cost_type is None or p.cost_type == cost_type.value)
    ]
    assert len(found) == 1, (
        f"de betaalrun heeft geen betaling van {format_euro(amount)} aan {payee}"
    )
    return found[0]


# -- the municipality's account and the executed run -------------------------------------------


@given(parsers.parse("de gemeente betaalt vanaf haar rekening {iban} bij de BNG Bank"))
def municipal_bank_account(world: World, iban: str) -> None:
    payment_runs.set_bank_account(
        world.uow(), world.municipality_id, holder="Gemeente Rotterdam", iban=iban, bic=None
    )


@given(
    step_text(
        "de betaalrun van {on:Dag} is voorbereid door {preparer}, goedgekeurd door {approver} en "
        "uitgevoerd"
    ),
    target_fixture="run",
)
def executed_run(world: World, on: date, preparer: str, approver: str) -> payment_runs.RunView:
    prepared = payment_runs.prepare_run(world.uow(), world.municipality_id, on, actor=preparer)
    payment_runs.approve_run(world.uow(), prepared.run.run_id, actor=approver)
    return payment_runs.execute_run(
        world.uow(),
        prepared.run.run_id,
        actor=approver,
        today=on,
        now=datetime.combine(on, time(8), tzinfo=UTC),
    )


@when(step_text("{person} de betaalrun van {on:Dag} voorbereidt"), target_fixture="next_run")
def prepare_next(world: World, person: str, on: date) -> payment_runs.RunView:
    return payment_runs.prepare_run(world.uow(), world.municipality_id, on, actor=person)


# -- reading a statement -----------------------------------------------------------------------


def _read(
    world: World, household: NewcomerHousehold, run: payment_runs.RunView, data: bytes, on: date
) -> StatementReading:
    before = books(world, household, run.run.run_id)
    result = statements.import_statement(
        world.uow(), data, file_name=f"BNG-{on.isoformat()}.xml", actor="Anja Bakker", today=on
    )
    return StatementReading(data, result, before, books(world, household, run.run.run_id))


@given(
    step_text("het bankafschrift van {on:Dag} is ingelezen, met deze betalingen:"),
    target_fixture="statement_reading",
)
@when(
    step_text("het bankafschrift van {on:Dag} wordt ingelezen, met deze betalingen:"),
    target_fixture="statement_reading",
)
def statement_confirms(
    world: World,
    household: NewcomerHousehold,
    run: payment_runs.RunView,
    on: date,
    datatable: list[list[str]],
) -> StatementReading:
    sent = payments_of(world, run.run.run_id)
    lines = [
        Line(p.end_to_end_id, p.amount.cents)
        for p in (
            _the_payment(sent, row["aan"], parse_euro(row["bedrag"])) for row in _table(datatable)
        )
    ]
    data = statement(lines, booked_on=on, statement_id=f"BNG-{on.isoformat()}")
    return _read(world, household, run, data, on)


@when(
    step_text(
        "het bankafschrift van {on:Dag} wordt ingelezen, waarop de {cost_type:VasteLast} van "
        "{amount:Bedrag} aan {payee} terugkomt met reden {reason}"
    ),
    target_fixture="statement_reading",
)
def statement_returns(
    world: World,
    household: NewcomerHousehold,
    run: payment_runs.RunView,
    on: date,
    cost_type: CostType,
    amount: Money,
    payee: str,
    reason: str,
) -> StatementReading:
    returned = _the_payment(payments_of(world, run.run.run_id), payee, amount, cost_type)
    line = Line(returned.end_to_end_id, amount.cents, credit=True, return_reason=reason)
    data = statement([line], booked_on=on, statement_id=f"BNG-{on.isoformat()}")
    return _read(world, household, run, data, on)


@when(
    step_text("hetzelfde bankafschrift op {on:Dag} nog een keer wordt ingelezen"),
    target_fixture="statement_reading",
)
def statement_again(
    world: World,
    household: NewcomerHousehold,
    run: payment_runs.RunView,
    statement_reading: StatementReading,
    on: date,
) -> StatementReading:
    return _read(world, household, run, statement_reading.data, on)


# -- what the statement did ----------------------------------------------------------------------


@then(parsers.parse("zijn {count:d} betalingen bevestigd"))
def confirmed(statement_reading: StatementReading, count: int) -> None:
    assert statement_reading.result.counts == {"matched": count}


@then(parsers.parse("is {count:d} betaling teruggekomen"))
def returned(statement_reading: StatementReading, count: int) -> None:
    assert statement_reading.result.counts == {"returned": count}


@then("is die betaling één keer teruggeboekt")
def booked_back_once(statement_reading: StatementReading) -> None:
    before, after = statement_reading.before, statement_reading.after
    assert after.entry_count - before.entry_count == 1


@then("herkent het systeem dat dit afschrift al is ingelezen")
def recognised(statement_reading: StatementReading) -> None:
    assert statement_reading.result.replayed
    assert statement_reading.after.import_count == 1


@then("zijn er geen boekingen bijgekomen en zijn alle saldi gelijk gebleven")
def books_unchanged(statement_reading: StatementReading) -> None:
    before, after = statement_reading.before, statement_reading.after
    assert (after.entry_count, after.posting_count) == (before.entry_count, before.posting_count)
    assert after.balances == before.balances


@then(parsers.parse("hebben de betalingen deze status:"))
def payment_statuses(world: World, run: payment_runs.RunView, datatable: list[list[str]]) -> None:
    expected = {
        parse_cost_type(row["vaste last"]).value: PAYMENT_STATUSES[row["status"]]
        for row in _table(datatable)
    }
    actual = {p.cost_type: p.status for p in payments_of(world, run.run.run_id)}
    assert actual == expected


@then(
    step_text(
        "krijgt de coach een signaal dat de betaling van {amount:Bedrag} aan {payee} is "
        'teruggekomen, met de uitleg "{explanation}"'
    )
)
def returned_payment_signal(
    world: World, household: NewcomerHousehold, amount: Money, payee: str, explanation: str
) -> None:
    (signal,) = [
        s
        for s in reading.signals(world, household)
        if s.kind == SignalKind.RETURNED_PAYMENT.value and s.status == "open"
    ]
    for words in (format_euro(amount), payee, "teruggekomen", explanation):
        assert words in signal.message, f"{words!r} staat niet in: {signal.message}"


# -- the next run --------------------------------------------------------------------------------


@then(
    "houdt de betaalrun het huishouden tegen, omdat er een signaal over een teruggekomen "
    "betaling openstaat"
)
def household_held_back(
    world: World, household: NewcomerHousehold, next_run: payment_runs.RunView
) -> None:
    with world.uow() as uow:
        stored = uow.runs.get_run(next_run.run.run_id)
    assert stored is not None
    reason = stored.held_back.get(str(household.household_id))
    assert reason is not None, f"niet tegengehouden: {stored.held_back}"
    assert SignalKind.RETURNED_PAYMENT.value in reason


@then("betaalt de betaalrun niets voor dit huishouden, ook het leefgeld niet")
def nothing_paid_for_household(
    world: World, household: NewcomerHousehold, next_run: payment_runs.RunView
) -> None:
    paid = [
        p
        for p in payments_of(world, next_run.run.run_id)
        if p.household_id == household.household_id
    ]
    assert paid == []
