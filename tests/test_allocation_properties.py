"""Properties of the pure money rules, for any input hypothesis can find (no database).

Proven here, for any income, minimum leefgeld, set of needs, priority order, leefgeld frequency and
month:
- ``allocate`` loses and invents no cent: reserves plus leefgeld are the income, and the leefgeld
  parts are the leefgeld; nothing is negative and no reserve exceeds its need;
- a later need (in the policy's priority order, ties by obligation id) gets nothing while an
  earlier one is short, and a need is short only when the income is used up;
- leefgeld never drops below min(floor, income); a coach's floor of zero funds the needs first;
- weekly leefgeld falls on the policy's weekday, inside the month, in parts a cent apart at most.
And of the arithmetic under it:
- ``Money.split`` keeps the total, with parts a cent apart at most and the earlier ones larger;
- ``Money.percentage`` and ``Money.scaled`` equal exact fractions rounded half up;
- ``prorated`` leaves a full month alone, gives nothing for no days, never more than the month,
  and by calendar days is round_half_up(amount × days / days in the month);
- ``Schedule.due_dates`` falls every month (or quarter, or year) also for a due day of 29-31;
- ``Obligation.reservation_for`` spreads each bill over its cycle so the parts add up to the bill
  exactly and are all reserved by the month the bill falls due.
"""

from __future__ import annotations

import calendar
import itertools
import math
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.money import Money
from ontzorgen.allocation import Allocation, Need, allocate
from ontzorgen.identifiers import FreeTextReference
from ontzorgen.income import prorated, split_bijstand
from ontzorgen.months import Month
from ontzorgen.obligations import (
    AmountChange,
    CreditorId,
    Frequency,
    Obligation,
    ObligationId,
    Schedule,
)
from ontzorgen.policy import CostType, LeefgeldFrequency, Policy, ProrationRule

INCOME_CENTS_MAX = 1_000_000  # € 10.000
FLOOR_CENTS_MAX = 200_000  # € 2.000
NEED_CENTS_MAX = 200_000  # € 2.000
NEEDS_MAX = 8


def round_half_up(value: Fraction) -> int:
    """The nearest whole number, halves rounded up: floor(value + 1/2)."""
    return math.floor(value + Fraction(1, 2))


months = st.builds(Month, st.integers(2000, 2099), st.integers(1, 12))
policies = st.builds(
    Policy,
    priority=st.permutations(list(CostType)).map(tuple),
    leefgeld_weekday=st.integers(0, 6),
    leefgeld_day_of_month=st.integers(1, 28),
)
frequencies = st.sampled_from([LeefgeldFrequency.WEEKLY, LeefgeldFrequency.MONTHLY, None])


@st.composite
def needs_in(draw: st.DrawFn, month: Month) -> list[Need]:
    obligation_ids = draw(st.lists(st.integers(1, 10_000), max_size=NEEDS_MAX, unique=True))
    return [
        Need(
            ObligationId(obligation_id),
            draw(st.sampled_from(list(CostType))),
            Money(draw(st.integers(1, NEED_CENTS_MAX))),
            draw(st.none() | st.integers(1, month.day_count).map(month.first_day.replace)),
        )
        for obligation_id in obligation_ids
    ]


@st.composite
def allocations(draw: st.DrawFn) -> tuple[Allocation, list[Need], Policy, LeefgeldFrequency | None]:
    month = draw(months)
    needs = draw(needs_in(month))
    policy = draw(policies)
    frequency = draw(frequencies)
    allocation = allocate(
        month,
        Money(draw(st.integers(0, INCOME_CENTS_MAX))),
        Money(draw(st.integers(0, FLOOR_CENTS_MAX))),
        needs,
        policy,
        frequency,
    )
    return allocation, needs, policy, frequency


# -- allocate ----------------------------------------------------------------------------------


@given(allocations())
def test_reserves_and_leefgeld_add_up_to_the_income_exactly(
    drawn: tuple[Allocation, list[Need], Policy, LeefgeldFrequency | None],
) -> None:
    allocation, _, _, _ = drawn
    reserved_cents = sum(line.reserved.cents for line in allocation.lines)
    assert reserved_cents + allocation.leefgeld.cents == allocation.income.cents
    assert sum(part.amount.cents for part in allocation.leefgeld_parts) == allocation.leefgeld.cents
    assert allocation.reserved.cents == reserved_cents
    assert allocation.arrears.cents == sum(line.arrear.cents for line in allocation.lines)


