"""Payment runs: prepare, approve (four-eyes), execute. Money leaves the municipality here.

Exactly once, and why it holds:
- *prepare* plans every payment under a source key that is unique across all runs, so a due
  obligation or leefgeld part can be planned once; preparing the same municipality and date again
  returns the run prepared first;
- *approve* and *execute* lock the run's row, so two processes serialise; the second finds the
  work done and returns it;
- *execute* books every payment in the ledger, writes the SEPA files into the database and marks the
  run executed in ONE transaction. A crash at any point before the commit leaves nothing; a crash
  after it leaves everything. Files on disk are written from the stored bytes afterwards and can be
  written again at any time, byte for byte the same.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from ledger.model import EntryId
from ledger.money import Money
from ledger.store import ENTRIES_PER_BATCH_MAX, Transfer
from ontzorgen.batch_work import collection_paused
from ontzorgen.business_days import payment_date_for, require_business_day
from ontzorgen.faults import crash_point
from ontzorgen.households import Address
from ontzorgen.identifiers import Betalingskenmerk, Bic, FreeTextReference, Iban, PaymentReference
from ontzorgen.run_repository import BankAccount, OutgoingPayment, RunRecord
from ontzorgen.runs import (
    NoBankAccount,
    PaymentKind,
    RunAlreadyApproved,
    RunNotApproved,
    RunStatus,
    RunTotals,
    Tally,
    UnknownRun,
    check_four_eyes,
)
from ontzorgen.sepa import CreditTransfer, Debtor, PaymentFile, build_payment_files
from ontzorgen.signals import BLOCKING_KINDS, SignalKind
from ontzorgen.unit_of_work import UnitOfWork

#: How far back a run looks for payments that are due but were never planned (a missed run).
CATCH_UP_DAYS = 45
#: Due dates up to this far ahead can fall on this execution date (weekends, holidays).
LOOK_AHEAD_DAYS = 7
PAYMENTS_PER_FILE_MAX = 5_000


@dataclass(frozen=True, slots=True)
class RunView:
    run: RunRecord
    totals: RunTotals
    households_with_arrears: tuple[int, ...]
    files: tuple[tuple[str, int, Money], ...]  # message id, payment count, control sum


def set_bank_account(
    uow: UnitOfWork, municipality_id: int, *, holder: str, iban: str, bic: str | None
) -> None:
    """Register the account the municipality's runs are paid from (validated)."""
    parsed = Iban.parse(iban)
    parsed_bic = Bic.parse(bic) if bic else parsed.bic
    with uow:
        uow.repository.get_municipality(municipality_id)
        uow.runs.set_bank_account(
            municipality_id,
            BankAccount(holder, parsed.value, None if parsed_bic is None else parsed_bic.value),
        )
        uow.commit()


def prepare_run(
    uow: UnitOfWork, municipality_id: int, execution_on: date, *, actor: str
) -> RunView:
    """Plan everything due on ``execution_on``: creditor payments and leefgeld parts.

    A due date that is not a business day is paid on the business day before it. Households with
    an open blocking signal (a returned payment, missing bijstand) are held back and listed.
    """
    require_business_day(execution_on)
    with uow:
        # Two people preparing the same date at once: the second waits here, then finds the run.
        uow.runs.lock_municipality(municipality_id)
        existing = uow.runs.find_run(municipality_id, execution_on)
        if existing is not None:
            return _view(uow, existing)
        uow.repository.get_municipality(municipality_id)
        if uow.runs.bank_account(municipality_id) is None:
            raise NoBankAccount(municipality_id)
        blocked = uow.runs.households_with_open_signals(
            municipality_id, sorted(kind.value for kind in BLOCKING_KINDS)
        )
        held_back = {
            str(household): "open signal: " + ", ".join(sorted(kinds))
            for household, kinds in sorted(blocked.items())
        }
        run_id = uow.runs.add_run(municipality_id, execution_on, actor, held_back)
        uow.runs.plan_payments(run_id, municipality_id, due_days_paid_on(execution_on), blocked)
        run = uow.runs.get_run(run_id)
        assert run is not None
        view = _view(uow, run)
        uow.commit()
        return view


