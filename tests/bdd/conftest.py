"""Steps shared by the feature files: the municipality, a household, bijstand, the monthly
allocation, phases and signals.

Each "Gegeven" and "Als" step calls one use case of ``ontzorgen.services`` and hands its result to
the next steps as a pytest fixture (``target_fixture``). The "Dan" steps read what the database
holds (``tests.bdd.reading``): the stored allocation, the ledger balances, phases, proposals and
signals. Only the lines and leefgeld parts of an allocation, and the split of a bijstand payment,
come from what the service returned, because the repository has no reader for them; the money on
each reserve is then checked in the ledger as well. Every scenario runs on SQLite and on
PostgreSQL through the parametrized ``engine`` fixture.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from dateutil.relativedelta import relativedelta
from pytest_bdd import given, parsers, then, when
from sqlalchemy import Engine

from ledger.money import Money
from ontzorgen import services
from ontzorgen.allocation import Allocation
from ontzorgen.errors import OntzorgenError
from ontzorgen.months import Month
from ontzorgen.obligations import ObligationId
from ontzorgen.phases import (
    STATUTORY_PERIOD_REQUIREMENT,
    PhaseChange,
    PhaseStepNotAllowed,
    ReasonRequired,
    StepAssessment,
)
from ontzorgen.policy import CostType
from ontzorgen.signals import SignalKind
from ontzorgen.signals import euro as format_euro
from tests.bdd import reading
from tests.bdd.dutch import (
    dutch_step,
    milestone_code,
    milestone_codes,
    parse_cost_type,
    parse_cost_types,
    parse_date,
    parse_euro,
)
from tests.factories import (
    NewcomerHousehold,
    World,
    add_newcomer,
    allocate_full_month,
    make_world,
)

COACH = "coach@kredietbank.nl"

#: The words a coach sees for each kind of signal.
SIGNAL_KINDS = {
    "achterstand": SignalKind.ARREAR,
    "stap voorgesteld": SignalKind.STEP_PROPOSED,
    "terugval": SignalKind.RELAPSE,
}

#: Why a decision is refused, as the feature files say it, and the refusal that says so.
REFUSALS: dict[str, type[OntzorgenError]] = {
    "een besluit over een fase een reden nodig heeft": ReasonRequired,
    "een huishouden maar één fase tegelijk omhoog kan": PhaseStepNotAllowed,
    "een terugval precies één fase terug is": PhaseStepNotAllowed,
}

STATUTORY_PERIOD_WORDS = "de wettelijke zes maanden zijn voorbij"


def _table(datatable: list[list[str]]) -> list[dict[str, str]]:
    header, *rows = datatable
    return [dict(zip(header, (cell.strip() for cell in row), strict=True)) for row in rows]


@pytest.fixture(autouse=True)
def every_database(engine: Engine) -> Engine:
    """Puts ``engine`` in every scenario's fixture closure, so each runs on SQLite and PostgreSQL.

    Steps ask for their fixtures only while the scenario runs, too late for parametrization.
    """
    return engine


def _allocation(month_allocation: services.MonthAllocation) -> Allocation:
    assert month_allocation.allocation is not None, "deze verdeling was al eerder gemaakt"
    return month_allocation.allocation


# -- the municipality and the household ------------------------------------------------------


@given("de gemeente Rotterdam met het standaardbeleid", target_fixture="world")
def municipality_with_default_policy(engine: Engine) -> World:
    return make_world(engine)


@given(
    dutch_step("een alleenstaande nieuwkomer met bijstand vanaf {start_on:Datum}"),
    target_fixture="household",
)
def newcomer(world: World, start_on: date) -> NewcomerHousehold:
    return add_newcomer(world, bijstand_start_on=start_on)


@given(
    dutch_step(
        "een alleenstaande nieuwkomer met bijstand vanaf {start_on:Datum} en deze vaste lasten "
        "per maand, te betalen op de 1e van de maand:"
    ),
    target_fixture="household",
)
def newcomer_with_costs(
    world: World, start_on: date, datatable: list[list[str]]
) -> NewcomerHousehold:
    costs = {
        parse_cost_type(row["vaste last"]): parse_euro(row["bedrag"]) for row in _table(datatable)
    }
    return add_newcomer(world, bijstand_start_on=start_on, costs=costs)


# -- bijstand and the monthly allocation -----------------------------------------------------


@given(
    dutch_step("de bijstand voor {month:Maand} van {amount:Bedrag} is binnengekomen op {on:Datum}"),
    target_fixture="recorded_income",
)
@when(
    dutch_step("de bijstand voor {month:Maand} van {amount:Bedrag} binnenkomt op {on:Datum}"),
    target_fixture="recorded_income",
)
@given(
    dutch_step(
        "de bijstand voor {month:Maand} is binnengekomen op {on:Datum}, berekend op een norm "
        "van {amount:Bedrag} per maand"
    ),
    target_fixture="recorded_income",
)
@when(
    dutch_step(
        "de bijstand voor {month:Maand} binnenkomt op {on:Datum}, berekend op een norm van "
        "{amount:Bedrag} per maand"
    ),
    target_fixture="recorded_income",
)
def bijstand_arrives(
    world: World, household: NewcomerHousehold, month: Month, amount: Money, on: date
) -> services.RecordedIncome:
    return services.record_bijstand(
        world.uow(),
        household_id=household.household_id,
        month=month,
        full_month_amount=amount,
        received_on=on,
    )


@given(
    dutch_step("de gemeente heeft {month:Maand} verdeeld op {on:Datum}"),
    target_fixture="month_allocation",
)
@when(
    dutch_step("de gemeente {month:Maand} verdeelt op {on:Datum}"),
    target_fixture="month_allocation",
)
def allocate(
    world: World, household: NewcomerHousehold, month: Month, on: date
) -> services.MonthAllocation:
    return services.allocate_month(world.uow(), household.household_id, month, today=on)


@given(
    dutch_step(
        "de bijstand van {amount:Bedrag} is voor {first:Maand} tot en met {last:Maand} elke "
        "maand ontvangen en verdeeld"
    ),
    target_fixture="month_allocation",
)
def months_received_and_allocated(
    world: World, household: NewcomerHousehold, amount: Money, first: Month, last: Month
) -> services.MonthAllocation:
    """Bijstand for a month arrives on the 24th of the month before and is allocated that day."""
    assert first <= last
    month = first
    while True:
        allocated = allocate_full_month(world, household, month, amount=amount)
        if month == last:
            return allocated
        month = month.next()


@then(dutch_step("gaat er {amount:Bedrag} opzij als vakantietoeslag"))
def vakantietoeslag_set_aside(recorded_income: services.RecordedIncome, amount: Money) -> None:
    assert recorded_income.vakantietoeslag == amount


@then(dutch_step("is er {amount:Bedrag} te verdelen"))
def net_to_allocate(recorded_income: services.RecordedIncome, amount: Money) -> None:
    assert recorded_income.net == amount


@then(dutch_step("is de bijstand voor {month:Maand} {amount:Bedrag}"))
def bijstand_of_month(
    recorded_income: services.RecordedIncome, month: Month, amount: Money
) -> None:
    assert recorded_income.month == month
    assert recorded_income.gross == amount, format_euro(recorded_income.gross)


@then(dutch_step("is er {amount:Bedrag} verdeeld"))
def income_allocated(
    world: World,
    household: NewcomerHousehold,
    month_allocation: services.MonthAllocation,
    amount: Money,
) -> None:
    stored = reading.stored_allocation(world, household, month_allocation.stored.month)
    assert stored.income == amount, format_euro(stored.income)


@then(parsers.parse("is de verdeling per vaste last:"))
def allocation_per_cost_type(
    month_allocation: services.MonthAllocation, datatable: list[list[str]]
) -> None:
    expected = {
        parse_cost_type(row["vaste last"]): (
            parse_euro(row["opzij gezet"]),
            parse_euro(row["achterstand"]),
        )
        for row in _table(datatable)
    }
    actual = {
        line.cost_type: (line.reserved, line.arrear) for line in _allocation(month_allocation).lines
    }
    assert actual == expected


@then("staat dat geld apart op de reservering van elke vaste last")
def reserves_hold_what_was_set_aside(
    world: World, household: NewcomerHousehold, month_allocation: services.MonthAllocation
) -> None:
    set_aside = {line.cost_type: line.reserved for line in _allocation(month_allocation).lines}
    balances = reading.reserve_balances(world, household)
    assert {c: balances[c] for c in set_aside} == set_aside


@then(parsers.parse("staat er op de reserveringen:"))
def reserve_balances(
    world: World, household: NewcomerHousehold, datatable: list[list[str]]
) -> None:
    expected = {
        parse_cost_type(row["vaste last"]): parse_euro(row["saldo"]) for row in _table(datatable)
    }
    assert reading.reserve_balances(world, household) == expected


@then(dutch_step("is er in totaal {amount:Bedrag} opzij gezet voor de vaste lasten"))
def total_reserved(
    world: World,
    household: NewcomerHousehold,
    month_allocation: services.MonthAllocation,
    amount: Money,
) -> None:
    stored = reading.stored_allocation(world, household, month_allocation.stored.month)
    assert stored.reserved == amount, format_euro(stored.reserved)


@then(dutch_step("is het leefgeld {amount:Bedrag}"))
def leefgeld(
    world: World,
    household: NewcomerHousehold,
    month_allocation: services.MonthAllocation,
    amount: Money,
) -> None:
    stored = reading.stored_allocation(world, household, month_allocation.stored.month)
    assert stored.leefgeld == amount, format_euro(stored.leefgeld)


@then(dutch_step("is het leefgeld van {month:Maand} {amount:Bedrag}"))
def leefgeld_of_month(
    world: World, household: NewcomerHousehold, month: Month, amount: Money
) -> None:
    stored = reading.stored_allocation(world, household, month)
    assert stored.leefgeld == amount, format_euro(stored.leefgeld)


@then(dutch_step("is het minimum leefgeld voor {month:Maand} {amount:Bedrag}"))
def minimum_leefgeld_of_month(
    world: World, household: NewcomerHousehold, month: Month, amount: Money
) -> None:
    stored = reading.stored_allocation(world, household, month)
    assert stored.minimum_leefgeld == amount, format_euro(stored.minimum_leefgeld)


@then(parsers.parse("wordt het leefgeld in deze delen betaald:"))
def leefgeld_parts(month_allocation: services.MonthAllocation, datatable: list[list[str]]) -> None:
    expected = [(parse_date(row["datum"]), parse_euro(row["bedrag"])) for row in _table(datatable)]
    actual = [(part.pay_on, part.amount) for part in _allocation(month_allocation).leefgeld_parts]
    assert actual == expected


@then("is er geen achterstand")
def no_arrear(
    world: World, household: NewcomerHousehold, month_allocation: services.MonthAllocation
) -> None:
    stored = reading.stored_allocation(world, household, month_allocation.stored.month)
    assert stored.arrears == Money(0), format_euro(stored.arrears)
    assert reading.balances(world, household)["arrears"] == Money(0)


@then(dutch_step("staat er in totaal {amount:Bedrag} als achterstand in de boeken"))
def arrears_in_the_books(
    world: World,
    household: NewcomerHousehold,
    month_allocation: services.MonthAllocation,
    amount: Money,
) -> None:
    stored = reading.stored_allocation(world, household, month_allocation.stored.month)
    assert stored.arrears == amount, format_euro(stored.arrears)
    books = reading.balances(world, household)
    assert books["arrears"] == amount == books["shortfall"]


@then("is alle bijstand van de maand verdeeld")
def income_account_empty(world: World, household: NewcomerHousehold) -> None:
    assert reading.balances(world, household)["income"] == Money(0)


@then(dutch_step("staat er {amount:Bedrag} gereserveerd als vakantietoeslag"))
def vakantietoeslag_reserved(world: World, household: NewcomerHousehold, amount: Money) -> None:
    held = reading.balances(world, household)["vakantietoeslag"]
    assert held == amount, format_euro(held)


@then(dutch_step("is er met het leefgeld van {month:Maand} geen vakantietoeslag uitbetaald"))
def no_vakantietoeslag_paid(world: World, household: NewcomerHousehold, month: Month) -> None:
    stored = reading.stored_allocation(world, household, month)
    assert stored.vakantietoeslag_paid == Money(0), format_euro(stored.vakantietoeslag_paid)


@then(
    dutch_step(
        "is er met het leefgeld van {month:Maand} {amount:Bedrag} vakantietoeslag uitbetaald"
    )
)
def vakantietoeslag_paid(
    world: World, household: NewcomerHousehold, month: Month, amount: Money
) -> None:
    stored = reading.stored_allocation(world, household, month)
    assert stored.vakantietoeslag_paid == amount, format_euro(stored.vakantietoeslag_paid)


@then(dutch_step("worden {names} niet ingehouden"))
def not_withheld(month_allocation: services.MonthAllocation, names: str) -> None:
    withheld = {line.cost_type for line in _allocation(month_allocation).lines}
    assert not withheld & set(parse_cost_types(names))


@given(
    dutch_step(
        "de coach heeft op {on:Datum} besloten dat het minimum leefgeld voor dit huishouden "
        '{amount:Bedrag} is, met als reden "{reason}"'
    )
)
def coach_sets_minimum_leefgeld(
    world: World, household: NewcomerHousehold, on: date, amount: Money, reason: str
) -> None:
    services.set_minimum_leefgeld(
        world.uow(), household.household_id, amount, decided_on=on, actor=COACH, reason=reason
    )


# -- signals ---------------------------------------------------------------------------------


def _arrear_cost_types(world: World, household: NewcomerHousehold) -> set[CostType]:
    found = set()
    for signal in reading.signals(world, household):
        if signal.kind == SignalKind.ARREAR.value:
            obligation_id = int(signal.subject.split(":")[1])
            found.add(reading.cost_type_of(household, ObligationId(obligation_id)))
    return found


@then(dutch_step("krijgt de coach een signaal over de achterstand op {names}"))
def arrear_signals(world: World, household: NewcomerHousehold, names: str) -> None:
    assert _arrear_cost_types(world, household) == set(parse_cost_types(names))


@then("krijgt de coach geen signaal over een achterstand")
def no_arrear_signals(world: World, household: NewcomerHousehold) -> None:
    assert _arrear_cost_types(world, household) == set()


@then(dutch_step('krijgt de coach een signaal "{kind}"'))
def signal_raised(world: World, household: NewcomerHousehold, kind: str) -> None:
    kinds = {signal.kind for signal in reading.signals(world, household)}
    assert SIGNAL_KINDS[kind].value in kinds


@then(dutch_step('krijgt de coach geen signaal "{kind}"'))
def no_signal_raised(world: World, household: NewcomerHousehold, kind: str) -> None:
    kinds = {signal.kind for signal in reading.signals(world, household)}
    assert SIGNAL_KINDS[kind].value not in kinds


# -- refusals --------------------------------------------------------------------------------


@then(
    parsers.re(
        "wordt dat geweigerd, omdat (?P<why>"
        + "|".join(REFUSALS)  # the reasons contain no regular-expression characters
        + ")"
    )
)
def refused(refusal: OntzorgenError | None, why: str) -> None:
    assert isinstance(refusal, REFUSALS[why]), f"verwacht geweigerd, maar: {refusal!r}"


# -- milestones, proposals and phases --------------------------------------------------------


def _record_milestones(
    world: World, household: NewcomerHousehold, codes: tuple[str, ...], on: date
) -> StepAssessment | None:
    assessment = None
    for code in codes:
        assessment = services.record_milestone(
            world.uow(),
            household.household_id,
            code,
            achieved_on=on,
            evidence="Gezien door de budgetcoach",
            actor=COACH,
        )
    return assessment


@given(
    dutch_step('de coach heeft op {on:Datum} de mijlpaal "{title}" vastgelegd'),
    target_fixture="assessment",
)
@when(
    dutch_step('de coach op {on:Datum} de mijlpaal "{title}" vastlegt'), target_fixture="assessment"
)
def milestone_recorded(
    world: World, household: NewcomerHousehold, on: date, title: str
) -> StepAssessment | None:
    return _record_milestones(
        world, household, (milestone_code(title, reading.policy_of(world)),), on
    )


@given(dutch_step("de coach heeft deze mijlpalen vastgelegd op {on:Datum}: {titles}"))
def milestones_recorded(world: World, household: NewcomerHousehold, on: date, titles: str) -> None:
    _record_milestones(world, household, milestone_codes(titles, reading.policy_of(world)), on)


@given(
    dutch_step("het systeem heeft op {on:Datum} beoordeeld of een stap mogelijk is"),
    target_fixture="assessment",
)
@when(
    dutch_step("het systeem op {on:Datum} beoordeelt of een stap mogelijk is"),
    target_fixture="assessment",
)
def step_evaluated(world: World, household: NewcomerHousehold, on: date) -> StepAssessment:
    return services.evaluate_step(world.uow(), household.household_id, today=on)


@then("stelt het systeem geen stap voor")
def no_step_proposed(
    world: World, household: NewcomerHousehold, assessment: StepAssessment
) -> None:
    assert not assessment.ready
    assert reading.open_proposal(world, household) is None


@then(
    dutch_step(
        "stelt het systeem voor om van fase {from_phase:Fase} naar fase {to_phase:Fase} te gaan"
    )
)
@then(
    dutch_step(
        "staat het voorstel om van fase {from_phase:Fase} naar fase {to_phase:Fase} te gaan "
        "nog open"
    )
)
def step_proposed(
    world: World, household: NewcomerHousehold, from_phase: int, to_phase: int
) -> None:
    proposal = reading.open_proposal(world, household)
    assert proposal is not None, "er is geen voorstel"
    assert (proposal.from_phase, proposal.to_phase) == (from_phase, to_phase)


@then("is er geen open voorstel meer")
def no_open_proposal(world: World, household: NewcomerHousehold) -> None:
    assert reading.open_proposal(world, household) is None


@then(dutch_step("staat voor fase {phase:Fase} nog open: {words}"))
@then(dutch_step("staat voor fase {phase:Fase} alleen nog open: {words}"))
def still_open(world: World, assessment: StepAssessment | None, phase: int, words: str) -> None:
    assert assessment is not None
    assert assessment.next_phase == phase
    policy = reading.policy_of(world)
    expected = (
        ()
        if words == "niets"
        else tuple(
            STATUTORY_PERIOD_REQUIREMENT if part == STATUTORY_PERIOD_WORDS else part
            for part in words.split("; ")
        )
    )
    titles = {m.code: m.title for m in policy.milestones}
    actual = tuple(titles.get(code, code) for code in assessment.open_requirements)
    assert actual == expected
    assert assessment.ready is (expected == ())


def _approve(
    world: World, household: NewcomerHousehold, on: date, effective_on: date, reason: str
) -> PhaseChange:
    proposal = reading.open_proposal(world, household)
    assert proposal is not None, "er is geen voorstel om goed te keuren"
    change = services.decide_proposal(
        world.uow(),
        proposal.proposal_id,
        approve=True,
        effective_on=effective_on,
        decided_on=on,
        actor=COACH,
        reason=reason,
    )
    assert change is not None
    return change


@given(
    dutch_step(
        "de coach heeft het voorstel op {on:Datum} goedgekeurd met ingang van "
        '{effective_on:Datum}, met als reden "{reason}"'
    ),
    target_fixture="phase_change",
)
@when(
    dutch_step(
        "de coach het voorstel op {on:Datum} goedkeurt met ingang van {effective_on:Datum}, "
        'met als reden "{reason}"'
    ),
    target_fixture="phase_change",
)
def proposal_approved(
    world: World, household: NewcomerHousehold, on: date, effective_on: date, reason: str
) -> PhaseChange:
    return _approve(world, household, on, effective_on, reason)


@when(
    dutch_step(
        "de coach het voorstel op {on:Datum} goedkeurt met ingang van {effective_on:Datum}, "
        "zonder reden"
    ),
    target_fixture="refusal",
)
def proposal_approved_without_reason(
    world: World, household: NewcomerHousehold, on: date, effective_on: date
) -> OntzorgenError | None:
    try:
        _approve(world, household, on, effective_on, "")
    except OntzorgenError as refusal:
        return refusal
    return None


@given(
    dutch_step("het huishouden zit vanaf {effective_on:Datum} in fase 2"),
    target_fixture="phase_change",
)
def in_phase_two(world: World, household: NewcomerHousehold, effective_on: date) -> PhaseChange:
    """The whole step flow: both milestones after three months, a proposal on the first day
    after the six months, and the coach's approval that day."""
    arrangement = reading.arrangement_of(world, household)
    achieved_on = arrangement.bijstand_start_on + relativedelta(months=3)
    policy = reading.policy_of(world)
    _record_milestones(world, household, policy.ladder.phase(2).required_milestones, achieved_on)
    evaluated_on = arrangement.statutory_end_on + timedelta(days=1)
    assessment = services.evaluate_step(world.uow(), household.household_id, today=evaluated_on)
    assert assessment.ready, assessment.open_requirements
    return _approve(world, household, evaluated_on, effective_on, "Mijlpalen voor fase 2 gehaald")


@then(dutch_step("zit het huishouden op {day:Datum} in fase {phase:Fase}"))
@then(dutch_step("zit het huishouden op {day:Datum} nog in fase {phase:Fase}"))
@then(dutch_step("zit het huishouden vanaf {day:Datum} nog in fase {phase:Fase}"))
def phase_on_day(world: World, household: NewcomerHousehold, day: date, phase: int) -> None:
    assert reading.phase_in_force(world, household, day) == phase


@then(dutch_step("zit het huishouden vanaf {day:Datum} in fase {phase:Fase}"))
def phase_from_day(world: World, household: NewcomerHousehold, day: date, phase: int) -> None:
    """ "Vanaf" means the change takes effect that very day: the day before, another phase held."""
    assert reading.phase_in_force(world, household, day - timedelta(days=1)) != phase
    assert reading.phase_in_force(world, household, day) == phase
