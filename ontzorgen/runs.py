"""Payment runs: what is paid on one execution date, who may approve it, and how it is named.

Rules kept here, before anything is stored:
- a run is prepared by one person and approved by another (four-eyes); only an approved run is
  executed, and a run is executed once;
- every payment has a source key (what it pays: one obligation's due date, or one leefgeld part),
  unique across all runs, so nothing due is planned or paid twice;
- every payment has an EndToEndId of at most 35 SEPA characters, unique, derived from its id, that
  the bank statement returns so the payment can be matched.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from ledger.money import Money
from ontzorgen.errors import OntzorgenError

END_TO_END_ID_PREFIX = "ONTZ"


class RunStatus(enum.StrEnum):
    PREPARED = "prepared"
    APPROVED = "approved"
    EXECUTED = "executed"


class PaymentKind(enum.StrEnum):
    CREDITOR = "creditor"
    LEEFGELD = "leefgeld"


class PaymentStatus(enum.StrEnum):
    PLANNED = "planned"  # in a prepared or approved run
    SENT = "sent"  # booked and in a payment file
    PAID = "paid"  # confirmed by the bank statement
    RETURNED = "returned"  # came back; the money is back in its reserve


class FourEyesViolation(OntzorgenError):
    """The person who prepared a run tried to approve it."""

    def __init__(self, run_id: int, actor: str) -> None:
        super().__init__(
            f"Run {run_id} was prepared by {actor}; another person must approve it (four-eyes)."
        )
        self.run_id, self.actor = run_id, actor


class RunNotApproved(OntzorgenError):
    """Only an approved run can be executed."""

    def __init__(self, run_id: int, status: str) -> None:
        super().__init__(f"Run {run_id} is {status}; it must be approved before it is executed.")
        self.run_id, self.status = run_id, status


class RunAlreadyApproved(OntzorgenError):
    """A run that was approved (or executed) cannot be approved by someone else again."""

    def __init__(self, run_id: int, approved_by: str | None) -> None:
        super().__init__(f"Run {run_id} was already approved by {approved_by}.")
        self.run_id, self.approved_by = run_id, approved_by


class UnknownRun(OntzorgenError):
    """No payment run has this id."""

    def __init__(self, run_id: int) -> None:
        super().__init__(f"Payment run {run_id} does not exist.")
        self.run_id = run_id


class NoBankAccount(OntzorgenError):
    """The municipality has no bank account to pay from."""

    def __init__(self, municipality_id: int) -> None:
        super().__init__(
            f"Municipality {municipality_id} has no bank account registered; register the "
            "account the payment runs are paid from."
        )
        self.municipality_id = municipality_id


class PaymentWithoutAccount(OntzorgenError):
    """A planned payment's household lacks the ledger account the payment is paid from or to."""

    def __init__(self, payment_id: int, end_to_end_id: str) -> None:
        super().__init__(
            f"Payment {payment_id} ({end_to_end_id}) has no reserve, leefgeld or funds account in "
            "its household's ledger; nothing of the run was booked. Repair the household's "
            "accounts, then execute the run again."
        )
        self.payment_id, self.end_to_end_id = payment_id, end_to_end_id


def end_to_end_id(run_id: int, number: int) -> str:
    """``ONTZ-R<run>-P<number>``, for payment ``number`` of a run (numbered from 1): unique
    because a run numbers its payments once, and at most 35 characters."""
    return f"{end_to_end_id_prefix(run_id)}{number}"


def end_to_end_id_prefix(run_id: int) -> str:
    """What every end-to-end id of the run starts with: ``ONTZ-R<run>-P``."""
    return f"{END_TO_END_ID_PREFIX}-R{run_id}-P"


#: What a source key starts with: the source is an obligation's due date, or a leefgeld part.
OBLIGATION_SOURCE, LEEFGELD_SOURCE = "obligation", "leefgeld"


def obligation_source_key(obligation_id: int, due_on: date) -> str:
    return f"{OBLIGATION_SOURCE}:{obligation_id}:{due_on.isoformat()}"


def leefgeld_source_key(household_id: int, month: str, position: int) -> str:
    return f"{LEEFGELD_SOURCE}:{household_id}:{month}:{position}"


def check_four_eyes(run_id: int, prepared_by: str, approver: str) -> None:
    if approver.strip().casefold() == prepared_by.strip().casefold():
        raise FourEyesViolation(run_id, approver)


@dataclass(frozen=True, slots=True)
class Tally:
    count: int = 0
    total: Money = Money(0)

    def add(self, amount: Money) -> Tally:
        return Tally(self.count + 1, self.total + amount)


@dataclass(frozen=True, slots=True)
class RunTotals:
    """Count and total per creditor and per cost type, the way Werk & Inkomen checks a run."""

    overall: Tally = Tally()
    per_creditor: dict[str, Tally] = field(default_factory=dict)
    per_cost_type: dict[str, Tally] = field(default_factory=dict)


def run_totals(payments: Iterable[tuple[str, str, Money]]) -> RunTotals:
    """Totals from ``(payee, cost type or "leefgeld", amount)`` triples."""
    overall = Tally()
    per_creditor: dict[str, Tally] = {}
    per_cost_type: dict[str, Tally] = {}
    for payee, cost_type, amount in payments:
        overall = overall.add(amount)
        per_creditor[payee] = per_creditor.get(payee, Tally()).add(amount)
        per_cost_type[cost_type] = per_cost_type.get(cost_type, Tally()).add(amount)
    return RunTotals(
        overall, dict(sorted(per_creditor.items())), dict(sorted(per_cost_type.items()))
    )
