"""Business days of the TARGET2 (ECB) calendar, on which SEPA credit transfers are executed.

A due date that is not a business day is paid on the business day *before* it, so creditors are
paid on time (a rent due on Saturday the 1st goes out on Friday the 31st).
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays

from ontzorgen.errors import OntzorgenError

WEEKEND = (5, 6)


class NotABusinessDay(OntzorgenError):
    """A payment run was asked for a date on which TARGET2 does not settle."""

    def __init__(self, on: date, previous: date) -> None:
        super().__init__(
            f"{on} is not a TARGET2 business day; payments due then go out on {previous}."
        )
        self.on, self.previous = on, previous


@lru_cache(maxsize=64)
def _target2_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.financial_holidays("XECB", years=year))


def is_business_day(day: date) -> bool:
    return day.weekday() not in WEEKEND and day not in _target2_holidays(day.year)


def payment_date_for(due_on: date) -> date:
    """The business day on which a payment due on ``due_on`` is executed."""
    day = due_on
    while not is_business_day(day):
        day -= timedelta(days=1)
    return day


def require_business_day(day: date) -> None:
    if not is_business_day(day):
        raise NotABusinessDay(day, payment_date_for(day))
