"""Na een terugval zet de coach een huishouden één fase terug (DOMAIN.md §6).

The shared steps live in ``tests/bdd/conftest.py``.
"""

from __future__ import annotations

from datetime import date

from pytest_bdd import given, scenarios, when

from ontzorgen import services
from ontzorgen.errors import OntzorgenError
from ontzorgen.phases import PhaseChange
from tests.bdd.conftest import COACH
from tests.bdd.dutch import dutch_step
from tests.factories import NewcomerHousehold, World

scenarios("../../features/terugval.feature")


def _relapse(
    world: World,
    household: NewcomerHousehold,
    on: date,
    to_phase: int,
    effective_on: date,
    reason: str,
) -> PhaseChange:
    return services.record_relapse(
        world.uow(),
        household.household_id,
        to_phase=to_phase,
        effective_on=effective_on,
        decided_on=on,
        actor=COACH,
        reason=reason,
    )


@given(
    dutch_step(
        "de coach heeft op {on:Datum} een terugval naar fase {to_phase:Fase} vastgelegd met "
        'ingang van {effective_on:Datum}, met als reden "{reason}"'
    ),
    target_fixture="phase_change",
)
def relapse_recorded(
    world: World,
    household: NewcomerHousehold,
    on: date,
    to_phase: int,
    effective_on: date,
    reason: str,
) -> PhaseChange:
    return _relapse(world, household, on, to_phase, effective_on, reason)


@when(
    dutch_step(
        "de coach op {on:Datum} een terugval naar fase {to_phase:Fase} vastlegt met ingang van "
        '{effective_on:Datum}, met als reden "{reason}"'
    ),
    target_fixture="refusal",
)
def relapse_attempted(
    world: World,
    household: NewcomerHousehold,
    on: date,
    to_phase: int,
    effective_on: date,
    reason: str,
) -> OntzorgenError | None:
    try:
        _relapse(world, household, on, to_phase, effective_on, reason)
    except OntzorgenError as refusal:
        return refusal
    return None


@when(
    dutch_step(
        "de coach op {on:Datum} een terugval naar fase {to_phase:Fase} vastlegt met ingang van "
        "{effective_on:Datum}, zonder reden"
    ),
    target_fixture="refusal",
)
def relapse_without_reason(
    world: World, household: NewcomerHousehold, on: date, to_phase: int, effective_on: date
) -> OntzorgenError | None:
    return relapse_attempted(world, household, on, to_phase, effective_on, "")