def due_days_paid_on(execution_on: date) -> list[date]:
    """The due dates a run on ``execution_on`` pays: those from ``CATCH_UP_DAYS`` before it to
    ``LOOK_AHEAD_DAYS`` after it whose payment day (the business day on or before the due date)
    is not later than ``execution_on``. A missed run's payments are caught up; a weekend's or a
    holiday's are paid on the business day before."""
    first = execution_on - timedelta(days=CATCH_UP_DAYS)
    days = (first + timedelta(days=offset) for offset in range(CATCH_UP_DAYS + LOOK_AHEAD_DAYS + 1))
    return [day for day in days if payment_date_for(day) <= execution_on]


def approve_run(uow: UnitOfWork, run_id: int, *, actor: str) -> RunView:
    """A second person approves; the preparer cannot. Approving again by the approver is a no-op."""
    with uow:
        run = _locked(uow, run_id)
        check_four_eyes(run_id, run.prepared_by, actor)
        if run.status is not RunStatus.PREPARED:
            if run.approved_by is not None and run.approved_by == actor:
                return _view(uow, run)
            raise RunAlreadyApproved(run_id, run.approved_by)
        uow.runs.approve_run(run_id, actor)
        approved = uow.runs.get_run(run_id)
        assert approved is not None
        view = _view(uow, approved)
        uow.commit()
        return view


#: ``progress(stage, done, total)`` is told how far a long execution is; the CLI draws a bar.
Progress = Callable[[str, int, int], None]


def _silent(_stage: str, _done: int, _total: int) -> None:
    return None


def execute_run(
    uow: UnitOfWork,
    run_id: int,
    *,
    actor: str,
    today: date,
    now: datetime,
    progress: Progress = _silent,
) -> RunView:
    """Book every payment and write the SEPA files, all in one transaction; at most once."""
    with uow, collection_paused():
        run = _locked(uow, run_id)
        if run.status is RunStatus.EXECUTED:
            # The scheduler may fire twice after a restart; paying twice is the worst failure.
            return _view(uow, run)
        if run.status is not RunStatus.APPROVED:
            raise RunNotApproved(run_id, run.status.value)
        account = uow.runs.bank_account(run.municipality_id)
        if account is None:
            raise NoBankAccount(run.municipality_id)
        uow.runs.make_room_for_a_run()
        planned = uow.runs.outgoing_payments(run_id)
        addresses = uow.runs.creditor_addresses(
            sorted({p.creditor_id for p in planned if p.creditor_id is not None})
        )
        debtor = Debtor(account.holder, Iban.parse(account.iban), _bic(account.bic))

        def build_files() -> list[PaymentFile]:
            # A run with nothing due is executed without a file: there is nothing to send.
            if not planned:
                return []
            return build_payment_files(
                debtor,
                run.execution_on,
                [
                    _transfer(payment, addresses.get(payment.creditor_id or 0))
                    for payment in planned
                ],
                message_id_prefix=f"ONTZ-R{run_id}",
                created_at=now,
                payments_per_file_max=PAYMENTS_PER_FILE_MAX,
            )

        # The transfers and files are made (and each file checked against the schema) on a second
        # thread while this one books the ledger: most of the booking is waiting for the database,
        # and lxml lets go of the interpreter while it parses and validates. Nothing is stored
        # until both are done.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="payment-files") as builder:
            building = builder.submit(build_files)
            entry_ids = _book_payments(uow, planned, today, progress)
            crash_point("execute:after_ledger")
            files = building.result()
        sent = []
        position = 0
        for file_position, payment_file in enumerate(files, start=1):
            progress("storing payment files", file_position, len(files))
            uow.runs.add_payment_file(
                run_id,
                file_position,
                payment_file.message_id,
                payment_file.payment_count,
                payment_file.control_sum,
                payment_file.xml,
                hashlib.sha256(payment_file.xml).hexdigest(),
            )
            for payment in planned[position : position + payment_file.payment_count]:
                sent.append(
                    (payment.payment_id, entry_ids[payment.payment_id], payment_file.message_id)
                )
            position += payment_file.payment_count
        uow.runs.mark_sent(sent)
        crash_point("execute:after_files")
        uow.runs.mark_executed(run_id, actor)
        crash_point("execute:before_commit")
        executed = uow.runs.get_run(run_id)
        assert executed is not None
        view = _view(uow, executed)
        uow.commit()
        crash_point("execute:after_commit")
        return view


def show_run(uow: UnitOfWork, run_id: int) -> RunView:
    with uow:
        run = uow.runs.get_run(run_id)
        if run is None:
            raise UnknownRun(run_id)
        return _view(uow, run)


