"""De betaalrun: werkdagen van het betaalverkeer, het vier-ogenprincipe, één keer betalen.

The "Als" steps call one use case of ``ontzorgen.payment_runs`` and hand what happened on as a
fixture (``target_fixture``): the prepared run, or an ``Attempt`` that holds the refusal (if any)
and the books just before and just after. The "Dan" steps read what the database holds in a fresh
transaction: the stored run and its payments, the ledger, and the payment file as the bank would
receive it. Every scenario runs on SQLite and PostgreSQL (the autouse ``every_database`` fixture).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path

from defusedxml import ElementTree
from pytest_bdd import given, parsers, scenarios, then, when
from sqlalchemy import func, select

from ledger.check import check_ledger
from ledger.model import Direction
from ledger.money import Money
from ontzorgen import payment_runs, services
from ontzorgen.errors import OntzorgenError
from ontzorgen.identifiers import FreeTextReference
from ontzorgen.months import Month
from ontzorgen.obligations import Frequency
from ontzorgen.policy import CostType
from ontzorgen.run_repository import PaymentRecord, RunRecord
from ontzorgen.runs import FourEyesViolation, PaymentKind, PaymentStatus, RunNotApproved, RunStatus
from ontzorgen.sepa import NAMESPACE as PAIN_NAMESPACE
from ontzorgen.sepa import validate_payment_file
from ontzorgen.signals import euro as format_euro
from ontzorgen.tables import payments
from tests.bdd import reading
from tests.bdd.conftest import COACH
from tests.bdd.dutch import (
    parse_euro,
    step_text,
)
from tests.factories import NewcomerHousehold, World, add_newcomer, allocate_full_month

scenarios("../../features/betaalrun.feature")


#: Why a step was refused, as the feature file says it, and the refusal that says so.
REFUSALS: dict[str, type[OntzorgenError]] = {
    "een andere medewerker de betaalrun moet goedkeuren": FourEyesViolation,
    "de betaalrun eerst goedgekeurd moet zijn": RunNotApproved,
}


@dataclass(frozen=True)
class Books:
    """What the database holds for one household and one run, to compare before and after."""

    entry_count: int
    posting_count: int
    balances: dict[str, Money]
    statuses: dict[int, PaymentStatus]
    files: tuple[tuple[str, int, Money, str], ...]  # message id, payment count, sum, SHA-256


@dataclass(frozen=True)
class Attempt:
    """A person tried a step of the run: what was refused, and the books around it."""

    refusal: OntzorgenError | None
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
            files=tuple(
                (message_id, count, control_sum, digest)
                for message_id, count, control_sum, _, digest in uow.runs.payment_files_of(run_id)
            ),
        )


def stored_run(world: World, run_id: int) -> RunRecord:
    with world.uow() as uow:
        found = uow.runs.get_run(run_id)
    assert found is not None, f"betaalrun {run_id} bestaat niet"
    return found


def run_on(world: World, on: date) -> tuple[RunRecord, list[PaymentRecord]]:
    with world.uow() as uow:
        found = uow.runs.find_run(world.municipality_id, on)
        assert found is not None, f"er is geen betaalrun van {on}"
        return found, uow.runs.payments_of(found.run_id)


def _table(datatable: list[list[str]]) -> list[dict[str, str]]:
    header, *rows = datatable
    return [dict(zip(header, (cell.strip() for cell in row), strict=True)) for row in rows]


# -- the municipality's account and the household ---------------------------------------------


@given(parsers.parse("de gemeente betaalt vanaf haar rekening {iban} bij de BNG Bank"))
def municipal_bank_account(world: World, iban: str) -> None:
    payment_runs.set_bank_account(
        world.uow(), world.municipality_id, holder="Gemeente Rotterdam", iban=iban, bic=None
    )


@given(
    step_text(
        "een alleenstaande nieuwkomer die {amount:Bedrag} huur per maand betaalt, voor het eerst "
        "op {due_on:Dag}, en vanaf de 1e van die maand bijstand krijgt"
    ),
    target_fixture="household",
)
def newcomer_paying_rent(world: World, amount: Money, due_on: date) -> NewcomerHousehold:
    household = add_newcomer(world, bijstand_start_on=due_on.replace(day=1), costs={})
    obligation_id = services.add_obligation(
        world.uow(),
        household_id=household.household_id,
        cost_type=CostType.HUUR,
        creditor_id=world.creditors[CostType.HUUR],
        frequency=Frequency.MONTHLY,
        first_due_on=due_on,
        amount=amount,
        reference=FreeTextReference(f"Huur huishouden {household.household_id}"),
        actor=COACH,
    )
    return NewcomerHousehold(household.household_id, {CostType.HUUR: obligation_id})


@given(
    step_text(
        "de bijstand van {amount:Bedrag} voor die maand is op de 24e van de maand ervoor "
        "binnengekomen en verdeeld"
    )
)
def first_month_received_and_allocated(
    world: World, household: NewcomerHousehold, amount: Money
) -> None:
    month = Month.of(reading.arrangement_of(world, household).bijstand_start_on)
    allocate_full_month(world, household, month, amount=amount)


# -- preparing, approving and executing a run --------------------------------------------------


@given(step_text("{person} heeft de betaalrun van {on:Dag} voorbereid"), target_fixture="run")
@when(step_text("{person} de betaalrun van {on:Dag} voorbereidt"), target_fixture="run")
def prepare(world: World, person: str, on: date) -> payment_runs.RunView:
    return payment_runs.prepare_run(world.uow(), world.municipality_id, on, actor=person)


@given(parsers.parse("{person} heeft de betaalrun goedgekeurd"))
def approved(world: World, run: payment_runs.RunView, person: str) -> None:
    payment_runs.approve_run(world.uow(), run.run.run_id, actor=person)


@given(step_text("{person} heeft de betaalrun uitgevoerd op {on:Dag}"))
def executed(world: World, run: payment_runs.RunView, person: str, on: date) -> None:
    _execute(world, run, person, on)


def _execute(world: World, run: payment_runs.RunView, person: str, on: date) -> None:
    payment_runs.execute_run(
        world.uow(),
        run.run.run_id,
        actor=person,
        today=on,
        now=datetime.combine(on, time(8), tzinfo=UTC),
    )


def _attempt(
    world: World,
    household: NewcomerHousehold,
    run: payment_runs.RunView,
    action: Callable[[], object],
) -> Attempt:
    before = books(world, household, run.run.run_id)
    try:
        action()
    except OntzorgenError as refusal:
        return Attempt(refusal, before, books(world, household, run.run.run_id))
    return Attempt(None, before, books(world, household, run.run.run_id))


@when(parsers.parse("{person} de betaalrun goedkeurt"), target_fixture="attempt")
def approve(
    world: World, household: NewcomerHousehold, run: payment_runs.RunView, person: str
) -> Attempt:
    return _attempt(
        world,
        household,
        run,
        lambda: payment_runs.approve_run(world.uow(), run.run.run_id, actor=person),
    )


@when(step_text("{person} de betaalrun uitvoert op {on:Dag}"), target_fixture="attempt")
@when(
    step_text("{person} de betaalrun nog een keer uitvoert op {on:Dag}"), target_fixture="attempt"
)
def execute(
    world: World, household: NewcomerHousehold, run: payment_runs.RunView, person: str, on: date
) -> Attempt:
    return _attempt(world, household, run, lambda: _execute(world, run, person, on))


# -- what is in a run ----------------------------------------------------------------------------


@then(step_text("zit de {cost_type:VasteLast} niet in de betaalrun van {on:Dag}"))
def not_in_run(world: World, cost_type: CostType, on: date) -> None:
    _, planned = run_on(world, on)
    assert [p for p in planned if p.cost_type == cost_type.value] == []


@then(
    step_text(
        "zit de {cost_type:VasteLast} van {amount:Bedrag} aan {payee} voor {due_on:Dag} wel in "
        "de betaalrun van {on:Dag}"
    )
)
def in_run(
    world: World,
    household: NewcomerHousehold,
    cost_type: CostType,
    amount: Money,
    payee: str,
    due_on: date,
    on: date,
) -> None:
    run, planned = run_on(world, on)
    assert run.execution_on == on
    found = [(p.amount, p.payee_name, p.due_on) for p in planned if p.cost_type == cost_type.value]
    assert found == [(amount, payee, due_on)]
    # Not in this run only: in no other run either, so the creditor is paid once.
    obligation_id = household.obligations[cost_type]
    with world.uow() as uow:
        planned_count = uow.connection.execute(
            select(func.count())
            .select_from(payments)
            .where(payments.c.obligation_id == obligation_id, payments.c.due_on == due_on)
        ).scalar_one()
    assert planned_count == 1


@then(
    step_text(
        "betaalt de betaalrun van {on:Dag} alleen het leefgeld van {amount:Bedrag} aan de "
        "nieuwkomer"
    )
)
def only_leefgeld_in_run(world: World, on: date, amount: Money) -> None:
    _, planned = run_on(world, on)
    assert [(p.kind, p.amount) for p in planned] == [(PaymentKind.LEEFGELD, amount)]


# -- approval and execution -------------------------------------------------------------------


@then(
    parsers.re(
        "wordt dat geweigerd, omdat (?P<why>"
        + "|".join(REFUSALS)  # the reasons contain no regular-expression characters
        + ")"
    )
)
def refused(attempt: Attempt, why: str) -> None:
    assert isinstance(attempt.refusal, REFUSALS[why]), f"verwacht geweigerd: {attempt.refusal!r}"
    assert attempt.after == attempt.before, "een geweigerde stap mag niets veranderen"


@then(parsers.parse("is de betaalrun voorbereid door {person} en nog niet goedgekeurd"))
def still_prepared(world: World, run: payment_runs.RunView, person: str) -> None:
    stored = stored_run(world, run.run.run_id)
    assert (stored.status, stored.prepared_by, stored.approved_by) == (
        RunStatus.PREPARED,
        person,
        None,
    )


@then(parsers.parse("is de betaalrun goedgekeurd door {person}"))
def approved_by(world: World, run: payment_runs.RunView, attempt: Attempt, person: str) -> None:
    assert attempt.refusal is None, f"geweigerd: {attempt.refusal}"
    stored = stored_run(world, run.run.run_id)
    assert (stored.status, stored.approved_by) == (RunStatus.APPROVED, person)


@then("is de betaalrun uitgevoerd")
def run_executed(world: World, run: payment_runs.RunView, attempt: Attempt) -> None:
    assert attempt.refusal is None, f"geweigerd: {attempt.refusal}"
    assert stored_run(world, run.run.run_id).status is RunStatus.EXECUTED


@then("is elke betaling één keer geboekt")
def each_payment_booked_once(world: World, run: payment_runs.RunView, attempt: Attempt) -> None:
    with world.uow() as uow:
        sent = uow.runs.payments_of(run.run.run_id)
        entries = {p.payment_id: p.entry_id for p in sent}
        assert {p.status for p in sent} == {PaymentStatus.SENT}
        assert None not in entries.values() and len(set(entries.values())) == len(sent)
        for payment in sent:
            assert payment.entry_id is not None
            entry = uow.ledger.get_entry(payment.entry_id)
            debited = sum(p.amount.cents for p in entry.postings if p.direction is Direction.DEBIT)
            assert debited == payment.amount.cents, payment.end_to_end_id
    assert attempt.after.entry_count - attempt.before.entry_count == len(sent)


@then("is er niets veranderd: geen nieuwe boekingen, dezelfde saldi en hetzelfde betaalbestand")
def nothing_changed(world: World, run: payment_runs.RunView, attempt: Attempt) -> None:
    assert attempt.refusal is None, f"geweigerd: {attempt.refusal}"
    assert attempt.before.files, "de betaalrun was nog niet uitgevoerd"
    assert attempt.after == attempt.before
    assert stored_run(world, run.run.run_id).status is RunStatus.EXECUTED


# -- the payment file ---------------------------------------------------------------------------

_XML_AMOUNT = re.compile(r"(?P<whole>\d+)\.(?P<cents>\d{2})")


def _cents(text: str | None) -> Money:
    match = _XML_AMOUNT.fullmatch(text or "")
    assert match is not None, f"{text!r} is geen bedrag met twee decimalen"
    return Money(int(match["whole"]) * 100 + int(match["cents"]))


def payment_files(world: World, run_id: int, directory: Path) -> list[bytes]:
    """The files as the bank receives them: written to disk from what the run stored."""
    return [
        path.read_bytes()
        for path in payment_runs.write_payment_files(world.uow(), run_id, directory)
    ]


def transfers_in(files: list[bytes]) -> list[tuple[str, Money]]:
    """``(creditor name, amount)`` of every transfer; each file's own count and sum must agree."""
    found = []
    ns = {"p": PAIN_NAMESPACE}
    for content in files:
        document = ElementTree.fromstring(content)
        in_file = [
            (
                transfer.findtext("p:Cdtr/p:Nm", namespaces=ns) or "",
                _cents(transfer.findtext("p:Amt/p:InstdAmt", namespaces=ns)),
            )
            for transfer in document.iterfind(".//p:CdtTrfTxInf", ns)
        ]
        header_count = document.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:NbOfTxs", namespaces=ns)
        header_sum = document.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:CtrlSum", namespaces=ns)
        assert header_count == str(len(in_file))
        assert _cents(header_sum) == sum((amount for _, amount in in_file), Money(0))
        found.extend(in_file)
    return found


@then(step_text("staan er in het betaalbestand {count:d} betalingen voor in totaal {total:Bedrag}"))
def file_count_and_total(
    world: World, run: payment_runs.RunView, tmp_path: Path, count: int, total: Money
) -> None:
    transfers = transfers_in(payment_files(world, run.run.run_id, tmp_path))
    assert len(transfers) == count
    paid = sum((amount for _, amount in transfers), Money(0))
    assert paid == total, format_euro(paid)


@then(parsers.parse("staan in het betaalbestand deze betalingen:"))
def file_transfers(
    world: World, run: payment_runs.RunView, tmp_path: Path, datatable: list[list[str]]
) -> None:
    expected = Counter((row["aan"], parse_euro(row["bedrag"])) for row in _table(datatable))
    assert Counter(transfers_in(payment_files(world, run.run.run_id, tmp_path))) == expected


@then("voldoet het betaalbestand aan de Europese standaard voor overboekingen")
def file_is_valid(world: World, run: payment_runs.RunView, tmp_path: Path) -> None:
    files = payment_files(world, run.run.run_id, tmp_path)
    assert files, "er is geen betaalbestand"
    for content in files:
        validate_payment_file(content)
