"""The newcomer's monthly statement (maandoverzicht, DOMAIN.md §9) as a read model.

A statement exists for every month that was divided (allocated). It tells, for that month:
- the opening and closing balance of each reserve (one per obligation), of the leefgeld account and
  of the reserved vakantietoeslag, with every movement booked in the calendar month;
- the bijstand and other income (toeslagen) for the month, and late income the month divided;
- each withholding: creditor, cost type (the Dutch word, as on the newcomer's letters), amount,
  due date and status (gereserveerd, gepland, betaald, teruggekomen, or achterstand when nothing
  could be reserved);
- the leefgeld: how much, and each part with the day it is (or was) paid;
- the arrears of the month;
- the payments still to come after today, with their dates;
- the phase in force today, and the milestones still open for the next step;
- who the coach is (the kredietbank).

Invariants, checked when the statement is made: for every account, opening balance plus the
month's movements equals the closing balance, and the closing balance is the running balance of
the month's last posting; the withholdings of the month add up to the allocation's reserved
total. Reading a statement changes nothing. The cost does not grow with the length of the
history: ``ontzorgen.views.statements`` reads it in six bounded queries.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection

from ledger.money import Money
from ontzorgen.accounts import AccountRole
from ontzorgen.business_days import payment_date_for
from ontzorgen.errors import OntzorgenError
from ontzorgen.households import UnknownHousehold
from ontzorgen.months import Month
from ontzorgen.phases import STATUTORY_PERIOD_REQUIREMENT, achieved_milestones, assess_step
from ontzorgen.policy import CostType, Policy
from ontzorgen.policy_codec import policy_from_json
from ontzorgen.runs import PaymentKind, PaymentStatus, leefgeld_source_key, obligation_source_key
from ontzorgen.unit_of_work import UnitOfWork
from ontzorgen.views import statements as rows
from ontzorgen.views.statements import AccountRow, DueRow, PaymentRow

#: The Dutch names of the cost types: the words on the newcomer's letters stay visible.
COST_TYPE_NAMES: dict[CostType, str] = {
    CostType.HUUR: "Huur",
    CostType.ZORGVERZEKERING: "Zorgverzekering",
    CostType.ENERGIE: "Energie",
    CostType.WATER: "Water",
    CostType.OVERIGE_VERZEKERING: "Overige verzekering",
}

#: What the statement says of the law's six-month floor when it is an open requirement.
STATUTORY_PERIOD_TITLE = "De eerste zes maanden (wettelijke periode) zijn voorbij"

#: The balances a statement shows: the money held for the newcomer, not the clearing accounts.
_SHOWN_ROLES = (AccountRole.RESERVE, AccountRole.LEEFGELD, AccountRole.VAKANTIETOESLAG)


class NoStatement(OntzorgenError):
    """A household has no statement for a month: the month was never divided."""

    def __init__(self, household_id: int, month: Month) -> None:
        super().__init__(
            f"Household {household_id} has no statement for {month}: that month was not divided "
            "(allocated). List the months with a statement first."
        )
        self.household_id, self.month = household_id, month


class WithholdingStatus(enum.StrEnum):
    """Where the money withheld for a bill is, in the words the newcomer reads."""

    GERESERVEERD = "gereserveerd"  # held on the reserve; no payment planned yet
    GEPLAND = "gepland"  # in a payment run that has not gone out yet
    BETAALD = "betaald"  # paid to the creditor (or to the newcomer)
    TERUGGEKOMEN = "teruggekomen"  # the bank sent it back; the money is on the reserve again
    ACHTERSTAND = "achterstand"  # nothing could be reserved: the income did not reach


@dataclass(frozen=True, slots=True)
class Movement:
    booked_on: date
    description: str
    amount: Money  # positive: money in; negative: money out
    balance_after: Money
    entry_id: int


@dataclass(frozen=True, slots=True)
class ReserveBalance:
    """One account the money is held on, over the month."""

    account_id: int
    role: AccountRole
    obligation_id: int | None
    cost_type: CostType | None
    cost_type_name: str | None
    creditor_name: str | None
    opening: Money
    money_in: Money
    money_out: Money
    closing: Money
    movements: tuple[Movement, ...]


@dataclass(frozen=True, slots=True)
class IncomeReceived:
    kind: str  # "bijstand" or "toeslag"
    for_month: Month
    received_on: date
    gross: Money
    vakantietoeslag: Money  # reserved from it, paid out in June
    net: Money
    divided_in: Month | None  # the month whose allocation divided it; None: not divided yet


@dataclass(frozen=True, slots=True)
class Withholding:
    obligation_id: int
    creditor_name: str
    cost_type: CostType
    cost_type_name: str
    need: Money  # what the bill asked of this month
    amount: Money  # what was withheld for it
    arrear: Money
    due_on: date | None
    status: WithholdingStatus
    paid_on: date | None  # the day the payment went (or goes) out, when there is one
    bank_confirmed: bool  # the bank statement confirmed the payment
    return_reason: str | None


@dataclass(frozen=True, slots=True)
class LeefgeldPayment:
    position: int
    pay_on: date
    amount: Money
    status: WithholdingStatus
    paid_on: date | None
    bank_confirmed: bool


@dataclass(frozen=True, slots=True)
class Arrear:
    obligation_id: int
    creditor_name: str
    cost_type: CostType
    cost_type_name: str
    amount: Money
    due_on: date | None


@dataclass(frozen=True, slots=True)
class NextPayment:
    pay_on: date  # the business day the money goes out
    due_on: date
    kind: PaymentKind
    payee: str
    cost_type: CostType | None
    cost_type_name: str | None
    amount: Money
    status: WithholdingStatus


@dataclass(frozen=True, slots=True)
class PhaseInfo:
    number: int
    name: str


@dataclass(frozen=True, slots=True)
class OpenMilestone:
    code: str
    title: str


@dataclass(frozen=True, slots=True)
class Coach:
    kredietbank_id: int
    name: str


@dataclass(frozen=True, slots=True)
class MonthlyStatement:
    household_id: int
    household_name: str
    language: str
    month: Month
    as_of: date
    allocated_on: date
    phase_in_month: PhaseInfo
    current_phase: PhaseInfo
    next_phase: PhaseInfo | None
    open_milestones: tuple[OpenMilestone, ...]
    income: tuple[IncomeReceived, ...]
    income_divided: Money  # the net income the month's allocation divided
    reserves: tuple[ReserveBalance, ...]
    withholdings: tuple[Withholding, ...]
    withheld_total: Money
    leefgeld_total: Money  # including a vakantietoeslag paid out this month
    vakantietoeslag_paid: Money
    leefgeld_payments: tuple[LeefgeldPayment, ...]
    arrears: tuple[Arrear, ...]
    arrears_total: Money
    arrears_outstanding: Money  # all arrears booked so far, at the end of the month
    next_payments: tuple[NextPayment, ...]
    coach: Coach | None


@dataclass(frozen=True, slots=True)
class StatementMonth:
    month: Month
    phase: int
    income: Money
    withheld: Money
    arrears: Money
    leefgeld: Money
    allocated_on: date


class StatementDoesNotAddUp(AssertionError):
    """A balance on a statement does not follow from its movements: a bug, never shown."""


@functools.lru_cache(maxsize=64)
def _policy(policy_json: str) -> Policy:
    # Every statement of a municipality reads the same policy text; parse it once.
    return policy_from_json(policy_json)


def statement_months(
    uow: UnitOfWork, household_id: int, *, before: Month | None = None, limit: int = 50
) -> list[StatementMonth]:
    """The months with a statement, newest first; ``before`` continues a list."""
    with uow:
        found = rows.statement_months_of(uow.connection, household_id, before=before, limit=limit)
    return [
        StatementMonth(
            Month.parse(row.month),
            row.phase,
            Money(row.income_cents),
            Money(row.reserved_cents),
            Money(row.arrears_cents),
            Money(row.leefgeld_cents),
            row.allocated_on,
        )
        for row in found
    ]


def monthly_statement(
    uow: UnitOfWork, household_id: int, month: Month, *, today: date
) -> MonthlyStatement:
    """The statement of ``month`` as it stands on ``today``; six queries whatever the history."""
    with uow:
        return read_monthly_statement(uow.connection, household_id, month, today=today)


def read_monthly_statement(
    connection: Connection, household_id: int, month: Month, *, today: date
) -> MonthlyStatement:
    """``monthly_statement`` on a connection the caller holds (the API's request connection):
    reads only, commits nothing of the caller's."""
    found = rows.statement_rows(connection, household_id, month, today)
    header = found.header
    if header is None:
        raise UnknownHousehold(household_id)
    allocation = header.allocation
    if allocation is None:
        raise NoStatement(household_id, month)
    policy = _policy(header.policy_json)
    accounts, dues, payments = found.accounts, found.dues, found.payments
    needed_months = max(
        (m.months_without_arrears or 0 for m in policy.milestones if m.computed), default=0
    )
    recent_arrears = found.progress.recent_arrears[:needed_months]

    latest = _latest_payments(payments)
    month_lines = sorted(
        (due for due in dues if due.kind == "obligation" and due.month == str(month)),
        key=lambda due: (policy.rank(CostType(due.cost_type or "")), due.key),
    )
    withholdings = tuple(_withholding(due, latest) for due in month_lines)
    withheld_total = Money(sum(w.amount.cents for w in withholdings))
    if withheld_total.cents != allocation.reserved_cents:
        raise StatementDoesNotAddUp(
            f"household {household_id} {month}: withholdings {withheld_total} != reserved "
            f"{Money(allocation.reserved_cents)}"
        )
    leefgeld_payments = tuple(
        sorted(
            (
                _leefgeld_payment(household_id, due, latest)
                for due in dues
                if due.kind == "leefgeld" and due.month == str(month)
            ),
            key=lambda part: part.position,
        )
    )
    reserves = tuple(
        _balance(account) for account in accounts if AccountRole(account.role) in _SHOWN_ROLES
    )
    arrears_account = next(a for a in accounts if a.role == AccountRole.ARREARS.value)
    current_number = header.current_phase or 1
    phase_in_month = policy.ladder.phase(allocation.phase)
    current = policy.ladder.phase(current_number)
    open_milestones: tuple[OpenMilestone, ...] = ()
    next_phase = None
    if header.arrangement is not None:
        recorded = [code for code, achieved_on in found.progress.milestones if achieved_on <= today]
        achieved = achieved_milestones(policy, recorded, _months_without_arrears(recent_arrears))
        assessment = assess_step(policy, current_number, achieved, header.arrangement, today)
        if assessment.next_phase is not None:
            target = policy.ladder.phase(assessment.next_phase)
            next_phase = PhaseInfo(target.number, target.name)
        open_milestones = tuple(
            OpenMilestone(code, _milestone_title(policy, code))
            for code in assessment.open_requirements
        )
    return MonthlyStatement(
        household_id=header.household_id,
        household_name=header.household_name,
        language=header.language,
        month=month,
        as_of=today,
        allocated_on=allocation.allocated_on,
        phase_in_month=PhaseInfo(phase_in_month.number, phase_in_month.name),
        current_phase=PhaseInfo(current.number, current.name),
        next_phase=next_phase,
        open_milestones=open_milestones,
        income=tuple(_income(row) for row in found.incomes),
        income_divided=Money(allocation.income_cents),
        reserves=reserves,
        withholdings=withholdings,
        withheld_total=withheld_total,
        leefgeld_total=Money(allocation.leefgeld_cents),
        vakantietoeslag_paid=Money(allocation.vakantietoeslag_paid_cents),
        leefgeld_payments=leefgeld_payments,
        arrears=tuple(
            Arrear(
                w.obligation_id, w.creditor_name, w.cost_type, w.cost_type_name, w.arrear, w.due_on
            )
            for w in withholdings
            if w.arrear.cents
        ),
        arrears_total=Money(allocation.arrears_cents),
        arrears_outstanding=_balance(arrears_account).closing,
        next_payments=_next_payments(
            household_id, header.leefgeld_account_holder, dues, latest, today
        ),
        coach=None
        if header.kredietbank_id is None or header.kredietbank_name is None
        else Coach(header.kredietbank_id, header.kredietbank_name),
    )


def _milestone_title(policy: Policy, code: str) -> str:
    if code == STATUTORY_PERIOD_REQUIREMENT:
        return STATUTORY_PERIOD_TITLE
    definition = policy.milestone(code)
    return code if definition is None else definition.title


def _months_without_arrears(recent: Sequence[tuple[str, int]]) -> int:
    """Consecutive allocated months without an arrear, newest first; a gap ends the run
    (the same count as ``Repository.months_without_arrears``, over the rows read)."""
    count = 0
    expected: Month | None = None
    for text, arrears_cents in recent:
        month = Month.parse(text)
        if arrears_cents or (expected is not None and month != expected):
            break
        count += 1
        expected = month.previous()
    return count


def _latest_payments(payments: Sequence[PaymentRow]) -> dict[str, PaymentRow]:
    """The latest payment per thing paid (source key); a returned payment's key carries a
    ``#returned-<id>`` suffix, and a payment planned again after it has a higher id."""
    latest: dict[str, PaymentRow] = {}
    for payment in sorted(payments, key=lambda p: p.payment_id):
        latest[payment.source_key.split("#", 1)[0]] = payment
    return latest


def _status(payment: PaymentRow | None) -> WithholdingStatus:
    if payment is None:
        return WithholdingStatus.GERESERVEERD
    return {
        PaymentStatus.PLANNED.value: WithholdingStatus.GEPLAND,
        # Sent: booked and in the file for the bank; for the newcomer it is paid.
        PaymentStatus.SENT.value: WithholdingStatus.BETAALD,
        PaymentStatus.PAID.value: WithholdingStatus.BETAALD,
        PaymentStatus.RETURNED.value: WithholdingStatus.TERUGGEKOMEN,
    }[payment.status]


def _cost_type(text: str | None) -> tuple[CostType | None, str | None]:
    if text is None:
        return None, None
    cost_type = CostType(text)
    return cost_type, COST_TYPE_NAMES[cost_type]


def _withholding(due: DueRow, latest: dict[str, PaymentRow]) -> Withholding:
    cost_type, name = _cost_type(due.cost_type)
    assert cost_type is not None and name is not None and due.creditor_name is not None
    payment = None if due.on is None else latest.get(obligation_source_key(due.key, due.on))
    status = _status(payment)
    if payment is None and due.amount_cents == 0:
        status = WithholdingStatus.ACHTERSTAND
    return Withholding(
        obligation_id=due.key,
        creditor_name=due.creditor_name,
        cost_type=cost_type,
        cost_type_name=name,
        need=Money(due.need_cents),
        amount=Money(due.amount_cents),
        arrear=Money(due.arrear_cents),
        due_on=due.on,
        status=status,
        paid_on=None if payment is None else payment.execution_on,
        bank_confirmed=payment is not None and payment.status == PaymentStatus.PAID.value,
        return_reason=None if payment is None else payment.return_reason,
    )


def _leefgeld_payment(
    household_id: int, due: DueRow, latest: dict[str, PaymentRow]
) -> LeefgeldPayment:
    assert due.on is not None
    payment = latest.get(leefgeld_source_key(household_id, due.month, due.key))
    return LeefgeldPayment(
        position=due.key,
        pay_on=due.on,
        amount=Money(due.amount_cents),
        status=_status(payment),
        paid_on=None if payment is None else payment.execution_on,
        bank_confirmed=payment is not None and payment.status == PaymentStatus.PAID.value,
    )


def _balance(account: AccountRow) -> ReserveBalance:
    # The kind decides the sign: a liability (money held for the newcomer) grows with a credit,
    # an asset with a debit.
    grows_with = "D" if account.kind in ("asset", "expense") else "C"
    movements = []
    money_in = money_out = 0
    for posting in account.postings:
        signed = posting.amount_cents if posting.direction == grows_with else -posting.amount_cents
        if signed > 0:
            money_in += signed
        else:
            money_out -= signed
        movements.append(
            Movement(
                posting.booked_on,
                posting.description,
                Money(signed),
                Money(posting.balance_after_cents),
                posting.entry_id,
            )
        )
    closing = account.opening_cents + money_in - money_out
    # Checked twice: the sum of the movements, and the ledger's own running balance.
    if account.postings and account.postings[-1].balance_after_cents != closing:
        raise StatementDoesNotAddUp(
            f"account {account.account_id}: opening {account.opening_cents} + movements "
            f"!= running balance {account.postings[-1].balance_after_cents}"
        )
    role = AccountRole(account.role)
    cost_type, name = _cost_type(account.cost_type if role is AccountRole.RESERVE else None)
    return ReserveBalance(
        account_id=account.account_id,
        role=role,
        obligation_id=account.obligation_id if role is AccountRole.RESERVE else None,
        cost_type=cost_type,
        cost_type_name=name,
        creditor_name=account.creditor_name if role is AccountRole.RESERVE else None,
        opening=Money(account.opening_cents),
        money_in=Money(money_in),
        money_out=Money(money_out),
        closing=Money(closing),
        movements=tuple(movements),
    )


def _income(row: rows.IncomeRow) -> IncomeReceived:
    return IncomeReceived(
        kind=row.kind,
        for_month=Month.parse(row.month),
        received_on=row.received_on,
        gross=Money(row.gross_cents),
        vakantietoeslag=Money(row.vakantietoeslag_cents),
        net=Money(row.gross_cents - row.vakantietoeslag_cents),
        divided_in=None if row.allocated_month is None else Month.parse(row.allocated_month),
    )


def _next_payments(
    household_id: int,
    leefgeld_payee: str,
    dues: Sequence[DueRow],
    latest: dict[str, PaymentRow],
    today: date,
) -> tuple[NextPayment, ...]:
    """What goes out after today: each bill's due date (its reservations summed, as a payment run
    sums them) and each leefgeld part, unless it was paid already (a run pays before the due
    date when that is not a business day)."""
    bills: dict[tuple[int, date], tuple[DueRow, int]] = {}
    upcoming = []
    for due in dues:
        if due.on is None or due.on <= today or due.amount_cents <= 0:
            continue
        if due.kind == "obligation":
            known, cents = bills.get((due.key, due.on), (due, 0))
            bills[(due.key, due.on)] = (known, cents + due.amount_cents)
            continue
        payment = latest.get(leefgeld_source_key(household_id, due.month, due.key))
        upcoming.append((due, due.amount_cents, PaymentKind.LEEFGELD, payment))
    for (obligation_id, due_on), (due, cents) in bills.items():
        payment = latest.get(obligation_source_key(obligation_id, due_on))
        upcoming.append((due, cents, PaymentKind.CREDITOR, payment))
    found = []
    for due, cents, kind, payment in upcoming:
        status = _status(payment)
        if status is WithholdingStatus.BETAALD:
            continue
        assert due.on is not None
        cost_type, name = _cost_type(due.cost_type)
        found.append(
            NextPayment(
                pay_on=payment.execution_on
                if payment is not None and status is WithholdingStatus.GEPLAND
                else payment_date_for(due.on),
                due_on=due.on,
                kind=kind,
                payee=due.creditor_name or leefgeld_payee,
                cost_type=cost_type,
                cost_type_name=name,
                amount=Money(cents) if payment is None else Money(payment.amount_cents),
                status=status,
            )
        )
    return tuple(sorted(found, key=lambda p: (p.pay_on, p.due_on, p.kind.value, p.payee)))