@given(allocations())
def test_every_need_gets_one_line_and_no_amount_is_negative_or_more_than_needed(
    drawn: tuple[Allocation, list[Need], Policy, LeefgeldFrequency | None],
) -> None:
    allocation, needs, _, _ = drawn
    assert sorted((line.obligation_id, line.cost_type, line.need) for line in allocation.lines) == (
        sorted((need.obligation_id, need.cost_type, need.amount) for need in needs)
    )
    assert allocation.leefgeld.cents >= 0
    assert all(part.amount.cents >= 0 for part in allocation.leefgeld_parts)
    for line in allocation.lines:
        assert 0 <= line.reserved.cents <= line.need.cents
        assert line.arrear == line.need - line.reserved
        assert line.arrear.cents >= 0


@given(allocations())
def test_a_later_need_gets_nothing_while_an_earlier_one_is_short(
    drawn: tuple[Allocation, list[Need], Policy, LeefgeldFrequency | None],
) -> None:
    allocation, _, policy, _ = drawn
    in_priority_order = sorted(
        allocation.lines, key=lambda line: (policy.rank(line.cost_type), line.obligation_id)
    )
    for position, line in enumerate(in_priority_order):
        if line.arrear.cents > 0:
            assert all(later.reserved.cents == 0 for later in in_priority_order[position + 1 :])


@given(allocations())
def test_a_need_is_short_only_when_everything_above_the_floor_went_to_earlier_needs(
    drawn: tuple[Allocation, list[Need], Policy, LeefgeldFrequency | None],
) -> None:
    allocation, _, _, _ = drawn
    if allocation.arrears.cents > 0:
        assert allocation.leefgeld == min(allocation.income, allocation.minimum_leefgeld)


@given(allocations())
def test_leefgeld_is_never_below_the_floor_or_the_whole_income_if_that_is_less(
    drawn: tuple[Allocation, list[Need], Policy, LeefgeldFrequency | None],
) -> None:
    allocation, needs, _, _ = drawn
    kept = min(allocation.income.cents, allocation.minimum_leefgeld.cents)
    assert allocation.leefgeld.cents >= kept
    # Exactly: the floor, plus whatever the needs leave of the rest.
    needed_cents = sum(need.amount.cents for need in needs)
    assert allocation.leefgeld.cents == kept + max(0, allocation.income.cents - kept - needed_cents)


@given(
    months,
    st.integers(0, INCOME_CENTS_MAX),
    st.data(),
    policies,
    frequencies,
)
def test_with_a_coach_floor_of_zero_the_needs_are_funded_before_any_leefgeld(
    month: Month,
    income_cents: int,
    data: st.DataObject,
    policy: Policy,
    frequency: LeefgeldFrequency | None,
) -> None:
    needs = data.draw(needs_in(month))
    allocation = allocate(month, Money(income_cents), Money(0), needs, policy, frequency)
    needed_cents = sum(need.amount.cents for need in needs)
    assert allocation.leefgeld.cents == max(0, income_cents - needed_cents)
    assert allocation.reserved.cents == min(income_cents, needed_cents)


@given(allocations())
def test_weekly_leefgeld_falls_on_the_policy_weekday_inside_the_month_in_near_equal_parts(
    drawn: tuple[Allocation, list[Need], Policy, LeefgeldFrequency | None],
) -> None:
    allocation, _, policy, frequency = drawn
    parts = allocation.leefgeld_parts
    if allocation.leefgeld.cents == 0:
        assert parts == ()
        return
    if frequency is not LeefgeldFrequency.WEEKLY:
        assert [part.pay_on for part in parts] == [
            allocation.month.first_day.replace(day=policy.leefgeld_day_of_month)
        ]
        return
    month = allocation.month
    expected_days = [
        day
        for day in (month.first_day + timedelta(days=n) for n in range(month.day_count))
        if day.weekday() == policy.leefgeld_weekday
    ]
    assert [part.pay_on for part in parts] == expected_days
    assert len(parts) in (4, 5)
    amounts = [part.amount.cents for part in parts]
    assert max(amounts) - min(amounts) <= 1
    assert amounts == sorted(amounts, reverse=True)


def test_the_worked_month_of_the_domain_guide_leaves_346_61_leefgeld() -> None:
    """DOMAIN.md §5, as a fixed point next to the properties."""
    split = split_bijstand(Money(136_906), 5)
    needs = [
        Need(ObligationId(1), CostType.HUUR, Money(65_000), date(2026, 1, 1)),
        Need(ObligationId(2), CostType.ZORGVERZEKERING, Money(15_900), None),
        Need(ObligationId(3), CostType.ENERGIE, Money(12_000), None),
        Need(ObligationId(4), CostType.WATER, Money(2_500), None),
    ]
    allocation = allocate(
        Month(2026, 1), split.net, Money(20_000), needs, Policy(), LeefgeldFrequency.MONTHLY
    )
    assert (split.vakantietoeslag, split.net) == (Money(6_845), Money(130_061))
    assert allocation.leefgeld == Money(34_661)


