"""Income of a household: bijstand (with its vakantietoeslag reservation) and toeslagen.

- A month in which the right to bijstand starts or ends part-way is prorated by the municipality's
  rule (DOMAIN.md §4: no national rule exists; calendar days by default).
- Of every bijstand amount, 5% (the policy's percentage) is the vakantietoeslag: it is reserved each
  month and paid out in June, or when bijstand ends (DOMAIN.md §4).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date

from ledger.money import Money
from ontzorgen.months import Month
from ontzorgen.policy import ProrationRule

THIRTY_DAYS = 30


class IncomeKind(enum.StrEnum):
    BIJSTAND = "bijstand"
    TOESLAG = "toeslag"  # zorgtoeslag, huurtoeslag, kindgebonden budget paid into the arrangement
    OTHER = "other"


def days_with_right(month: Month, start_on: date | None, end_on: date | None) -> int:
    first = max(month.first_day, start_on) if start_on else month.first_day
    last = min(month.last_day, end_on) if end_on else month.last_day
    return max((last - first).days + 1, 0)


def prorated(
    amount: Money, month: Month, start_on: date | None, end_on: date | None, rule: ProrationRule
) -> Money:
    """The part of a monthly ``amount`` for the days of ``month`` between start and end."""
    days = days_with_right(month, start_on, end_on)
    if days == month.day_count or days == 0:
        return amount if days else Money(0)
    if rule is ProrationRule.NONE:
        return amount
    if rule is ProrationRule.CALENDAR_DAYS:
        return amount.scaled(days, month.day_count)
    # Thirty-day months: day 31 does not count, and a month that runs to its end counts to day 30.
    first = max(month.first_day, start_on).day if start_on else 1
    last = THIRTY_DAYS if not end_on or end_on >= month.last_day else min(end_on.day, THIRTY_DAYS)
    return amount.scaled(max(last - min(first, THIRTY_DAYS) + 1, 0), THIRTY_DAYS)


@dataclass(frozen=True, slots=True)
class BijstandSplit:
    """One month of bijstand: what is reserved as vakantietoeslag and what arrives to allocate."""

    gross: Money
    vakantietoeslag: Money

    @property
    def net(self) -> Money:
        return self.gross - self.vakantietoeslag


def split_bijstand(gross: Money, vakantietoeslag_percent: int) -> BijstandSplit:
    """Reserve the vakantietoeslag out of a bijstand amount that includes it.

    DOMAIN.md §5: of a norm of €1.369,06 incl. vakantietoeslag, €68,45 is reserved and €1.300,61
    arrives.
    """
    return BijstandSplit(gross, gross.percentage(vakantietoeslag_percent))
