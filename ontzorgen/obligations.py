"""Obligations: the recurring bills withheld for a household, their schedules and amounts.

Invariants:
- an obligation's amount is known for any date from its first amount on, through effective-dated
  changes that are never edited, only superseded by a later change;
- a schedule (every k months, as an RFC 5545 monthly rule would say) has a first due date and
  optionally an end; a due day of 29, 30 or 31 falls on the last day of shorter months instead of
  skipping them;
- the monthly reservation for a bill that falls every k months spreads its amount over the k months
  up to and including the due month, so the reserve is full on the due date and the parts add up
  exactly to the bill.
"""

from __future__ import annotations

import calendar
import enum
import functools
from dataclasses import dataclass
from datetime import date
from typing import NewType

from ledger.money import Money
from ontzorgen.errors import OntzorgenError
from ontzorgen.identifiers import PaymentReference
from ontzorgen.months import Month
from ontzorgen.policy import CostType

ObligationId = NewType("ObligationId", int)
CreditorId = NewType("CreditorId", int)


class Frequency(enum.StrEnum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    YEARLY = "yearly"

    @property
    def month_count(self) -> int:
        return {"monthly": 1, "quarterly": 3, "yearly": 12}[self.value]


class EndBeforeStart(OntzorgenError):
    """An end date lies before the start date it belongs to."""

    def __init__(self, what: str, start_on: date, end_on: date) -> None:
        super().__init__(
            f"The {what} ends on {end_on}, before it starts on {start_on}. Give an end date on or "
            "after the start."
        )
        self.what, self.start_on, self.end_on = what, start_on, end_on


class AmountNotPositive(OntzorgenError):
    """An obligation's amount must be more than zero."""

    def __init__(self, cents: int) -> None:
        super().__init__(f"An obligation amount must be positive; got {cents} cents.")
        self.cents = cents


class AmountChangeBeforeStart(OntzorgenError):
    """An amount change takes effect before the obligation's first due date."""

    def __init__(self, obligation_id: int, effective_on: date, first_due_on: date) -> None:
        super().__init__(
            f"Obligation {obligation_id} starts on {first_due_on}; a new amount cannot take "
            f"effect on {effective_on}, before that."
        )
        self.obligation_id, self.effective_on = obligation_id, effective_on


def _month_index(day: date) -> int:
    """The months since year 0 of ``day``'s month."""
    return day.year * 12 + day.month - 1


@dataclass(frozen=True, slots=True)
class Schedule:
    """When a bill falls due: every 1, 3 or 12 months on ``due_day``, from a first due date."""

    frequency: Frequency
    first_due_on: date
    ends_on: date | None = None

    def __post_init__(self) -> None:
        if self.ends_on is not None and self.ends_on < self.first_due_on:
            raise EndBeforeStart("schedule", self.first_due_on, self.ends_on)

    @property
    def due_day(self) -> int:
        return self.first_due_on.day

    def due_dates(self, start_on: date, end_on: date) -> list[date]:
        """Every due date from ``start_on`` to ``end_on``, both included: in every k-th month
        from the first due date's month, on ``due_day`` or, in a month too short for it, on the
        month's last day (the 31st becomes the 30th in April, the 28th or 29th in February). The
        same dates as the RFC 5545 rule MONTHLY;INTERVAL=k;BYMONTHDAY=d-3..d;BYSETPOS=-1 (a
        property test checks it against dateutil's ``rrule``), counted without walking the
        months before ``start_on``."""
        last = end_on if self.ends_on is None else min(end_on, self.ends_on)
        begin = max(start_on, self.first_due_on)
        if last < begin:
            return []
        step = self.frequency.month_count
        first = _month_index(self.first_due_on)
        # The first month of the schedule that is not before ``begin``'s month.
        start = first - (first - _month_index(begin)) // step * step
        found = []
        for index in range(start, _month_index(last) + 1, step):
            year, month_of_year = divmod(index, 12)
            month_of_year += 1
            day = min(self.due_day, calendar.monthrange(year, month_of_year)[1])
            due = date(year, month_of_year, day)
            if begin <= due <= last:
                found.append(due)
        return found

    def due_in(self, month: Month) -> date | None:
        found = self.due_dates(month.first_day, month.last_day)
        return found[0] if found else None

    def next_due_on_or_after(self, day: date) -> date | None:
        horizon = Month.of(day).plus(self.frequency.month_count)
        found = self.due_dates(day, horizon.last_day)
        return found[0] if found else None

    def cycle_for(self, month: Month) -> Cycle | None:
        """The bill ``month`` reserves for, or None when it reserves for none.

        A bill due every k months is spread over the k months up to and including its due month;
        months of a cycle before the first due date do not exist, so a bill that starts mid-cycle
        is spread only over the months it has.
        """
        return _cycle_for(self, month)


@dataclass(frozen=True, slots=True)
class Cycle:
    """The due date a month reserves for, the months that bill is spread over, and which of them
    the month is (the first is 0)."""

    due_on: date
    month_count: int
    position: int


@functools.lru_cache(maxsize=4096)
def _cycle_for(schedule: Schedule, month: Month) -> Cycle | None:
    # Depends on the schedule and the month only: the households of a municipality share a few
    # schedules (monthly on the 1st, mostly), so a month's division works out each cycle once.
    month_count = schedule.frequency.month_count
    due_on = schedule.next_due_on_or_after(month.first_day)
    if due_on is None:
        return None
    due_month = Month.of(due_on)
    if due_month.months_since(month) >= month_count:
        return None
    cycle_start = max(due_month.plus(1 - month_count), Month.of(schedule.first_due_on))
    if month < cycle_start:
        return None
    return Cycle(due_on, due_month.months_since(cycle_start) + 1, month.months_since(cycle_start))


@dataclass(frozen=True, slots=True)
class AmountChange:
    effective_on: date
    amount: Money

    def __post_init__(self) -> None:
        if self.amount.cents <= 0:
            raise AmountNotPositive(self.amount.cents)


@dataclass(frozen=True, slots=True)
class Obligation:
    obligation_id: ObligationId
    household_id: int
    cost_type: CostType
    creditor_id: CreditorId
    schedule: Schedule
    amounts: tuple[AmountChange, ...]
    reference: PaymentReference

    def __post_init__(self) -> None:
        if not self.amounts:
            raise AmountNotPositive(0)
        ordered = tuple(sorted(self.amounts, key=lambda change: change.effective_on))
        object.__setattr__(self, "amounts", ordered)
        if ordered[0].effective_on > self.schedule.first_due_on:
            raise AmountChangeBeforeStart(
                self.obligation_id, ordered[0].effective_on, self.schedule.first_due_on
            )

    def amount_on(self, day: date) -> Money:
        """The amount in force on ``day`` (the first amount before any change)."""
        current = self.amounts[0].amount
        for change in self.amounts:
            if change.effective_on <= day:
                current = change.amount
        return current

    def reservation_for(self, month: Month) -> tuple[Money, date | None]:
        """What to reserve in ``month``, and the due date the reservation is for.

        A monthly bill due in ``month`` is reserved whole. A bill due every k months is spread over
        the k months up to and including its due month (``Schedule.cycle_for``); the earliest
        months carry the spare cents.
        """
        cycle = self.schedule.cycle_for(month)
        if cycle is None:
            return Money(0), None
        amount = self.amount_on(cycle.due_on)
        if cycle.month_count == 1:
            return amount, cycle.due_on
        return amount.split(cycle.month_count)[cycle.position], cycle.due_on