# -- Money -------------------------------------------------------------------------------------


@given(st.integers(-10_000_000, 10_000_000), st.integers(1, 60))
def test_splitting_money_keeps_the_total_in_parts_a_cent_apart_with_the_earlier_parts_larger(
    cents: int, part_count: int
) -> None:
    parts = [part.cents for part in Money(cents).split(part_count)]
    assert len(parts) == part_count
    assert sum(parts) == cents
    assert max(parts) - min(parts) <= 1
    assert parts == sorted(parts, reverse=True)


@pytest.mark.parametrize("part_count", [0, -1])
def test_splitting_money_into_no_parts_is_refused(part_count: int) -> None:
    with pytest.raises(ValueError, match="at least one"):
        Money(100).split(part_count)


@given(st.integers(0, 100_000_000_000), st.integers(0, 100))
def test_a_percentage_is_the_exact_fraction_rounded_half_up(cents: int, percent: int) -> None:
    assert Money(cents).percentage(percent).cents == round_half_up(Fraction(cents * percent, 100))


@given(st.integers(0, 1_000_000_000), st.integers(1, 1_000), st.data())
def test_scaling_money_is_the_exact_fraction_rounded_half_up(
    cents: int, denominator: int, data: st.DataObject
) -> None:
    numerator = data.draw(st.integers(0, denominator))
    scaled = Money(cents).scaled(numerator, denominator)
    assert scaled.cents == round_half_up(Fraction(cents * numerator, denominator))
    assert 0 <= scaled.cents <= cents


def test_half_a_cent_rounds_up_in_percentages_and_scaling() -> None:
    assert Money(10).percentage(5) == Money(1)  # 0,5 cent
    assert Money(30).percentage(5) == Money(2)  # 1,5 cent
    assert Money(1).scaled(1, 2) == Money(1)
    assert Money(3).scaled(1, 2) == Money(2)
    assert Money(1).scaled(1, 3) == Money(0)


@pytest.mark.parametrize(("numerator", "denominator"), [(1, 0), (1, -3), (-1, 3)])
def test_scaling_by_a_negative_or_undefined_fraction_is_refused(
    numerator: int, denominator: int
) -> None:
    with pytest.raises(ValueError, match="Cannot scale"):
        Money(100).scaled(numerator, denominator)


# -- proration ---------------------------------------------------------------------------------


rules = st.sampled_from(list(ProrationRule))
amounts = st.integers(0, INCOME_CENTS_MAX).map(Money)


@st.composite
def rights_around(draw: st.DrawFn, month: Month) -> tuple[date | None, date | None]:
    """A start and an end of the right to bijstand, each optional, near ``month``, in order."""
    around = st.integers(-45, month.day_count + 45).map(lambda n: month.first_day + timedelta(n))
    start_on = draw(st.none() | around)
    end_on = draw(st.none() | around)
    if start_on is not None and end_on is not None and end_on < start_on:
        start_on, end_on = end_on, start_on
    return start_on, end_on


def days_with_right(month: Month, start_on: date | None, end_on: date | None) -> int:
    """Counted day by day, independently of ``ontzorgen.income``."""
    days = (month.first_day + timedelta(days=n) for n in range(month.day_count))
    return sum(
        1
        for day in days
        if (start_on is None or start_on <= day) and (end_on is None or day <= end_on)
    )


@given(amounts, months, rules, st.data())
def test_a_month_with_a_right_to_bijstand_on_every_day_is_not_prorated(
    amount: Money, month: Month, rule: ProrationRule, data: st.DataObject
) -> None:
    start_on = data.draw(
        st.none() | st.integers(0, 60).map(lambda n: month.first_day - timedelta(n))
    )
    end_on = data.draw(st.none() | st.integers(0, 60).map(lambda n: month.last_day + timedelta(n)))
    assert prorated(amount, month, start_on, end_on, rule) == amount


@given(amounts, months, rules, st.data())
def test_a_month_without_a_day_of_right_to_bijstand_gives_nothing(
    amount: Money, month: Month, rule: ProrationRule, data: st.DataObject
) -> None:
    start_on, end_on = data.draw(
        st.sampled_from(
            [
                (month.last_day + timedelta(days=1), None),
                (None, month.first_day - timedelta(days=1)),
                (month.first_day - timedelta(days=40), month.first_day - timedelta(days=1)),
            ]
        )
    )
    assert prorated(amount, month, start_on, end_on, rule) == Money(0)


