"""Withholding: how one month's income is divided. Pure rules, no storage.

DOMAIN.md §5, in the order the code applies it:
1. the minimum leefgeld is kept first (a coach may set another floor, zero included, for a
   household);
2. each obligation withheld in the household's phase is funded in the municipality's priority order,
   as far as the income reaches; what is not funded becomes an arrear on that obligation;
3. everything left over is leefgeld, paid monthly or in weekly parts.
Invariants: reserves + leefgeld = income exactly; nothing is negative; a later obligation is never
funded while an earlier one is short; leefgeld is at least min(floor, income).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from ledger.money import Money
from ontzorgen.months import Month
from ontzorgen.obligations import ObligationId
from ontzorgen.policy import CostType, LeefgeldFrequency, Policy


@dataclass(frozen=True, slots=True)
class Need:
    """What one obligation needs reserved this month."""

    obligation_id: ObligationId
    cost_type: CostType
    amount: Money
    due_on: date | None


@dataclass(frozen=True, slots=True)
class AllocationLine:
    obligation_id: ObligationId
    cost_type: CostType
    need: Money
    reserved: Money
    due_on: date | None
    #: What the income could not fund: ``need - reserved``. Worked out once: the bookings, the
    #: rows and the signals each read it.
    arrear: Money = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "arrear", self.need - self.reserved)


@dataclass(frozen=True, slots=True)
class LeefgeldPart:
    pay_on: date
    amount: Money


@dataclass(frozen=True, slots=True)
class Allocation:
    month: Month
    income: Money
    minimum_leefgeld: Money
    lines: tuple[AllocationLine, ...]
    leefgeld: Money
    leefgeld_parts: tuple[LeefgeldPart, ...]
    #: The lines' sums, worked out with the check below.
    reserved: Money = field(init=False)
    arrears: Money = field(init=False)

    def __post_init__(self) -> None:
        # Checked at construction so an allocation that loses or invents a cent cannot exist.
        reserved_cents = sum(line.reserved.cents for line in self.lines)
        if reserved_cents + self.leefgeld.cents != self.income.cents:
            raise AssertionError(
                f"allocation of {self.month} does not add up: {reserved_cents} reserved + "
                f"{self.leefgeld.cents} leefgeld != {self.income.cents} income"
            )
        if sum(part.amount.cents for part in self.leefgeld_parts) != self.leefgeld.cents:
            raise AssertionError(f"leefgeld parts of {self.month} do not add up")
        object.__setattr__(self, "reserved", Money(reserved_cents))
        object.__setattr__(self, "arrears", Money(sum(line.arrear.cents for line in self.lines)))


def allocate(
    month: Month,
    income: Money,
    minimum_leefgeld: Money,
    needs: Sequence[Need],
    policy: Policy,
    frequency: LeefgeldFrequency | None,
) -> Allocation:
    """Divide ``income`` over the ``needs`` and leefgeld; ``needs`` holds only what is withheld."""
    if income.cents < 0 or minimum_leefgeld.cents < 0:
        raise ValueError("income and minimum leefgeld cannot be negative")
    kept_for_leefgeld = min(income, minimum_leefgeld)
    remaining = income - kept_for_leefgeld
    lines = []
    for need in sorted(needs, key=lambda n: (policy.rank(n.cost_type), n.obligation_id)):
        reserved = min(remaining, need.amount)
        remaining -= reserved
        lines.append(
            AllocationLine(need.obligation_id, need.cost_type, need.amount, reserved, need.due_on)
        )
    leefgeld = kept_for_leefgeld + remaining
    return Allocation(
        month=month,
        income=income,
        minimum_leefgeld=minimum_leefgeld,
        lines=tuple(lines),
        leefgeld=leefgeld,
        leefgeld_parts=leefgeld_parts(month, leefgeld, frequency, policy),
    )


def leefgeld_parts(
    month: Month,
    leefgeld: Money,
    frequency: LeefgeldFrequency | None,
    policy: Policy,
    not_before: date | None = None,
) -> tuple[LeefgeldPart, ...]:
    """Monthly: one payment on the policy's day. Weekly: one part on each payment weekday.

    A phase without a leefgeld frequency (the ladder's last) pays whatever still arrives in one
    monthly payment: money held for a household that manages itself must not stay with us.
    ``not_before`` (the start of bijstand, or the day the month is divided) moves parts that would
    fall earlier: weekly parts before it are dropped and their money spread over the rest.
    """
    if leefgeld.cents == 0:
        return ()
    earliest = month.first_day if not_before is None else max(month.first_day, not_before)
    if frequency is LeefgeldFrequency.WEEKLY:
        days = _weekly_days(month, policy.leefgeld_weekday, earliest)
        if days:
            return tuple(
                LeefgeldPart(pay_on, amount)
                for pay_on, amount in zip(days, leefgeld.split(len(days)), strict=True)
            )
        return (LeefgeldPart(earliest, leefgeld),)
    pay_on = max(month.first_day.replace(day=policy.leefgeld_day_of_month), earliest)
    return (LeefgeldPart(pay_on, leefgeld),)


@functools.lru_cache(maxsize=1024)
def _weekly_days(month: Month, weekday: int, earliest: date) -> tuple[date, ...]:
    """The days of ``month`` on ``weekday`` (Monday 0), none before ``earliest``.

    The same few answers for every household of a municipality in a month: worked out once.
    """
    offset = (weekday - month.first_day.weekday()) % 7
    days = []
    day = month.first_day + timedelta(days=offset)
    while month.contains(day):
        # No part before the right to bijstand starts or before the month is divided.
        if day >= earliest:
            days.append(day)
        day += timedelta(days=7)
    return tuple(days)
