"""Een stap naar de volgende fase wordt voorgesteld als de mijlpalen gehaald zijn; een coach
beslist (DOMAIN.md §6). The shared steps live in ``tests/bdd/conftest.py``.
"""

from __future__ import annotations

from datetime import date

from pytest_bdd import scenarios, when

from ontzorgen import services
from ontzorgen.errors import OntzorgenError
from ontzorgen.phases import decide_step, phase_on
from tests.bdd import reading
from tests.bdd.conftest import COACH
from tests.bdd.dutch import dutch_step
from tests.factories import NewcomerHousehold, World

scenarios("../../features/fasen.feature")


@when(
    dutch_step(
        "de coach op {on:Datum} besluit het huishouden met ingang van {effective_on:Datum} van "
        'fase {from_phase:Fase} naar fase {to_phase:Fase} te zetten, met als reden "{reason}"'
    ),
    target_fixture="refusal",
)
def coach_decides_a_jump(
    world: World,
    household: NewcomerHousehold,
    on: date,
    effective_on: date,
    from_phase: int,
    to_phase: int,
    reason: str,
) -> OntzorgenError | None:
    """The ladder's own rule, asked directly: the services only ever propose the next phase."""
    assessment = services.evaluate_step(world.uow(), household.household_id, today=on)
    assert assessment.current_phase == from_phase
    with world.uow() as uow:
        changes = uow.repository.phase_changes_of(household.household_id)
    assert phase_on(changes, on) == from_phase
    try:
        decide_step(
            reading.policy_of(world),
            assessment,
            household.household_id,
            requested=to_phase,
            effective_on=effective_on,
            decided_on=on,
            actor=COACH,
            reason=reason,
            last_effective_on=changes[-1].effective_on,
        )
    except OntzorgenError as refusal:
        return refusal
    return None
