"""Ready-made municipalities, creditors and households for service and scenario tests.

The figures are DOMAIN.md §5's worked month: a single newcomer, norm €1.369,06 incl.
vakantietoeslag, huur €650,00 due on the 1st, zorgpremie €159,00, energie €120,00, water €25,00.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import Engine

from ledger.money import Money
from ontzorgen import payment_runs, services
from ontzorgen.arrangement import Decision, LegalBasis
from ontzorgen.households import Address, CreditorKind, Language, Member, MemberRole
from ontzorgen.identifiers import Betalingskenmerk, FreeTextReference
from ontzorgen.months import Month
from ontzorgen.obligations import CreditorId, Frequency, ObligationId
from ontzorgen.policy import CostType, Policy
from ontzorgen.run_repository import PaymentRecord
from ontzorgen.unit_of_work import UnitOfWork

NORM_SINGLE = Money(136_906)
MONTHLY_COSTS = {
    CostType.HUUR: Money(65_000),
    CostType.ZORGVERZEKERING: Money(15_900),
    CostType.ENERGIE: Money(12_000),
    CostType.WATER: Money(2_500),
}
CREDITORS = {
    CostType.HUUR: ("Woonstad Rotterdam", "NL44RABO0123456789", CreditorKind.WONINGCORPORATIE),
    CostType.ZORGVERZEKERING: (
        "Zilveren Kruis Zorgverzekeringen N.V.",
        "NL20INGB0001234567",
        CreditorKind.ZORGVERZEKERAAR,
    ),
    CostType.ENERGIE: (
        "Eneco Consumenten B.V.",
        "NL91ABNA0417164300",
        CreditorKind.ENERGIELEVERANCIER,
    ),
    CostType.WATER: ("Evides N.V.", "NL14BNGH0285001234", CreditorKind.WATERBEDRIJF),
}
NEWCOMER_IBAN = "NL66ASNB0707070707"


@dataclass(frozen=True)
class World:
    engine: Engine
    municipality_id: int
    kredietbank_id: int
    creditors: dict[CostType, CreditorId]

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.engine)


@dataclass(frozen=True)
class NewcomerHousehold:
    household_id: int
    obligations: dict[CostType, ObligationId]


def make_world(engine: Engine, policy: Policy | None = None) -> World:
    municipality_id = services.create_municipality(
        UnitOfWork(engine), "0599", "Rotterdam", policy or Policy()
    )
    kredietbank_id = services.create_kredietbank(
        UnitOfWork(engine), "Kredietbank Rijnmond", [municipality_id]
    )
    creditors = {
        cost_type: services.register_creditor(
            UnitOfWork(engine),
            name=name,
            iban=iban,
            bic=None,
            kind=kind,
            address=Address("Coolsingel", "40", "3011 AD", "Rotterdam"),
        )
        for cost_type, (name, iban, kind) in CREDITORS.items()
    }
    return World(engine, municipality_id, kredietbank_id, creditors)


def make_paying_world(engine: Engine) -> World:
    """A world whose municipality has the bank account its payment runs are paid from."""
    world = make_world(engine)
    payment_runs.set_bank_account(
        world.uow(),
        world.municipality_id,
        holder="Gemeente Rotterdam",
        iban="NL14BNGH0285001234",
        bic=None,
    )
    return world


def add_newcomer(
    world: World,
    *,
    bijstand_start_on: date = date(2026, 1, 1),
    members: int = 1,
    costs: dict[CostType, Money] | None = None,
    name: str = "Huishouden Haile",
) -> NewcomerHousehold:
    people = [Member("Amanuel Haile", MemberRole.APPLICANT)] + [
        Member(f"Kind {n}", MemberRole.CHILD) for n in range(1, members)
    ]
    household_id = services.register_household(
        world.uow(),
        municipality_id=world.municipality_id,
        kredietbank_id=world.kredietbank_id,
        name=name,
        members=people,
        language=Language.TIGRINYA,
        leefgeld_iban=NEWCOMER_IBAN,
        leefgeld_account_holder="A. Haile",
    )
    services.record_arrangement(
        world.uow(),
        household_id=household_id,
        legal_basis=LegalBasis.ART_56A,
        bijstand_start_on=bijstand_start_on,
        machtiging_signed_on=bijstand_start_on,
        decision=Decision(bijstand_start_on, "w.devries@rotterdam.nl", f"ONT-{household_id:05d}"),
    )
    obligations = {}
    first_month = date(bijstand_start_on.year, bijstand_start_on.month, 1)
    for cost_type, amount in (costs if costs is not None else MONTHLY_COSTS).items():
        reference = (
            Betalingskenmerk.with_check_digit(
                f"{household_id:07d}{cost_type.value[:2].encode().hex()[:4]}0000"
            )
            if cost_type is CostType.HUUR
            else FreeTextReference(f"Klantnummer {household_id}-{cost_type.value}")
        )
        obligations[cost_type] = services.add_obligation(
            world.uow(),
            household_id=household_id,
            cost_type=cost_type,
            creditor_id=world.creditors[cost_type],
            frequency=Frequency.MONTHLY,
            first_due_on=first_month,
            amount=amount,
            reference=reference,
            actor="coach@kredietbank.nl",
        )
    return NewcomerHousehold(household_id, obligations)


def allocate_full_month(
    world: World,
    household: NewcomerHousehold,
    month: Month,
    received_on: date | None = None,
    amount: Money = NORM_SINGLE,
) -> services.MonthAllocation:
    """Record the month's full bijstand (the norm for a single person unless given), received on
    ``received_on`` (the 24th of the month before unless given), and divide the month that day."""
    if received_on is None:
        received_on = month.previous().first_day.replace(day=24)
    services.record_bijstand(
        world.uow(),
        household_id=household.household_id,
        month=month,
        full_month_amount=amount,
        received_on=received_on,
    )
    return services.allocate_month(world.uow(), household.household_id, month, today=received_on)


def execute_run_on(world: World, run_on: date) -> list[PaymentRecord]:
    """Prepare the municipality's run for ``run_on``, approve it by a second person and execute
    it that morning; the run's payments, as sent."""
    run = payment_runs.prepare_run(world.uow(), world.municipality_id, run_on, actor="preparer")
    payment_runs.approve_run(world.uow(), run.run.run_id, actor="approver")
    payment_runs.execute_run(
        world.uow(),
        run.run.run_id,
        actor="approver",
        today=run_on,
        now=datetime.combine(run_on, time(8), tzinfo=UTC),
    )
    with world.uow() as uow:
        return uow.runs.payments_of(run.run.run_id)
