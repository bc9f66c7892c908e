"""The income department's reports over one municipality: households per phase, open arrears,
and what was paid per month.

Each report is one or two set-based queries (grouping in the database, never a loop over
households), so it stays fast for a municipality of 100,000 households:
- the phase in force is the last phase change effective on or before the day, picked per
  household with a window function (the same choice as ``phases.phase_on``);
- an arrear is open while its signal (subject ``arrear:<obligation>:<month>``) is open; the
  signal is found through its unique ``(household_id, subject)`` index;
- paid means booked and sent, or confirmed by the bank (``sent``/``paid``); a returned payment
  was never paid and is left out. Its month is the run's execution date's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import BigInteger, ColumnElement, Connection, String, cast, func, literal, select

from ledger.money import Money
from ontzorgen.months import Month
from ontzorgen.policy import Ladder
from ontzorgen.runs import PaymentKind, PaymentStatus
from ontzorgen.signals import SignalKind
from ontzorgen.tables import (
    allocation_lines,
    creditors,
    households,
    obligations,
    payment_runs,
    payments,
    phase_changes,
    signals,
)

#: Payments that left the municipality's account and did not come back.
PAID_STATUSES = (PaymentStatus.SENT.value, PaymentStatus.PAID.value)


@dataclass(frozen=True, slots=True)
class PhaseCount:
    #: None: no phase in force yet (no arrangement, or it starts later).
    phase: int | None
    household_count: int


@dataclass(frozen=True, slots=True)
class NamedPhaseCount:
    phase: int
    #: None: a phase that a changed ladder no longer has.
    name: str | None
    household_count: int


@dataclass(frozen=True, slots=True)
class PhaseReport:
    #: Every phase of the ladder in its order (a zero count too), then phases a changed ladder
    #: no longer has, by number.
    phases: list[NamedPhaseCount]
    #: Households without a phase in force yet (no arrangement, or it starts later).
    without_phase_count: int


@dataclass(frozen=True, slots=True)
class OpenArrear:
    household_id: int
    household_name: str
    kredietbank_id: int | None
    obligation_id: int
    cost_type: str
    creditor_name: str
    amount: Money
    month_count: int
    first_month: str
    last_month: str


@dataclass(frozen=True, slots=True)
class PaidTotal:
    month: str
    #: None for leefgeld: it is paid to the newcomer, not to a creditor.
    creditor_id: int | None
    creditor_name: str | None
    cost_type: str
    payment_count: int
    amount: Money


def households_per_phase(
    connection: Connection, municipality_id: int, today: date
) -> list[PhaseCount]:
    """How many of the municipality's households are in each phase today, by phase number."""
    ranked = (
        select(
            phase_changes.c.household_id,
            phase_changes.c.to_phase,
            func.row_number()
            .over(
                partition_by=phase_changes.c.household_id,
                order_by=(
                    phase_changes.c.effective_on.desc(),
                    phase_changes.c.decided_on.desc(),
                    phase_changes.c.id,
                ),
            )
            .label("recency"),
        )
        .select_from(
            phase_changes.join(households, households.c.id == phase_changes.c.household_id)
        )
        .where(
            households.c.municipality_id == municipality_id,
            phase_changes.c.effective_on <= today,
        )
        .subquery()
    )
    in_phase = {
        int(phase): int(count)
        for phase, count in connection.execute(
            select(ranked.c.to_phase, func.count())
            .where(ranked.c.recency == 1)
            .group_by(ranked.c.to_phase)
        ).tuples()
    }
    household_count = connection.execute(
        select(func.count()).where(households.c.municipality_id == municipality_id)
    ).scalar_one()
    counts = [PhaseCount(phase, count) for phase, count in sorted(in_phase.items())]
    not_started = int(household_count) - sum(in_phase.values())
    return [PhaseCount(None, not_started), *counts]


def phase_report(
    connection: Connection, ladder: Ladder, municipality_id: int, today: date
) -> PhaseReport:
    """``households_per_phase`` with the names of the municipality's ladder."""
    names = {phase.number: phase.name for phase in ladder.phases}
    found = {
        count.phase: count.household_count
        for count in households_per_phase(connection, municipality_id, today)
    }
    phases = [NamedPhaseCount(number, name, found.get(number, 0)) for number, name in names.items()]
    # A phase a changed ladder no longer has still counts; its households are shown, unnamed.
    phases += [
        NamedPhaseCount(number, None, count)
        for number, count in sorted((n, c) for n, c in found.items() if n is not None)
        if number not in names
    ]
    return PhaseReport(phases, found.get(None, 0))


