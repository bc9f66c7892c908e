"""Month arithmetic: ``Month.plus`` counts months as the calendar does (python-dateutil's
``relativedelta`` is the reference) and stays inside the years a month may have; a bill's
schedule gives the due dates of the RFC 5545 rule it stands for (dateutil's ``rrule`` is the
reference)."""

from __future__ import annotations

from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from dateutil.rrule import MONTHLY, rrule
from hypothesis import given
from hypothesis import strategies as st

from ontzorgen.months import YEAR_MAX, YEAR_MIN, Month
from ontzorgen.obligations import Frequency, Schedule

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


@st.composite
def schedules(draw: st.DrawFn) -> Schedule:
    """A schedule, its due day often one that shorter months lack (29, 30, 31)."""
    year = draw(st.integers(2000, 2090))
    month = draw(st.integers(1, 12))
    last_day = Month(year, month).day_count
    day = draw(st.integers(max(last_day - 3, 1), last_day) | st.integers(1, last_day))
    first_due_on = date(year, month, day)
    months_to_end = draw(st.none() | st.integers(0, 60))
    ends_on = (
        None
        if months_to_end is None
        else first_due_on + relativedelta(months=months_to_end, days=draw(st.integers(0, 40)))
    )
    return Schedule(draw(st.sampled_from(Frequency)), first_due_on, ends_on)


def _by_rrule(schedule: Schedule, start_on: date, end_on: date) -> list[date]:
    """The reference: RFC 5545 MONTHLY;INTERVAL=k;BYMONTHDAY=d-3..d;BYSETPOS=-1 by dateutil."""
    last = end_on if schedule.ends_on is None else min(end_on, schedule.ends_on)
    if last < max(start_on, schedule.first_due_on):
        return []
    rule = rrule(
        MONTHLY,
        interval=schedule.frequency.month_count,
        dtstart=schedule.first_due_on.replace(day=1),
        bymonthday=tuple(range(max(schedule.due_day - 3, 1), schedule.due_day + 1)),
        bysetpos=-1,
        until=last,
    )
    return [moment.date() for moment in rule if moment.date() >= start_on]


@given(schedules(), st.integers(-40, 900), st.integers(0, 800))
def test_a_schedules_due_dates_are_the_calendar_rules(
    schedule: Schedule, days_after_first: int, days: int
) -> None:
    start_on = schedule.first_due_on + timedelta(days=days_after_first)
    end_on = start_on + timedelta(days=days)
    assert schedule.due_dates(start_on, end_on) == _by_rrule(schedule, start_on, end_on)
