"""Payment runs, their payments and files, and bank statement imports, as lists and overviews.

Reads only. A municipality's runs are listed newest first (a cursor ``before_id``); payments,
statement imports and statement lines page forward by id or position. A statement import belongs
to the municipality whose bank account it is a statement of, as ``api.security`` decides too.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select

from ledger.money import Money
from ontzorgen.identifiers import normalise_iban
from ontzorgen.runs import PaymentStatus
from ontzorgen.tables import (
    municipalities,
    payment_files,
    payment_runs,
    payments,
    statement_imports,
    statement_lines,
)

#: The match statuses a statement line can have (``ontzorgen.statements``).
MATCH_STATUSES = ("matched", "returned", "duplicate", "unmatched", "matched_by_hand")
#: A payment is a candidate for a statement line when its run was executed from this many days
#: before the line's booking date: a bank books a credit transfer on its execution date or a few
#: business days after it, and a holiday weekend makes that a week.
CANDIDATE_DAYS_BEFORE = 10
#: ... to this many days after it (a line booked a day early, on the bank's side of midnight).
CANDIDATE_DAYS_AFTER = 1
#: At most this many candidates are offered for one line: more is a list nobody checks by eye.
CANDIDATES_PER_LINE_MAX = 5


def _utc(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive timestamps; every timestamp stored is UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class RunSummary:
    run_id: int
    execution_on: date
    status: str
    prepared_by: str
    approved_by: str | None
    executed_by: str | None


@dataclass(frozen=True, slots=True)
class RunMoments:
    prepared_at: datetime
    approved_at: datetime | None
    executed_at: datetime | None


@dataclass(frozen=True, slots=True)
class PaymentLine:
    payment_id: int
    household_id: int
    kind: str
    cost_type: str | None
    creditor_id: int | None
    payee_name: str
    payee_iban: str
    due_on: date
    amount: Money
    end_to_end_id: str
    status: str
    file_message_id: str | None
    return_reason: str | None


@dataclass(frozen=True, slots=True)
class PaymentFileSummary:
    message_id: str
    position: int
    payment_count: int
    control_sum: Money
    sha256: str


@dataclass(frozen=True, slots=True)
class StatementImportSummary:
    import_id: int
    file_name: str
    version: str
    message_id: str
    statement_id: str
    account_iban: str
    imported_by: str
    imported_at: datetime
    line_count: int


@dataclass(frozen=True, slots=True)
class StatementLine:
    position: int
    amount: Money
    credit: bool
    booked_on: date
    end_to_end_id: str | None
    return_reason: str | None
    remittance: str | None
    counterparty_name: str | None
    counterparty_iban: str | None
    bank_reference: str | None
    match_status: str
    payment_id: int | None
    matched_by: str | None


def runs_of(
    connection: Connection, municipality_id: int, *, before_id: int, limit: int
) -> list[RunSummary]:
    """The municipality's runs, newest first; ``before_id`` 0 starts at the newest."""
    query = (
        select(
            payment_runs.c.id,
            payment_runs.c.execution_on,
            payment_runs.c.status,
            payment_runs.c.prepared_by,
            payment_runs.c.approved_by,
            payment_runs.c.executed_by,
        )
        .where(payment_runs.c.municipality_id == municipality_id)
        .order_by(payment_runs.c.id.desc())
        .limit(limit)
    )
    if before_id > 0:
        query = query.where(payment_runs.c.id < before_id)
    return [RunSummary(*row) for row in connection.execute(query).tuples()]


def run_moments(connection: Connection, run_id: int) -> RunMoments | None:
    row = connection.execute(
        select(
            payment_runs.c.prepared_at, payment_runs.c.approved_at, payment_runs.c.executed_at
        ).where(payment_runs.c.id == run_id)
    ).one_or_none()
    if row is None:
        return None
    prepared_at = _utc(row.prepared_at)
    assert prepared_at is not None
    return RunMoments(prepared_at, _utc(row.approved_at), _utc(row.executed_at))


#: The columns of a ``PaymentLine``, in its fields' order.
_PAYMENT_LINE_COLUMNS = (
    payments.c.id,
    payments.c.household_id,
    payments.c.kind,
    payments.c.cost_type,
    payments.c.creditor_id,
    payments.c.payee_name,
    payments.c.payee_iban,
    payments.c.due_on,
    payments.c.amount_cents,
    payments.c.end_to_end_id,
    payments.c.status,
    payments.c.file_message_id,
    payments.c.return_reason,
)


