"""A calendar month (``Month``): the unit of allocation, statements and history.

"Period" is reserved for the ontzorging period; a calendar month is always a ``Month``.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

YEAR_MIN, YEAR_MAX = 2000, 2100


@dataclass(frozen=True, slots=True, order=True)
class Month:
    year: int
    month: int

    def __post_init__(self) -> None:
        if not (YEAR_MIN <= self.year <= YEAR_MAX and 1 <= self.month <= 12):
            raise ValueError(f"{self.year}-{self.month:02d} is not a month between 2000 and 2100.")

    @classmethod
    def of(cls, day: date) -> Month:
        return cls(day.year, day.month)

    @classmethod
    def parse(cls, text: str) -> Month:
        """Read ``YYYY-MM``."""
        year, separator, month = text.partition("-")
        if not separator or not (year.isdigit() and month.isdigit()) or len(month) != 2:
            raise ValueError(f"{text!r} is not a month; write it as YYYY-MM, e.g. 2026-03.")
        return cls(int(year), int(month))

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        return date(self.year, self.month, self.day_count)

    @property
    def day_count(self) -> int:
        return calendar.monthrange(self.year, self.month)[1]

    def plus(self, month_count: int) -> Month:
        """The month ``month_count`` months later (earlier when negative); counted on the
        months since year 0, the same as ``first_day + relativedelta(months=month_count)``."""
        index = self.year * 12 + self.month - 1 + month_count
        return Month(index // 12, index % 12 + 1)

    def next(self) -> Month:
        return self.plus(1)

    def previous(self) -> Month:
        return self.plus(-1)

    def contains(self, day: date) -> bool:
        return (day.year, day.month) == (self.year, self.month)

    def months_since(self, earlier: Month) -> int:
        return (self.year - earlier.year) * 12 + (self.month - earlier.month)

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d}"