def write_payment_files(uow: UnitOfWork, run_id: int, directory: Path) -> list[Path]:
    """Write the run's SEPA files from the stored bytes; safe to repeat, same bytes every time."""
    with uow:
        if uow.runs.get_run(run_id) is None:
            raise UnknownRun(run_id)
        stored = uow.runs.payment_files_of(run_id)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for message_id, _, _, content, _ in stored:
        path = directory / f"{message_id}.xml"
        temporary = path.with_suffix(".xml.partial")
        temporary.write_bytes(content)
        temporary.replace(path)  # atomic: a reader never sees half a file
        written.append(path)
    return written


def _locked(uow: UnitOfWork, run_id: int) -> RunRecord:
    run = uow.runs.get_run(run_id, lock=True)
    if run is None:
        raise UnknownRun(run_id)
    return run


def _book_payments(
    uow: UnitOfWork,
    planned: Sequence[OutgoingPayment],
    today: date,
    progress: Progress,
) -> dict[int, EntryId]:
    # One entry per payment: from its reserve (or the leefgeld) to the household's funds.
    transfers = [
        Transfer(
            debit=payment.paid_from,
            credit=payment.funds,
            amount_cents=payment.amount_cents,
            description=f"Betaling {payment.end_to_end_id}",
            # Per payment, not per source: a returned payment is planned and paid anew.
            idempotency_key=f"payment:{payment.end_to_end_id}",
        )
        for payment in planned
    ]
    entry_ids: dict[int, EntryId] = {}
    for start in range(0, len(transfers), ENTRIES_PER_BATCH_MAX):
        chunk = planned[start : start + ENTRIES_PER_BATCH_MAX]
        posted = uow.ledger.post_transfers(today, transfers[start : start + ENTRIES_PER_BATCH_MAX])
        entry_ids.update(zip((p.payment_id for p in chunk), posted, strict=True))
        progress("booking payments", len(entry_ids), len(transfers))
    return entry_ids


@functools.lru_cache(maxsize=4096)
def _bic(value: str | None) -> Bic | None:
    # A run pays the same few hundred creditors thousands of times; a BIC is checked once.
    return None if value is None else Bic.parse(value)


@functools.lru_cache(maxsize=4096)
def _iban(value: str) -> Iban:
    """``Iban.parse``, remembered: creditors' IBANs repeat throughout a run.

    A stored IBAN is already in electronic form, so ``Iban(value)`` (one check) gives what
    ``Iban.parse`` (normalise, check, then check again) gives.
    """
    if value == "".join(value.split()).upper():
        return Iban(value)
    return Iban.parse(value)


def _reference(kind: str, value: str) -> PaymentReference:
    return Betalingskenmerk.parse(value) if kind == "kenmerk" else FreeTextReference(value)


def _transfer(payment: OutgoingPayment, address: Address | None) -> CreditTransfer:
    return CreditTransfer(
        end_to_end_id=payment.end_to_end_id,
        amount=Money(payment.amount_cents),
        creditor_name=payment.payee_name,
        creditor_iban=_iban(payment.payee_iban),
        creditor_bic=_bic(payment.payee_bic),
        creditor_address=address,
        reference=_reference(payment.reference_kind, payment.reference),
    )


def _view(uow: UnitOfWork, run: RunRecord) -> RunView:
    totals = _totals(uow.runs.payment_tallies(run.run_id))
    arrears = uow.runs.households_of_run_with_open_signals(run.run_id, [SignalKind.ARREAR.value])
    files = tuple(uow.runs.payment_file_summaries(run.run_id))
    return RunView(run, totals, tuple(arrears), files)


def _totals(tallies: Sequence[tuple[str, str | None, int, int]]) -> RunTotals:
    """``run_totals`` of a run's payments, from the database's count and sum per payee and cost
    type instead of from every payment: a view of a run of 40,000 payments reads some 50 rows."""
    overall = Tally()
    per_creditor: dict[str, Tally] = {}
    per_cost_type: dict[str, Tally] = {}
    for payee, cost_type, count, cents in tallies:
        kind = cost_type or PaymentKind.LEEFGELD.value
        overall = Tally(overall.count + count, overall.total + Money(cents))
        known = per_creditor.get(payee, Tally())
        per_creditor[payee] = Tally(known.count + count, known.total + Money(cents))
        known = per_cost_type.get(kind, Tally())
        per_cost_type[kind] = Tally(known.count + count, known.total + Money(cents))
    return RunTotals(
        overall, dict(sorted(per_creditor.items())), dict(sorted(per_cost_type.items()))
    )