def _arrear_subject() -> ColumnElement[str]:
    return (
        literal(f"{SignalKind.ARREAR.value}:")
        + cast(allocation_lines.c.obligation_id, String)
        + literal(":")
        + allocation_lines.c.month
    )


def open_arrears(
    connection: Connection, municipality_id: int, *, after_household_id: int, household_limit: int
) -> list[OpenArrear]:
    """Open arrears per household and obligation, for the next ``household_limit`` households
    with an open arrear after ``after_household_id``, in household order."""
    page = list(
        connection.execute(
            select(signals.c.household_id)
            .select_from(signals.join(households, households.c.id == signals.c.household_id))
            .where(
                households.c.municipality_id == municipality_id,
                signals.c.status == "open",
                signals.c.kind == SignalKind.ARREAR.value,
                signals.c.household_id > after_household_id,
            )
            .group_by(signals.c.household_id)
            .order_by(signals.c.household_id)
            .limit(household_limit)
        ).scalars()
    )
    if not page:
        return []
    amount = cast(func.sum(allocation_lines.c.arrear_cents), BigInteger)
    rows = connection.execute(
        select(
            households.c.id,
            households.c.name,
            households.c.kredietbank_id,
            allocation_lines.c.obligation_id,
            allocation_lines.c.cost_type,
            creditors.c.name,
            amount,
            func.count(),
            func.min(allocation_lines.c.month),
            func.max(allocation_lines.c.month),
        )
        .select_from(
            allocation_lines.join(households, households.c.id == allocation_lines.c.household_id)
            .join(obligations, obligations.c.id == allocation_lines.c.obligation_id)
            .join(creditors, creditors.c.id == obligations.c.creditor_id)
            .join(
                signals,
                (signals.c.household_id == allocation_lines.c.household_id)
                & (signals.c.subject == _arrear_subject()),
            )
        )
        .where(
            allocation_lines.c.household_id.in_(page),
            allocation_lines.c.arrear_cents > 0,
            signals.c.status == "open",
            signals.c.kind == SignalKind.ARREAR.value,
        )
        .group_by(
            households.c.id,
            households.c.name,
            households.c.kredietbank_id,
            allocation_lines.c.obligation_id,
            allocation_lines.c.cost_type,
            creditors.c.name,
        )
        .order_by(households.c.id, allocation_lines.c.obligation_id)
    ).tuples()
    return [
        OpenArrear(
            household_id,
            name,
            kredietbank_id,
            obligation_id,
            cost_type,
            creditor_name,
            Money(int(cents)),
            int(month_count),
            first_month,
            last_month,
        )
        for (
            household_id,
            name,
            kredietbank_id,
            obligation_id,
            cost_type,
            creditor_name,
            cents,
            month_count,
            first_month,
            last_month,
        ) in rows
    ]


def paid_per_month(
    connection: Connection, municipality_id: int, first: Month, last: Month
) -> list[PaidTotal]:
    """Paid count and amount per month, creditor and cost type, from ``first`` to ``last``."""
    execution_on = payment_runs.c.execution_on
    month = (
        func.to_char(execution_on, "YYYY-MM")
        if connection.dialect.name == "postgresql"
        else func.strftime("%Y-%m", execution_on)
    ).label("month")
    cost_type = func.coalesce(payments.c.cost_type, PaymentKind.LEEFGELD.value).label("cost_type")
    rows = connection.execute(
        select(
            month,
            payments.c.creditor_id,
            creditors.c.name,
            cost_type,
            func.count(),
            cast(func.sum(payments.c.amount_cents), BigInteger),
        )
        .select_from(
            payments.join(payment_runs, payment_runs.c.id == payments.c.run_id).outerjoin(
                creditors, creditors.c.id == payments.c.creditor_id
            )
        )
        .where(
            payment_runs.c.municipality_id == municipality_id,
            execution_on >= first.first_day,
            execution_on <= last.last_day,
            payments.c.status.in_(PAID_STATUSES),
        )
        .group_by(month, payments.c.creditor_id, creditors.c.name, cost_type)
    ).tuples()
    found = [
        PaidTotal(str(month_text), creditor_id, name, kind, int(count), Money(int(cents)))
        for month_text, creditor_id, name, kind, count, cents in rows
    ]
    # Creditors by name, leefgeld (no creditor) last within its month.
    return sorted(
        found,
        key=lambda t: (t.month, t.creditor_name is None, t.creditor_name or "", t.cost_type),
    )