@given(amounts, months, rules, st.data())
def test_a_prorated_month_is_never_more_than_the_full_month_nor_negative(
    amount: Money, month: Month, rule: ProrationRule, data: st.DataObject
) -> None:
    start_on, end_on = data.draw(rights_around(month))
    assert Money(0) <= prorated(amount, month, start_on, end_on, rule) <= amount


@given(amounts, months, st.data())
def test_calendar_day_proration_is_the_share_of_days_rounded_half_up(
    amount: Money, month: Month, data: st.DataObject
) -> None:
    start_on, end_on = data.draw(rights_around(month))
    days = days_with_right(month, start_on, end_on)
    expected = round_half_up(Fraction(amount.cents * days, month.day_count))
    assert prorated(amount, month, start_on, end_on, ProrationRule.CALENDAR_DAYS).cents == expected


def test_a_bijstand_start_on_the_sixteenth_of_january_gives_sixteen_of_thirty_one_days() -> None:
    january = Month(2026, 1)
    assert prorated(
        Money(136_906), january, date(2026, 1, 16), None, ProrationRule.CALENDAR_DAYS
    ) == Money(70_661)  # 136.906 × 16 / 31 = 70.661,16
    assert prorated(
        Money(136_906), january, date(2026, 1, 16), None, ProrationRule.THIRTY_DAY_MONTH
    ) == Money(68_453)  # day 31 does not count: 15 of 30 days, 68.453 exactly


# -- schedules and reservations ----------------------------------------------------------------

#: rrule is slow on a cold start; these properties compute dozens of schedules per example.
SCHEDULE_SETTINGS = settings(deadline=None)
WINDOW_MONTHS_BEFORE, WINDOW_MONTH_COUNT = 14, 50


ANY_DAY = st.integers(1, 31)


@st.composite
def first_due_dates(draw: st.DrawFn, days: st.SearchStrategy[int] = ANY_DAY) -> date:
    """A first due date between 2002 and 2070 on one of ``days``, a day the month has."""
    year = draw(st.integers(2002, 2070))
    month = draw(st.integers(1, 12))
    day = draw(days.filter(lambda day: day <= calendar.monthrange(year, month)[1]))
    return date(year, month, day)


@SCHEDULE_SETTINGS
@given(st.sampled_from(list(Frequency)), first_due_dates(st.integers(29, 31)))
def test_a_due_day_of_29_30_or_31_falls_in_every_cycle_on_that_day_or_the_months_last(
    frequency: Frequency, first_due_on: date
) -> None:
    cycle_count = 24
    schedule = Schedule(frequency, first_due_on)
    first_month = Month.of(first_due_on)
    last_month = first_month.plus(cycle_count * frequency.month_count - 1)
    found = schedule.due_dates(first_month.first_day, last_month.last_day)
    expected = [
        month.first_day.replace(day=min(first_due_on.day, month.day_count))
        for month in (first_month.plus(n * frequency.month_count) for n in range(cycle_count))
    ]
    assert found == expected


@SCHEDULE_SETTINGS
@given(st.sampled_from(list(Frequency)), first_due_dates(st.integers(1, 28)), st.data())
def test_a_due_day_up_to_28_always_falls_on_that_day_once_a_cycle_inside_the_asked_dates(
    frequency: Frequency, first_due_on: date, data: st.DataObject
) -> None:
    start_on = first_due_on + timedelta(days=data.draw(st.integers(-60, 400)))
    end_on = start_on + timedelta(days=data.draw(st.integers(0, 800)))
    found = Schedule(frequency, first_due_on).due_dates(start_on, end_on)
    assert all(day.day == first_due_on.day for day in found)
    assert all(max(start_on, first_due_on) <= day <= end_on for day in found)
    cycles = [Month.of(day).months_since(Month.of(first_due_on)) for day in found]
    assert all(cycle % frequency.month_count == 0 for cycle in cycles)
    assert all(b - a == frequency.month_count for a, b in itertools.pairwise(cycles))
    # No cycle between the first and the last one found is left out.
    if found:
        assert len(found) == (cycles[-1] - cycles[0]) // frequency.month_count + 1


