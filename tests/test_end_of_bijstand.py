"""The edges of the period: six months that end in a shorter month, and the end of bijstand."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine

from ledger.money import Money
from ontzorgen import services
from ontzorgen.allocation import allocate, leefgeld_parts
from ontzorgen.arrangement import Arrangement, Decision, LegalBasis
from ontzorgen.months import Month
from ontzorgen.policy import LeefgeldFrequency, Policy
from tests.factories import NORM_SINGLE, add_newcomer, make_world


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (date(2026, 1, 1), date(2026, 6, 30)),
        (date(2026, 1, 17), date(2026, 7, 16)),
        (date(2026, 8, 28), date(2027, 2, 27)),
        (date(2026, 8, 31), date(2027, 2, 28)),
        (date(2027, 8, 31), date(2028, 2, 29)),
    ],
)
def test_six_months_end_the_day_before_the_same_date_or_on_the_last_day_of_a_short_month(
    start: date, end: date
) -> None:
    arrangement = Arrangement(1, LegalBasis.ART_56A, start, start, Decision(start, "x", "r"))
    assert arrangement.statutory_end_on == end


def test_weekly_leefgeld_is_not_planned_before_the_right_to_bijstand_starts() -> None:
    allocation = allocate(
        Month(2026, 1), Money(62_933), Money(9_677), [], Policy(), LeefgeldFrequency.WEEKLY
    )
    assert [p.pay_on.day for p in allocation.leefgeld_parts] == [5, 12, 19, 26]
    parts = leefgeld_parts(
        Month(2026, 1), Money(62_933), LeefgeldFrequency.WEEKLY, Policy(), date(2026, 1, 17)
    )
    assert [(p.pay_on.day, p.amount) for p in parts] == [(19, Money(31_467)), (26, Money(31_466))]
    late = leefgeld_parts(
        Month(2026, 1), Money(100), LeefgeldFrequency.WEEKLY, Policy(), date(2026, 1, 28)
    )
    assert [(p.pay_on, p.amount) for p in late] == [(date(2026, 1, 28), Money(100))]


def test_the_last_month_of_bijstand_is_prorated_and_pays_out_the_vakantietoeslag(
    engine: Engine,
) -> None:
    world = make_world(engine)
    household = add_newcomer(world, costs={})
    for month in (Month(2026, 1), Month(2026, 2)):
        services.record_bijstand(
            world.uow(),
            household_id=household.household_id,
            month=month,
            full_month_amount=NORM_SINGLE,
            received_on=month.first_day,
        )
        services.allocate_month(world.uow(), household.household_id, month, today=month.first_day)
    services.end_bijstand(world.uow(), household.household_id, date(2026, 3, 14))
    march = Month(2026, 3)
    income = services.record_bijstand(
        world.uow(),
        household_id=household.household_id,
        month=march,
        full_month_amount=NORM_SINGLE,
        received_on=march.first_day,
    )
    assert income.gross == NORM_SINGLE.scaled(14, 31)
    result = services.allocate_month(
        world.uow(), household.household_id, march, today=march.first_day
    )
    assert result.stored.vakantietoeslag_paid == Money(6_845 * 2) + income.vakantietoeslag
    with pytest.raises(services.MonthOutsideArrangement):
        services.record_bijstand(
            world.uow(),
            household_id=household.household_id,
            month=Month(2026, 4),
            full_month_amount=NORM_SINGLE,
            received_on=date(2026, 4, 1),
        )
