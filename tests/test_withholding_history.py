"""Every change of what is withheld takes effect from a date and is explained afterwards."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine

from ontzorgen import services
from ontzorgen.norms import NoNormForDate, NormCategory, load_norms
from ontzorgen.phases import ChangeKind, PhaseChange, withholding_history
from ontzorgen.policy import STATUTORY_COST_TYPES, CostType, Policy
from tests.factories import add_newcomer, make_world


def change(kind: ChangeKind, to_phase: int, effective_on: date, reason: str) -> PhaseChange:
    return PhaseChange(
        1,
        kind,
        to_phase - 1 or None,
        to_phase,
        effective_on,
        effective_on,
        "coach@kredietbank.nl",
        reason,
    )


def test_each_phase_change_explains_what_is_withheld_from_when() -> None:
    history = withholding_history(
        [
            change(ChangeKind.STEP, 2, date(2026, 7, 1), "Budgetcursus en toeslagen op orde"),
            change(ChangeKind.START, 1, date(2026, 1, 1), "Start ontzorging"),
            change(ChangeKind.RELAPSE, 1, date(2026, 9, 1), "Huurachterstand"),
        ],
        Policy(),
        STATUTORY_COST_TYPES,
    )
    assert [(p.effective_on, p.phase) for p in history] == [
        (date(2026, 1, 1), 1),
        (date(2026, 7, 1), 2),
        (date(2026, 9, 1), 1),
    ]
    assert history[0].withheld == (
        CostType.ZORGVERZEKERING,
        CostType.HUUR,
        CostType.ENERGIE,
        CostType.WATER,
    )
    assert history[1].withheld == (CostType.ZORGVERZEKERING, CostType.HUUR)
    assert history[1].explain() == (
        "Vanaf 01-07-2026: fase 2 (Eerste eigen rekeningen). Ingehouden: zorgverzekering, huur; "
        "leefgeld per maand. Besluit van coach@kredietbank.nl op 01-07-2026: "
        "Budgetcursus en toeslagen op orde"
    )


def test_a_households_history_starts_with_its_arrangement(engine: Engine) -> None:
    world = make_world(engine)
    household = add_newcomer(world, bijstand_start_on=date(2026, 1, 17))
    history = services.withholding_history(world.uow(), household.household_id)
    assert len(history) == 1
    assert history[0].effective_on == date(2026, 1, 17)
    assert history[0].kind is ChangeKind.START
    assert "Ingehouden: zorgverzekering, huur, energie, water; leefgeld per week." in (
        history[0].explain()
    )


def test_the_bijstand_norm_in_force_comes_from_the_dated_table() -> None:
    norms = load_norms()
    assert str(norms.norm_on(date(2025, 6, 30), NormCategory.SINGLE)) == "1345.45"
    assert str(norms.norm_on(date(2025, 7, 1), NormCategory.SINGLE)) == "1369.06"
    assert str(norms.norm_on(date(2026, 11, 23), NormCategory.COUPLE)) == "1955.80"
    with pytest.raises(NoNormForDate) as refused:
        norms.norm_on(date(2024, 12, 31), NormCategory.SINGLE)
    assert refused.value.on == date(2024, 12, 31)
