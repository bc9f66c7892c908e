"""Set-based allocation and seeding give exactly what the per-household services give.

Two municipalities get the same households through the services. The households of the first are
allocated one by one with ``services.allocate_month``, those of the second all at once with
``bulk.allocate_municipality_month``; every stored record and every ledger balance must match,
household for household, with ids replaced by what they stand for. On SQLite and PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine, select

from ledger.check import check_ledger
from ledger.model import AccountId
from ledger.money import Money
from ontzorgen import bulk, services
from ontzorgen.accounts import household_accounts
from ontzorgen.arrangement import Decision, LegalBasis
from ontzorgen.households import HouseholdId, Language, Member, MemberRole
from ontzorgen.identifiers import Betalingskenmerk, FreeTextReference
from ontzorgen.months import Month
from ontzorgen.obligations import Frequency
from ontzorgen.phases import ChangeKind, PhaseChange
from ontzorgen.policy import CostType, Policy
from ontzorgen.tables import allocation_lines, incomes, leefgeld_parts
from ontzorgen.unit_of_work import UnitOfWork
from tests.factories import MONTHLY_COSTS, NORM_SINGLE, World, add_newcomer, make_world

MAY, JUNE = Month(2026, 5), Month(2026, 6)
#: Bijstand arrives around the 24th of the month before. May is divided the day after; June only
#: on the 3rd, so weekly leefgeld parts before that day move (``not_before``).
RECEIVED_ON = {MAY: date(2026, 4, 24), JUNE: date(2026, 5, 24)}
ALLOCATED_ON = {MAY: date(2026, 4, 25), JUNE: date(2026, 6, 3)}
COACH = "coach@kredietbank.nl"


@dataclass(frozen=True)
class Case:
    """One kind of household, set up the same way in both municipalities."""

    name: str
    start_on: date = date(2026, 1, 1)
    members: int = 1
    phase: int = 1
    minimum_leefgeld: Money | None = None
    bijstand_end_on: date | None = None
    quarterly_water: bool = False
    toeslag: bool = False


CASES = (
    Case("the worked month of DOMAIN.md, and the June vakantietoeslag"),
    Case("a partial first month: the obligations cannot all be funded", date(2026, 5, 16)),
    Case("a family whose minimum leefgeld leaves water and energy short", members=4),
    Case("a coach decided on no minimum leefgeld", members=3, minimum_leefgeld=Money(0)),
    Case("phase 2 withholds huur and zorg, monthly leefgeld", date(2025, 9, 1), phase=2),
    Case("phase 3 withholds only huur", date(2025, 7, 1), phase=3),
    Case(
        "bijstand ends in May: prorated, the vakantietoeslag paid out",
        bijstand_end_on=date(2026, 5, 20),
    ),
    Case(
        "a quarterly water bill and a toeslag", date(2026, 2, 1), quarterly_water=True, toeslag=True
    ),
)


def second_municipality(world: World) -> World:
    municipality_id = services.create_municipality(world.uow(), "0606", "Schiedam", Policy())
    kredietbank_id = services.create_kredietbank(
        world.uow(), "Kredietbank Schiedam", [municipality_id]
    )
    return World(world.engine, municipality_id, kredietbank_id, world.creditors)


def set_up(world: World, case: Case) -> int:
    costs = dict(MONTHLY_COSTS)
    if case.quarterly_water:
        del costs[CostType.WATER]
    household = add_newcomer(
        world, bijstand_start_on=case.start_on, members=case.members, costs=costs
    )
    household_id = household.household_id
    if case.quarterly_water:
        services.add_obligation(
            world.uow(),
            household_id=household_id,
            cost_type=CostType.WATER,
            creditor_id=world.creditors[CostType.WATER],
            frequency=Frequency.QUARTERLY,
            first_due_on=date(2026, 3, 15),
            amount=Money(7_550),
            reference=FreeTextReference(f"Evides {household_id}"),
            actor=COACH,
        )
    if case.minimum_leefgeld is not None:
        services.set_minimum_leefgeld(
            world.uow(),
            household_id,
            case.minimum_leefgeld,
            decided_on=case.start_on,
            actor=COACH,
            reason="Vaste lasten eerst",
        )
    steps = {2: [(2, date(2026, 5, 1))], 3: [(2, date(2026, 3, 1)), (3, date(2026, 5, 1))]}
    with world.uow() as uow:
        for to_phase, effective_on in steps.get(case.phase, []):
            uow.repository.add_phase_change(
                PhaseChange(
                    household_id,
                    ChangeKind.STEP,
                    to_phase - 1,
                    to_phase,
                    effective_on,
                    date(2026, 4, 10),
                    COACH,
                    "Mijlpalen gehaald",
                )
            )
        uow.commit()
    if case.bijstand_end_on is not None:
        services.end_bijstand(world.uow(), household_id, case.bijstand_end_on)
    if case.toeslag:
        services.record_toeslag(
            world.uow(),
            household_id=household_id,
            month=MAY,
            amount=Money(12_900),
            received_on=date(2026, 4, 20),
            source_reference="zorgtoeslag",
        )
    return household_id


def record_month(world: World, household_id: int, case: Case, month: Month) -> bool:
    if case.bijstand_end_on is not None and case.bijstand_end_on < month.first_day:
        return False
    services.record_bijstand(
        world.uow(),
        household_id=household_id,
        month=month,
        full_month_amount=NORM_SINGLE,
        received_on=RECEIVED_ON[month],
    )
    return True


def snapshot(engine: Engine, household_id: int, month: Month) -> dict[str, Any]:
    """Everything allocation wrote for the household, with ids replaced by what they stand for."""
    with UnitOfWork(engine) as uow:
        repository, connection = uow.repository, uow.connection
        label = {
            obligation.obligation_id: f"{obligation.cost_type}/{obligation.schedule.frequency}"
            for obligation in repository.obligations_of(household_id)
        }
        accounts = household_accounts(repository, household_id)
        role_of: dict[AccountId, str] = {
            accounts.funds: "funds",
            accounts.income: "income",
            accounts.vakantietoeslag: "vakantietoeslag",
            accounts.leefgeld: "leefgeld",
            accounts.arrears: "arrears",
            accounts.shortfall: "shortfall",
        }
        role_of.update(
            {
                account: "reserve " + label[obligation]
                for obligation, account in accounts.reserves.items()
            }
        )
        stored = repository.get_allocation(household_id, month)
        assert stored is not None
        entry = None
        if stored.entry_id is not None:
            posted = uow.ledger.get_entry(stored.entry_id)
            entry = (
                posted.booked_on,
                posted.description,
                (posted.idempotency_key or "").replace(f":{household_id}:", ":<household>:"),
                sorted(
                    (role_of[p.account_id], p.direction.value, p.amount.cents)
                    for p in posted.postings
                ),
            )
        lines = connection.execute(
            select(allocation_lines)
            .where(
                allocation_lines.c.household_id == household_id,
                allocation_lines.c.month == str(month),
            )
            .order_by(allocation_lines.c.obligation_id)
        ).all()
        parts = connection.execute(
            select(
                leefgeld_parts.c.position, leefgeld_parts.c.pay_on, leefgeld_parts.c.amount_cents
            )
            .where(
                leefgeld_parts.c.household_id == household_id, leefgeld_parts.c.month == str(month)
            )
            .order_by(leefgeld_parts.c.position)
        ).all()
        income_rows = connection.execute(
            select(
                incomes.c.month,
                incomes.c.kind,
                incomes.c.gross_cents,
                incomes.c.vakantietoeslag_cents,
                incomes.c.allocated_month,
            )
            .where(incomes.c.household_id == household_id)
            .order_by(incomes.c.month, incomes.c.kind)
        ).all()
        signals = []
        for signal in repository.signals_of(household_id):
            subject = signal.subject
            for obligation_id, text in label.items():
                subject = subject.replace(f":{obligation_id}:", f":{text}:")
            signals.append(
                (
                    signal.kind,
                    subject,
                    signal.urgency,
                    signal.raised_on,
                    signal.message,
                    signal.status,
                )
            )
        return {
            "allocation": replace(stored, household_id=0, entry_id=None),
            "booked": stored.entry_id is not None,
            "entry": entry,
            "lines": [
                (
                    label[line.obligation_id],
                    line.cost_type,
                    line.need_cents,
                    line.reserved_cents,
                    line.arrear_cents,
                    line.due_on,
                )
                for line in lines
            ],
            "parts": [tuple(part) for part in parts],
            "incomes": [tuple(row) for row in income_rows],
            "signals": sorted(signals),
            "balances": sorted(
                (role, uow.ledger.balance(account).cents) for account, role in role_of.items()
            ),
        }


def test_bulk_allocation_stores_exactly_what_the_service_stores(engine: Engine) -> None:
    one_by_one = make_world(engine)
    all_at_once = second_municipality(one_by_one)
    pairs = [(set_up(one_by_one, case), set_up(all_at_once, case), case) for case in CASES]
    for month in (MAY, JUNE):
        allocated = []
        for service_household, bulk_household, case in pairs:
            if record_month(one_by_one, service_household, case, month):
                record_month(all_at_once, bulk_household, case, month)
                services.allocate_month(
                    one_by_one.uow(), service_household, month, today=ALLOCATED_ON[month]
                )
                allocated.append((service_household, bulk_household, case))
        done = bulk.allocate_municipality_month(
            engine, all_at_once.municipality_id, month, ALLOCATED_ON[month]
        )
        assert done.households == len(allocated)
        for service_household, bulk_household, case in allocated:
            assert snapshot(engine, bulk_household, month) == snapshot(
                engine, service_household, month
            ), case.name
    with engine.connect() as connection:
        assert check_ledger(connection).passed


def test_the_cases_cover_shortfalls_phases_and_the_vakantietoeslag(engine: Engine) -> None:
    """The comparison above means something only if the cases reach every branch."""
    world = make_world(engine)
    stored = {}
    for case in CASES:
        household_id = set_up(world, case)
        for month in (MAY, JUNE):
            if record_month(world, household_id, case, month):
                services.allocate_month(world.uow(), household_id, month, today=ALLOCATED_ON[month])
        stored[case.name] = (
            snapshot(engine, household_id, MAY)["allocation"],
            snapshot(engine, household_id, JUNE)["allocation"]
            if case.bijstand_end_on is None
            else None,
        )
    may = {name: pair[0] for name, pair in stored.items()}
    assert {allocation.phase for allocation in may.values()} == {1, 2, 3}
    assert sum(1 for allocation in may.values() if allocation.arrears.cents) >= 2
    assert any(allocation.vakantietoeslag_paid.cents for allocation in may.values())
    june = [pair[1] for pair in stored.values() if pair[1] is not None]
    assert all(allocation.vakantietoeslag_paid.cents for allocation in june)


def test_a_month_divided_by_the_service_is_skipped_by_bulk_and_the_other_way_round(
    engine: Engine,
) -> None:
    world = make_world(engine)
    first, second = add_newcomer(world).household_id, add_newcomer(world).household_id
    for household_id in (first, second):
        services.record_bijstand(
            world.uow(),
            household_id=household_id,
            month=MAY,
            full_month_amount=NORM_SINGLE,
            received_on=RECEIVED_ON[MAY],
        )
    by_service = services.allocate_month(world.uow(), first, MAY, today=ALLOCATED_ON[MAY])
    done = bulk.allocate_municipality_month(engine, world.municipality_id, MAY, ALLOCATED_ON[MAY])
    assert done.households == 1
    again = bulk.allocate_municipality_month(engine, world.municipality_id, MAY, ALLOCATED_ON[MAY])
    assert again.households == 0
    replayed = services.allocate_month(world.uow(), second, MAY, today=ALLOCATED_ON[MAY])
    assert replayed.replayed
    with UnitOfWork(engine) as uow:
        assert uow.repository.get_allocation(first, MAY) == by_service.stored
        entry_ids = {
            uow.repository.get_allocation(household_id, MAY).entry_id  # type: ignore[union-attr]
            for household_id in (first, second)
        }
        assert len(entry_ids) == 2
        for household_id in (first, second):
            accounts = household_accounts(uow.repository, household_id)
            # Booked once: the income account is empty and the leefgeld holds one month.
            assert uow.ledger.balance(accounts.income) == Money(0)
            assert uow.ledger.balance(accounts.leefgeld) == Money(34_661)
        assert check_ledger(uow.connection).passed


def test_bulk_seeding_stores_what_the_services_store(engine: Engine) -> None:
    world = make_world(engine)
    start_on = date(2026, 1, 1)
    by_service = add_newcomer(world, bijstand_start_on=start_on, members=2).household_id
    with world.uow() as uow:
        uow.repository.add_phase_change(
            PhaseChange(
                by_service,
                ChangeKind.STEP,
                1,
                2,
                date(2026, 5, 1),
                date(2026, 4, 10),
                COACH,
                "Mijlpalen gehaald",
            )
        )
        uow.commit()
    with world.uow() as uow:
        household = uow.repository.get_household(by_service)
        arrangement, _ = uow.repository.get_arrangement(by_service)  # type: ignore[misc]
        obligations = uow.repository.obligations_of(by_service)
    new = bulk.NewHousehold(
        name=household.name,
        members=household.members,
        language=household.language,
        leefgeld_iban=household.leefgeld_iban.value,
        leefgeld_account_holder=household.leefgeld_account_holder.value,
        legal_basis=arrangement.legal_basis,
        bijstand_start_on=arrangement.bijstand_start_on,
        decision=arrangement.decision,
        obligations=tuple(
            bulk.NewObligation(
                o.cost_type,
                o.creditor_id,
                o.schedule.frequency,
                o.schedule.first_due_on,
                o.amounts[0].amount,
                o.reference,
            )
            for o in obligations
        ),
        phase_steps=(
            bulk.NewPhaseStep(2, date(2026, 5, 1), date(2026, 4, 10), "Mijlpalen gehaald"),
        ),
    )
    [by_bulk] = bulk.add_households(
        engine, world.municipality_id, world.kredietbank_id, [new], actor=COACH
    )
    services.record_bijstand(
        world.uow(),
        household_id=by_service,
        month=MAY,
        full_month_amount=NORM_SINGLE,
        received_on=RECEIVED_ON[MAY],
    )
    assert (
        bulk.record_bijstand(engine, MAY, [(by_bulk, NORM_SINGLE)], received_on=RECEIVED_ON[MAY])
        == 1
    )
    assert (
        bulk.record_bijstand(engine, MAY, [(by_bulk, NORM_SINGLE)], received_on=RECEIVED_ON[MAY])
        == 0
    )
    with world.uow() as uow:
        repository = uow.repository
        seeded = repository.get_household(by_bulk)
        assert replace(seeded, household_id=HouseholdId(by_service)) == repository.get_household(
            by_service
        )
        assert repository.get_arrangement(by_bulk) == (
            replace(arrangement, household_id=by_bulk),
            repository.get_arrangement(by_service)[1],  # type: ignore[index]
        )
        assert [
            replace(change, household_id=0) for change in repository.phase_changes_of(by_bulk)
        ] == [replace(change, household_id=0) for change in repository.phase_changes_of(by_service)]
        assert [
            (o.cost_type, o.creditor_id, o.schedule, o.amounts, o.reference)
            for o in repository.obligations_of(by_bulk)
        ] == [
            (o.cost_type, o.creditor_id, o.schedule, o.amounts, o.reference)
            for o in repository.obligations_of(by_service)
        ]
        roles = sorted(role for role, _, _ in repository.household_accounts(by_bulk))
        assert roles == sorted(role for role, _, _ in repository.household_accounts(by_service))
    assert snapshot_income(engine, by_bulk) == snapshot_income(engine, by_service)
    with engine.connect() as connection:
        assert check_ledger(connection).passed


def snapshot_income(engine: Engine, household_id: int) -> list[Any]:
    with UnitOfWork(engine) as uow:
        accounts = household_accounts(uow.repository, household_id)
        rows = uow.connection.execute(
            select(
                incomes.c.month,
                incomes.c.kind,
                incomes.c.full_month_cents,
                incomes.c.gross_cents,
                incomes.c.vakantietoeslag_cents,
                incomes.c.received_on,
            ).where(incomes.c.household_id == household_id)
        ).all()
        balances = [
            uow.ledger.balance(account).cents
            for account in (accounts.funds, accounts.income, accounts.vakantietoeslag)
        ]
        return [*map(tuple, rows), balances]


def test_seeding_refuses_what_the_services_refuse(engine: Engine) -> None:
    world = make_world(engine)
    valid = bulk.NewHousehold(
        name="Huishouden Yilmaz",
        members=(Member("Emre Yilmaz", MemberRole.APPLICANT),),
        language=Language.TURKISH,
        leefgeld_iban="NL91ABNA0417164300",
        leefgeld_account_holder="E. Yilmaz",
        legal_basis=LegalBasis.ART_56A,
        bijstand_start_on=date(2026, 1, 1),
        decision=Decision(date(2025, 12, 20), COACH, "ONT-1"),
        obligations=(
            bulk.NewObligation(
                CostType.HUUR,
                world.creditors[CostType.HUUR],
                Frequency.MONTHLY,
                date(2026, 1, 1),
                Money(65_000),
                Betalingskenmerk.with_check_digit("000000012345678"),
            ),
        ),
    )
    bad_iban = replace(valid, leefgeld_iban="NL91ABNA0417164301")
    jump = replace(
        valid, phase_steps=(bulk.NewPhaseStep(3, date(2026, 8, 1), date(2026, 7, 1), "x"),)
    )
    for refused in (bad_iban, jump):
        with pytest.raises(Exception):  # noqa: B017 (each is the domain's own named error)
            bulk.add_households(
                engine, world.municipality_id, world.kredietbank_id, [valid, refused], actor=COACH
            )
    with world.uow() as uow:
        assert uow.repository.household_ids() == []
