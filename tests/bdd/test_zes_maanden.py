"""De zes maanden ontzorging kunnen niet korter (art. 56a Pw, DOMAIN.md §3)."""

from __future__ import annotations

from datetime import date

from pytest_bdd import scenarios, then, when

from ontzorgen import services
from ontzorgen.arrangement import StatutoryPeriodCannotBeShortened
from ontzorgen.errors import OntzorgenError
from tests.bdd import reading
from tests.bdd.dutch import dutch_step
from tests.factories import NewcomerHousehold, World

scenarios("../../features/zes_maanden.feature")


@when(dutch_step("de coach in het PIP afspreekt dat de ontzorging op {pip_end_on:Datum} eindigt"))
def pip_end_agreed(world: World, household: NewcomerHousehold, pip_end_on: date) -> None:
    services.agree_pip_end(world.uow(), household.household_id, pip_end_on)


@when(
    dutch_step("de gemeente de ontzorging per {ended_on:Datum} wil beëindigen"),
    target_fixture="refusal",
)
def municipality_ends(
    world: World, household: NewcomerHousehold, ended_on: date
) -> OntzorgenError | None:
    try:
        services.end_arrangement(world.uow(), household.household_id, ended_on)
    except OntzorgenError as refusal:
        return refusal
    return None


@then(dutch_step("loopt de ontzorging tot en met {end_on:Datum}"))
@then(dutch_step("loopt de ontzorging nog steeds tot en met {end_on:Datum}"))
def period_runs_until(world: World, household: NewcomerHousehold, end_on: date) -> None:
    assert reading.arrangement_of(world, household).period_end_on == end_on


@then(dutch_step("wordt dat geweigerd, omdat de zes maanden pas op {end_on:Datum} voorbij zijn"))
def refused_inside_six_months(refusal: OntzorgenError | None, end_on: date) -> None:
    assert isinstance(refusal, StatutoryPeriodCannotBeShortened), refusal
    assert refusal.statutory_end_on == end_on


@then("is de ontzorging niet beëindigd")
def not_ended(world: World, household: NewcomerHousehold) -> None:
    assert reading.arrangement_of(world, household).ended_on is None


@then(dutch_step("wordt het beëindigen per {ended_on:Datum} {outcome}"))
def ending_outcome(
    world: World,
    household: NewcomerHousehold,
    refusal: OntzorgenError | None,
    ended_on: date,
    outcome: str,
) -> None:
    stored = reading.arrangement_of(world, household)
    if outcome == "geweigerd":
        assert isinstance(refusal, StatutoryPeriodCannotBeShortened), refusal
        assert stored.ended_on is None
    else:
        assert outcome == "toegestaan"
        assert refusal is None, refusal
        assert stored.ended_on == ended_on