def _payment_line(row: Any) -> PaymentLine:
    """A ``PaymentLine`` from a row of ``_PAYMENT_LINE_COLUMNS``."""
    return PaymentLine(
        row.id,
        row.household_id,
        row.kind,
        row.cost_type,
        row.creditor_id,
        row.payee_name,
        row.payee_iban,
        row.due_on,
        Money(row.amount_cents),
        row.end_to_end_id,
        row.status,
        row.file_message_id,
        row.return_reason,
    )


def payments_of_run(
    connection: Connection, run_id: int, *, after_id: int, limit: int
) -> list[PaymentLine]:
    rows = connection.execute(
        select(*_PAYMENT_LINE_COLUMNS)
        .where(payments.c.run_id == run_id, payments.c.id > after_id)
        .order_by(payments.c.id)
        .limit(limit)
    )
    return [_payment_line(row) for row in rows]


def files_of_run(connection: Connection, run_id: int) -> list[PaymentFileSummary]:
    """The run's SEPA files without their bytes."""
    rows = connection.execute(
        select(
            payment_files.c.message_id,
            payment_files.c.position,
            payment_files.c.payment_count,
            payment_files.c.control_sum_cents,
            payment_files.c.sha256,
        )
        .where(payment_files.c.run_id == run_id)
        .order_by(payment_files.c.position)
    ).tuples()
    return [
        PaymentFileSummary(message_id, position, count, Money(cents), sha256)
        for message_id, position, count, cents, sha256 in rows
    ]


def payment_file_content(connection: Connection, run_id: int, message_id: str) -> bytes | None:
    """The stored pain.001 bytes of one of the run's files; None when the run has no such file."""
    found = connection.execute(
        select(payment_files.c.content).where(
            payment_files.c.run_id == run_id, payment_files.c.message_id == message_id
        )
    ).scalar()
    return None if found is None else bytes(found)


_IMPORT_COLUMNS = (
    statement_imports.c.id,
    statement_imports.c.file_name,
    statement_imports.c.version,
    statement_imports.c.message_id,
    statement_imports.c.statement_id,
    statement_imports.c.account_iban,
    statement_imports.c.imported_by,
    statement_imports.c.imported_at,
    statement_imports.c.line_count,
)


def _import_summary(row: Any) -> StatementImportSummary:
    imported_at = _utc(row.imported_at)
    assert imported_at is not None
    return StatementImportSummary(
        row.id,
        row.file_name,
        row.version,
        row.message_id,
        row.statement_id,
        row.account_iban,
        row.imported_by,
        imported_at,
        row.line_count,
    )


def statement_imports_of(
    connection: Connection, municipality_id: int, *, before_id: int, limit: int
) -> list[StatementImportSummary]:
    """Imports of statements of the municipality's bank account, newest first."""
    query = (
        select(*_IMPORT_COLUMNS)
        .select_from(
            statement_imports.join(
                municipalities, municipalities.c.bank_iban == statement_imports.c.account_iban
            )
        )
        .where(municipalities.c.id == municipality_id)
        .order_by(statement_imports.c.id.desc())
        .limit(limit)
    )
    if before_id > 0:
        query = query.where(statement_imports.c.id < before_id)
    return [_import_summary(row) for row in connection.execute(query)]


def statement_import(connection: Connection, import_id: int) -> StatementImportSummary | None:
    row = connection.execute(
        select(*_IMPORT_COLUMNS).where(statement_imports.c.id == import_id)
    ).one_or_none()
    return None if row is None else _import_summary(row)


def statement_lines_of(
    connection: Connection,
    import_id: int,
    *,
    match_status: str | None,
    after_position: int,
    limit: int,
) -> list[StatementLine]:
    query = (
        select(
            statement_lines.c.position,
            statement_lines.c.amount_cents,
            statement_lines.c.credit,
            statement_lines.c.booked_on,
            statement_lines.c.end_to_end_id,
            statement_lines.c.return_reason,
            statement_lines.c.remittance,
            statement_lines.c.counterparty_name,
            statement_lines.c.counterparty_iban,
            statement_lines.c.bank_reference,
            statement_lines.c.match_status,
            statement_lines.c.payment_id,
            statement_lines.c.matched_by,
        )
        .where(
            statement_lines.c.import_id == import_id,
            statement_lines.c.position > after_position,
        )
        .order_by(statement_lines.c.position)
        .limit(limit)
    )
    if match_status is not None:
        query = query.where(statement_lines.c.match_status == match_status)
    return [
        StatementLine(
            row.position,
            Money(row.amount_cents),
            bool(row.credit),
            row.booked_on,
            row.end_to_end_id,
            row.return_reason,
            row.remittance,
            row.counterparty_name,
            row.counterparty_iban,
            row.bank_reference,
            row.match_status,
            row.payment_id,
            row.matched_by,
        )
        for row in connection.execute(query)
    ]


