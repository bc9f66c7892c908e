"""Importing a bank statement (camt.053): confirm payments, take returns back, keep the rest.

- A line whose EndToEndId names one of our payments confirms it (sent → paid).
- A returned payment (AC04, MD07, ...) is reversed in the ledger, so the money is back in the
  reserve (or the leefgeld account) it came from, and the coach gets a blocking signal that says in
  plain words why it came back.
- A line that matches nothing is kept as unmatched, for a person to match by hand.
- The same file imported twice is recognised by its SHA-256 and changes nothing; a line that repeats
  what an earlier file already said (a second confirmation, a second return) is kept as duplicate.
- A malformed or hostile file is refused before anything is written: parsing is all or nothing,
  and the import is one transaction.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from typing import Any

from ontzorgen.camt import explain_return_reason, parse_statement
from ontzorgen.errors import OntzorgenError
from ontzorgen.runs import PaymentStatus
from ontzorgen.signals import NewSignal, SignalKind, euro
from ontzorgen.unit_of_work import UnitOfWork


class UnknownStatementLine(OntzorgenError):
    """No unmatched statement line has this import id and position."""

    def __init__(self, import_id: int, position: int) -> None:
        super().__init__(
            f"Statement {import_id} has no unmatched line {position}; it may be matched already."
        )
        self.import_id, self.position = import_id, position


class UnknownPayment(OntzorgenError):
    """No payment has this id."""

    def __init__(self, payment_id: int) -> None:
        super().__init__(f"Payment {payment_id} does not exist.")
        self.payment_id = payment_id


@dataclass(frozen=True, slots=True)
class ImportResult:
    import_id: int
    replayed: bool
    counts: dict[str, int]  # per match status: matched, returned, duplicate, unmatched


def import_statement(
    uow: UnitOfWork, data: bytes, *, file_name: str, actor: str, today: date
) -> ImportResult:
    digest = hashlib.sha256(data).hexdigest()
    with uow:
        existing = uow.runs.statement_import_by_digest(digest)
        if existing is not None:
            return ImportResult(existing, True, uow.runs.statement_line_counts(existing))
    statement = parse_statement(data)  # refuses a bad file before any write
    with uow:
        existing = uow.runs.statement_import_by_digest(digest)
        if existing is not None:
            return ImportResult(existing, True, uow.runs.statement_line_counts(existing))
        import_id = uow.runs.add_statement_import(
            sha256=digest,
            file_name=file_name[:200],
            version=statement.version,
            message_id=statement.message_id[:35],
            statement_id=statement.statement_id[:35],
            account_iban=statement.account_iban,
            imported_by=actor,
            line_count=len(statement.entries),
        )
        known = uow.runs.payments_by_end_to_end_id(
            sorted({e.end_to_end_id for e in statement.entries if e.end_to_end_id})
        )
        statuses = {p.payment_id: p.status for p in known.values()}
        lines: list[dict[str, Any]] = []
        for position, entry in enumerate(statement.entries, start=1):
            payment = known.get(entry.end_to_end_id or "")
            # The id alone is not enough: the amount must be the payment's, and our payment shows
            # as a debit, or as a credit only when it comes back. Anything else is for a person.
            if payment is not None and (
                entry.amount != payment.amount or (entry.credit and not entry.is_return)
            ):
                payment = None
            match_status = "unmatched"
            if payment is not None:
                current = statuses[payment.payment_id]
                if entry.is_return:
                    if current in (PaymentStatus.SENT, PaymentStatus.PAID):
                        _take_back(uow, payment.payment_id, entry.return_reason, today)
                        statuses[payment.payment_id] = PaymentStatus.RETURNED
                        match_status = "returned"
                    else:
                        match_status = "duplicate"
                elif current is PaymentStatus.SENT:
                    uow.runs.set_payment_status(payment.payment_id, PaymentStatus.PAID)
                    statuses[payment.payment_id] = PaymentStatus.PAID
                    match_status = "matched"
                else:
                    match_status = "duplicate"
            lines.append(
                {
                    "import_id": import_id,
                    "position": position,
                    "amount_cents": entry.amount.cents,
                    "credit": entry.credit,
                    "booked_on": entry.booked_on,
                    "end_to_end_id": (entry.end_to_end_id or None) and entry.end_to_end_id[:35],
                    "return_reason": entry.return_reason,
                    "remittance": None if entry.remittance is None else entry.remittance[:500],
                    "counterparty_name": None
                    if entry.counterparty_name is None
                    else entry.counterparty_name[:140],
                    "counterparty_iban": entry.counterparty_iban,
                    "bank_reference": None
                    if entry.account_servicer_reference is None
                    else entry.account_servicer_reference[:64],
                    "match_status": match_status,
                    "payment_id": None if payment is None else payment.payment_id,
                    "matched_by": None,
                }
            )
        uow.runs.add_statement_lines(lines)
        counts = uow.runs.statement_line_counts(import_id)
        uow.commit()
        return ImportResult(import_id, False, counts)


def _take_back(uow: UnitOfWork, payment_id: int, reason: str | None, today: date) -> None:
    payment = uow.runs.get_payment(payment_id)
    assert payment is not None and payment.entry_id is not None
    explanation = explain_return_reason(reason)
    reversal = uow.ledger.reverse(
        payment.entry_id,
        today,
        description=f"Teruggekomen {payment.end_to_end_id} ({reason or 'onbekend'})",
        idempotency_key=f"return:{payment.source_key}",
    )
    uow.runs.set_payment_status(
        payment_id, PaymentStatus.RETURNED, return_reason=reason, return_entry_id=reversal
    )
    # What the payment paid is due again: once the coach has handled the signal (and corrected
    # the account), the next run plans it anew from the money back on the reserve.
    uow.runs.release_source_key(payment_id)
    uow.repository.raise_signal(
        NewSignal(
            payment.household_id,
            SignalKind.RETURNED_PAYMENT,
            f"returned:{payment.end_to_end_id}",
            today,
            f"De betaling van {euro(payment.amount)} aan {payment.payee_name} is teruggekomen. "
            f"{explanation} Het geld staat weer klaar. Controleer de betaalgegevens; de volgende "
            "betaalrun betaalt opnieuw als dit signaal is afgehandeld.",
        )
    )


def match_by_hand(
    uow: UnitOfWork, import_id: int, position: int, payment_id: int, *, actor: str
) -> None:
    """A person links an unmatched line to a payment; the payment counts as paid."""
    with uow:
        payment = uow.runs.get_payment(payment_id)
        if payment is None:
            raise UnknownPayment(payment_id)
        if not uow.runs.match_line_by_hand(import_id, position, payment_id, actor):
            raise UnknownStatementLine(import_id, position)
        if payment.status is PaymentStatus.SENT:
            uow.runs.set_payment_status(payment_id, PaymentStatus.PAID)
        uow.commit()
