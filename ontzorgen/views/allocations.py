"""A household's allocations as the coach reads them: the months with their totals, and one month
in full (each obligation's need, reservation and arrear, and the leefgeld parts with their dates).

Read-only; the allocation itself is written by ``services.allocate_month``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, select

from ledger.money import Money
from ontzorgen.months import Month
from ontzorgen.tables import allocation_lines, allocations, creditors, leefgeld_parts, obligations


@dataclass(frozen=True, slots=True)
class AllocationSummary:
    month: Month
    phase: int
    income: Money
    minimum_leefgeld: Money
    reserved: Money
    arrears: Money
    leefgeld: Money
    vakantietoeslag_paid: Money
    allocated_on: date


@dataclass(frozen=True, slots=True)
class AllocationLineView:
    obligation_id: int
    cost_type: str
    creditor_name: str
    need: Money
    reserved: Money
    arrear: Money
    due_on: date | None


@dataclass(frozen=True, slots=True)
class LeefgeldPartView:
    position: int
    pay_on: date
    amount: Money


@dataclass(frozen=True, slots=True)
class AllocationDetail:
    summary: AllocationSummary
    lines: tuple[AllocationLineView, ...]
    leefgeld_parts: tuple[LeefgeldPartView, ...]


def _summary(row: Any) -> AllocationSummary:
    return AllocationSummary(
        month=Month.parse(row.month),
        phase=row.phase,
        income=Money(row.income_cents),
        minimum_leefgeld=Money(row.minimum_leefgeld_cents),
        reserved=Money(row.reserved_cents),
        arrears=Money(row.arrears_cents),
        leefgeld=Money(row.leefgeld_cents),
        vakantietoeslag_paid=Money(row.vakantietoeslag_paid_cents),
        allocated_on=row.allocated_on,
    )


def allocations_of(
    connection: Connection, household_id: int, *, after: Month | None, limit: int
) -> list[AllocationSummary]:
    """The household's allocated months in calendar order, after ``after`` when given."""
    query = (
        select(allocations)
        .where(allocations.c.household_id == household_id)
        .order_by(allocations.c.month)
        .limit(limit)
    )
    if after is not None:
        # ``YYYY-MM`` sorts as text in calendar order.
        query = query.where(allocations.c.month > str(after))
    return [_summary(row) for row in connection.execute(query)]


def allocation_of(
    connection: Connection, household_id: int, month: Month
) -> AllocationDetail | None:
    """One allocated month in full, or None when the month was not allocated."""
    row = connection.execute(
        select(allocations).where(
            allocations.c.household_id == household_id, allocations.c.month == str(month)
        )
    ).one_or_none()
    if row is None:
        return None
    lines = connection.execute(
        select(
            allocation_lines.c.obligation_id,
            allocation_lines.c.cost_type,
            allocation_lines.c.need_cents,
            allocation_lines.c.reserved_cents,
            allocation_lines.c.arrear_cents,
            allocation_lines.c.due_on,
            creditors.c.name.label("creditor_name"),
        )
        .join(obligations, obligations.c.id == allocation_lines.c.obligation_id)
        .join(creditors, creditors.c.id == obligations.c.creditor_id)
        .where(
            allocation_lines.c.household_id == household_id,
            allocation_lines.c.month == str(month),
        )
        .order_by(allocation_lines.c.obligation_id)
    ).all()
    parts = connection.execute(
        select(leefgeld_parts.c.position, leefgeld_parts.c.pay_on, leefgeld_parts.c.amount_cents)
        .where(
            leefgeld_parts.c.household_id == household_id,
            leefgeld_parts.c.month == str(month),
        )
        .order_by(leefgeld_parts.c.position)
    ).all()
    return AllocationDetail(
        _summary(row),
        tuple(
            AllocationLineView(
                line.obligation_id,
                line.cost_type,
                line.creditor_name,
                Money(line.need_cents),
                Money(line.reserved_cents),
                Money(line.arrear_cents),
                line.due_on,
            )
            for line in lines
        ),
        tuple(LeefgeldPartView(p.position, p.pay_on, Money(p.amount_cents)) for p in parts),
    )
