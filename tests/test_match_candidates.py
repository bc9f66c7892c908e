"""The payments an unmatched statement line may be, offered to the person who matches it by hand.

A bank sometimes books a payment without its EndToEndId (a reversal and a new booking, a batch
booked as one line, a bank that drops the reference). Such a line is kept as unmatched; the
income officer looks for the payment. These tests hold the candidate list to its rules: only sent
payments of the statement's own municipality, for exactly the line's amount, executed in the days
before the booking; the payee that is the line's counterparty first; nothing for money coming in.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import Engine

from ledger.money import Money
from ontzorgen import payment_runs, services, statements
from ontzorgen.months import Month
from ontzorgen.policy import CostType, Policy
from ontzorgen.run_repository import PaymentRecord
from ontzorgen.unit_of_work import UnitOfWork
from ontzorgen.views import runs as run_views
from tests.camt_builder import Line, statement
from tests.factories import (
    World,
    add_newcomer,
    allocate_full_month,
    execute_run_on,
    make_paying_world,
)

AUGUST = Month(2026, 8)
RUN_ON = date(2026, 7, 31)
WOONSTAD_IBAN = "NL44RABO0123456789"


@pytest.fixture
def world(engine: Engine) -> World:
    return make_paying_world(engine)


def sent_august(
    world: World, households: int = 1, *, costs: list[dict[CostType, Money]] | None = None
) -> list[PaymentRecord]:
    """Newcomers (``households`` with the usual bills, or one per entry of ``costs``), August
    divided and its run executed; the run's payments."""
    bills: list[dict[CostType, Money] | None] = list(costs) if costs else [None] * households
    for number, their_costs in enumerate(bills):
        household = add_newcomer(world, name=f"Huishouden {number}", costs=their_costs)
        allocate_full_month(world, household, AUGUST)
    return execute_run_on(world, RUN_ON)


def candidates_of(
    world: World, lines: list[Line], booked_on: date
) -> dict[int, list[run_views.PaymentCandidate]]:
    """Import a statement of ``lines`` and read the candidates of its unmatched lines."""
    result = statements.import_statement(
        world.uow(),
        statement(lines, booked_on=booked_on),
        file_name="stmt.xml",
        actor="officer",
        today=booked_on,
    )
    with world.uow() as uow:
        unmatched = run_views.statement_lines_of(
            uow.connection, result.import_id, match_status="unmatched", after_position=0, limit=50
        )
        return run_views.candidates_for_lines(uow.connection, result.import_id, unmatched)


def test_a_line_without_an_id_is_offered_the_sent_payments_of_its_amount(world: World) -> None:
    payments = sent_august(world, households=2)
    rents = [p for p in payments if p.cost_type == "huur"]
    water = next(p for p in payments if p.cost_type == "water")
    found = candidates_of(
        world,
        [
            # The first rent is confirmed by its id on the same statement: no longer a candidate.
            Line(rents[0].end_to_end_id, rents[0].amount.cents),
            Line(None, rents[1].amount.cents, counterparty_iban=WOONSTAD_IBAN),
            Line(None, water.amount.cents),
            Line(None, 123_457),
        ],
        booked_on=RUN_ON + timedelta(days=3),
    )
    assert sorted(found) == [2, 3]  # the line of an amount nobody was paid gets none
    (rent,) = found[2]
    assert rent.payment.payment_id == rents[1].payment_id and rent.same_account
    assert rent.execution_on == RUN_ON and rent.payment.status == "sent"
    assert [c.payment.cost_type for c in found[3]] == ["water", "water"]
    assert not any(c.same_account for c in found[3])


def test_the_counterparty_s_own_payment_comes_first(world: World) -> None:
    # Two bills of the same amount: one household's rent, the other's energy. The line names the
    # energy company's account (spaced, as a statement may print it), so the energy payment leads
    # though its number is higher.
    payments = sent_august(
        world,
        costs=[{CostType.HUUR: Money(12_000)}, {CostType.ENERGIE: Money(12_000)}],
    )
    rent = next(p for p in payments if p.cost_type == "huur")
    energy = next(p for p in payments if p.cost_type == "energie")
    assert rent.payment_id < energy.payment_id
    found = candidates_of(
        world,
        [Line(None, 12_000, counterparty_iban="NL91 ABNA 0417 1643 00")],
        booked_on=RUN_ON,
    )
    assert [(c.payment.payment_id, c.same_account) for c in found[1]] == [
        (energy.payment_id, True),
        (rent.payment_id, False),
    ]


def test_money_coming_in_gets_no_candidates(world: World) -> None:
    payments = sent_august(world)
    rent = next(p for p in payments if p.cost_type == "huur")
    found = candidates_of(
        world,
        [
            Line(None, rent.amount.cents, credit=True, counterparty_iban=WOONSTAD_IBAN),
            Line(None, rent.amount.cents, counterparty_iban=WOONSTAD_IBAN),
        ],
        booked_on=RUN_ON + timedelta(days=3),
    )
    assert [(position, [c.payment.payment_id for c in found[position]]) for position in found] == [
        (2, [rent.payment_id])
    ]


def test_a_line_booked_long_after_the_run_gets_no_candidates(world: World) -> None:
    payments = sent_august(world)
    rent = next(p for p in payments if p.cost_type == "huur")
    too_late = candidates_of(
        world,
        [Line(None, rent.amount.cents, counterparty_iban=WOONSTAD_IBAN)],
        booked_on=RUN_ON + timedelta(days=run_views.CANDIDATE_DAYS_BEFORE + 1),
    )
    assert too_late == {}
    on_the_last_day = candidates_of(
        world,
        [Line(None, rent.amount.cents)],
        booked_on=RUN_ON + timedelta(days=run_views.CANDIDATE_DAYS_BEFORE),
    )
    assert [c.payment.payment_id for c in on_the_last_day[1]] == [rent.payment_id]


def test_no_more_than_the_maximum_is_offered(world: World) -> None:
    households = run_views.CANDIDATES_PER_LINE_MAX + 1
    payments = sent_august(world, households=households)
    rents = [p for p in payments if p.cost_type == "huur"]
    assert len(rents) == households
    found = candidates_of(world, [Line(None, rents[0].amount.cents)], booked_on=RUN_ON)
    assert [c.payment.payment_id for c in found[1]] == [
        p.payment_id for p in rents[: run_views.CANDIDATES_PER_LINE_MAX]
    ]


def test_another_municipality_s_payments_are_never_offered(world: World, engine: Engine) -> None:
    utrecht = services.create_municipality(UnitOfWork(engine), "0344", "Utrecht", Policy())
    payment_runs.set_bank_account(
        UnitOfWork(engine), utrecht, holder="Gemeente Utrecht", iban="NL76BNGH0285167540", bic=None
    )
    kredietbank = services.create_kredietbank(UnitOfWork(engine), "Kredietbank Utrecht", [utrecht])
    # Utrecht pays the same rent to the same landlord on the same day; its run comes first.
    utrecht_world = World(engine, utrecht, kredietbank, world.creditors)
    utrecht_rent = next(p for p in sent_august(utrecht_world) if p.cost_type == "huur")
    own_rent = next(p for p in sent_august(world) if p.cost_type == "huur")
    assert utrecht_rent.amount == own_rent.amount
    found = candidates_of(
        world, [Line(None, own_rent.amount.cents, counterparty_iban=WOONSTAD_IBAN)], RUN_ON
    )
    assert [c.payment.payment_id for c in found[1]] == [own_rent.payment_id]
