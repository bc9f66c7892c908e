"""Recording the same income twice books it once; other figures for it are refused."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine

from ledger.money import Money
from ontzorgen import services
from ontzorgen.months import Month
from tests.factories import NORM_SINGLE, add_newcomer, make_world


def test_the_same_bijstand_twice_is_a_replay_and_other_figures_are_refused(engine: Engine) -> None:
    world = make_world(engine)
    household_id = add_newcomer(world).household_id
    month = Month(2026, 1)

    def record(amount: Money, received_on: date) -> services.RecordedIncome:
        return services.record_bijstand(
            world.uow(),
            household_id=household_id,
            month=month,
            full_month_amount=amount,
            received_on=received_on,
        )

    first = record(NORM_SINGLE, date(2026, 1, 2))
    again = record(NORM_SINGLE, date(2026, 1, 2))
    assert (first.replayed, again.replayed) == (False, True)
    assert again.gross == first.gross
    with pytest.raises(services.IncomeAlreadyRecorded, match="recorded already"):
        record(NORM_SINGLE + Money(100), date(2026, 1, 2))
    with pytest.raises(services.IncomeAlreadyRecorded):
        record(NORM_SINGLE, date(2026, 1, 3))
    with world.uow() as uow:
        assert uow.repository.recorded_income(household_id, month, "bijstand", "") == (
            NORM_SINGLE,
            date(2026, 1, 2),
        )