@dataclass(frozen=True, slots=True)
class PaymentCandidate:
    """A sent payment that an unmatched statement line may be the bank's booking of."""

    payment: PaymentLine
    run_id: int
    execution_on: date
    #: The payee's IBAN is the line's counterparty: the strongest hint there is without an id.
    same_account: bool


def candidates_for_lines(
    connection: Connection, import_id: int, lines: Sequence[StatementLine]
) -> dict[int, list[PaymentCandidate]]:
    """For each unmatched debit line of the import (by position): the sent payments it may be.

    A candidate is a payment of the import's municipality (the one whose bank account the
    statement is of) that was sent and is not yet paid or returned, for exactly the line's amount,
    in a run executed from ``CANDIDATE_DAYS_BEFORE`` days before the line's booking date to
    ``CANDIDATE_DAYS_AFTER`` after it. Those paid to the line's counterparty IBAN come first, then
    the closest execution date, then the lowest payment number; at most
    ``CANDIDATES_PER_LINE_MAX`` per line. A credit (money coming in) is no payment of ours and
    gets none. One query for all the lines: the runs of those few days, read through their index.
    """
    wanted = [line for line in lines if line.match_status == "unmatched" and not line.credit]
    if not wanted:
        return {}
    first = min(line.booked_on for line in wanted) - timedelta(days=CANDIDATE_DAYS_BEFORE)
    last = max(line.booked_on for line in wanted) + timedelta(days=CANDIDATE_DAYS_AFTER)
    # First the municipality's runs of those days (a few rows), then their payments through the
    # run index: in one join the planner, misled by tiny tables, read every municipality's runs.
    executed_on = dict(
        connection.execute(
            select(payment_runs.c.id, payment_runs.c.execution_on)
            .select_from(
                statement_imports.join(
                    municipalities, municipalities.c.bank_iban == statement_imports.c.account_iban
                ).join(payment_runs, payment_runs.c.municipality_id == municipalities.c.id)
            )
            .where(
                statement_imports.c.id == import_id,
                payment_runs.c.execution_on.between(first, last),
            )
        )
        .tuples()
        .all()
    )
    if not executed_on:
        return {}
    # A common amount (the collective health insurance) can be thousands of a run's payments:
    # the ranking reads only what it needs of them, and the details of the chosen few follow.
    sent = connection.execute(
        select(
            payments.c.amount_cents, payments.c.id, payments.c.payee_iban, payments.c.run_id
        ).where(
            payments.c.run_id.in_(sorted(executed_on)),
            payments.c.status == PaymentStatus.SENT.value,
            payments.c.amount_cents.in_(sorted({line.amount.cents for line in wanted})),
        )
    ).tuples()
    of_amount: dict[int, list[tuple[int, str, int, date]]] = {}
    for amount_cents, payment_id, payee_iban, run_id in sent.all():
        of_amount.setdefault(amount_cents, []).append(
            (payment_id, payee_iban, run_id, executed_on[run_id])
        )
    chosen: dict[int, list[tuple[int, bool, int, date]]] = {}
    for line in wanted:
        earliest = line.booked_on - timedelta(days=CANDIDATE_DAYS_BEFORE)
        latest = line.booked_on + timedelta(days=CANDIDATE_DAYS_AFTER)
        counterparty = (
            None if line.counterparty_iban is None else normalise_iban(line.counterparty_iban)
        )
        ranked = heapq.nsmallest(
            CANDIDATES_PER_LINE_MAX,
            (
                (
                    payee_iban != counterparty,
                    abs((execution_on - line.booked_on).days),
                    payment_id,
                    run_id,
                    execution_on,
                )
                for payment_id, payee_iban, run_id, execution_on in of_amount.get(
                    line.amount.cents, ()
                )
                if earliest <= execution_on <= latest
            ),
        )
        if ranked:
            chosen[line.position] = [
                (payment_id, not other_account, run_id, execution_on)
                for other_account, _, payment_id, run_id, execution_on in ranked
            ]
    details = _payment_lines(
        connection, sorted({payment_id for found in chosen.values() for payment_id, *_ in found})
    )
    return {
        position: [
            PaymentCandidate(details[payment_id], run_id, execution_on, same_account)
            for payment_id, same_account, run_id, execution_on in found
        ]
        for position, found in chosen.items()
    }


def _payment_lines(connection: Connection, payment_ids: Sequence[int]) -> dict[int, PaymentLine]:
    if not payment_ids:
        return {}
    rows = connection.execute(
        select(*_PAYMENT_LINE_COLUMNS).where(payments.c.id.in_(list(payment_ids)))
    )
    return {line.payment_id: line for line in map(_payment_line, rows)}
