"""Month arithmetic: ``Month.plus`` counts months as the calendar does (python-dateutil's
``relativedelta`` is the reference), and stays inside the years a month may have."""

from __future__ import annotations

from dateutil.relativedelta import relativedelta
from hypothesis import given
from hypothesis import strategies as st

from ontzorgen.months import YEAR_MAX, YEAR_MIN, Month

months = st.builds(Month, st.integers(YEAR_MIN, YEAR_MAX), st.integers(1, 12))


@given(months, st.integers(-1300, 1300))
def test_plus_is_the_calendars_month_arithmetic(month: Month, count: int) -> None:
    expected = month.first_day + relativedelta(months=count)
    if YEAR_MIN <= expected.year <= YEAR_MAX:
        assert month.plus(count) == Month(expected.year, expected.month)
        assert month.plus(count).months_since(month) == count
    else:
        try:
            month.plus(count)
        except ValueError:
            return
        raise AssertionError(f"{month} plus {count} left the years a month may have")


@given(months)
def test_next_and_previous_undo_each_other(month: Month) -> None:
    if month != Month(YEAR_MAX, 12):
        assert month.next().previous() == month
    if month != Month(YEAR_MIN, 1):
        assert month.previous().next() == month