@st.composite
def obligations(draw: st.DrawFn) -> Obligation:
    """A bill of any frequency and due day, with an amount that rarely divides evenly, and
    sometimes a later change of amount and an end date."""
    frequency = draw(st.sampled_from(list(Frequency)))
    first_due_on = draw(first_due_dates())
    changes = [AmountChange(first_due_on, Money(draw(st.integers(1, 500_000))))]
    if draw(st.booleans()):
        changes.append(
            AmountChange(
                first_due_on + timedelta(days=draw(st.integers(1, 700))),
                Money(draw(st.integers(1, 500_000))),
            )
        )
    ends_on = draw(st.none() | st.integers(0, 800).map(lambda n: first_due_on + timedelta(days=n)))
    return Obligation(
        ObligationId(1),
        1,
        CostType.HUUR,
        CreditorId(1),
        Schedule(frequency, first_due_on, ends_on),
        tuple(changes),
        FreeTextReference("Klantnummer 1"),
    )


@dataclass(frozen=True)
class Reservations:
    """Every month's reservation from a year before an obligation's first due date on."""

    obligation: Obligation
    by_month: dict[Month, tuple[Money, date | None]]

    @classmethod
    def around(cls, obligation: Obligation) -> Reservations:
        first = Month.of(obligation.schedule.first_due_on).plus(-WINDOW_MONTHS_BEFORE)
        months = [first.plus(n) for n in range(WINDOW_MONTH_COUNT)]
        return cls(obligation, {month: obligation.reservation_for(month) for month in months})

    @property
    def due_dates(self) -> list[date]:
        """The bills due inside the window; their whole cycles lie inside it too, because a
        cycle never starts before the first due date and ends with the due month."""
        months = sorted(self.by_month)
        return self.obligation.schedule.due_dates(months[0].first_day, months[-1].last_day)

    def parts_for(self, due_on: date) -> list[tuple[Month, int]]:
        return [
            (month, amount.cents)
            for month, (amount, for_due_on) in sorted(self.by_month.items())
            if for_due_on == due_on
        ]


@SCHEDULE_SETTINGS
@given(obligations())
def test_the_reservations_for_each_bill_add_up_exactly_to_the_bill(obligation: Obligation) -> None:
    reservations = Reservations.around(obligation)
    assert reservations.due_dates
    for due_on in reservations.due_dates:
        parts = reservations.parts_for(due_on)
        assert sum(cents for _, cents in parts) == obligation.amount_on(due_on).cents


@SCHEDULE_SETTINGS
@given(obligations())
def test_each_bill_is_fully_reserved_by_the_month_it_falls_due(obligation: Obligation) -> None:
    reservations = Reservations.around(obligation)
    for due_on in reservations.due_dates:
        reserved_by_due_month = sum(
            cents for month, cents in reservations.parts_for(due_on) if month <= Month.of(due_on)
        )
        assert reserved_by_due_month == obligation.amount_on(due_on).cents
    month_count = obligation.schedule.frequency.month_count
    for month, (amount, reserved_for) in reservations.by_month.items():
        if reserved_for is None:
            assert amount == Money(0)
            continue
        # A reservation is made inside the bill's own cycle: in the due month or at most
        # k - 1 months before it, and never before the month of the first due date.
        assert 0 <= Month.of(reserved_for).months_since(month) < month_count
        assert month >= Month.of(obligation.schedule.first_due_on)
        assert obligation.schedule.due_in(Month.of(reserved_for)) == reserved_for
        assert amount.cents > 0 or obligation.amount_on(reserved_for).cents < month_count


@SCHEDULE_SETTINGS
@given(obligations())
def test_the_parts_of_one_bill_differ_by_a_cent_at_most_and_the_earliest_carry_the_spare_cents(
    obligation: Obligation,
) -> None:
    reservations = Reservations.around(obligation)
    for due_on in reservations.due_dates:
        parts = [cents for _, cents in reservations.parts_for(due_on)]
        assert max(parts) - min(parts) <= 1
        assert parts == sorted(parts, reverse=True)


def test_a_quarterly_bill_of_100_euro_from_march_is_reserved_whole_then_in_three_parts() -> None:
    obligation = Obligation(
        ObligationId(1),
        1,
        CostType.WATER,
        CreditorId(1),
        Schedule(Frequency.QUARTERLY, date(2026, 3, 31)),
        (AmountChange(date(2026, 3, 31), Money(10_000)),),
        FreeTextReference("Klantnummer 1"),
    )
    # The bill starts in March, so its first cycle has only March; the next spreads over three.
    assert [obligation.reservation_for(Month(2026, m)) for m in (2, 3, 4, 5, 6)] == [
        (Money(0), None),
        (Money(10_000), date(2026, 3, 31)),
        (Money(3_334), date(2026, 6, 30)),
        (Money(3_333), date(2026, 6, 30)),
        (Money(3_333), date(2026, 6, 30)),
    ]
