"""What a "Dan" step looks at: the stored state of one household, read in a fresh transaction.

The steps check what the database holds after a use case committed, not only what a service
returned in memory, so a scenario fails when something is decided but not stored (on either
database).
"""

from __future__ import annotations

from datetime import date

from ledger.money import Money
from ontzorgen.accounts import household_accounts
from ontzorgen.arrangement import Arrangement
from ontzorgen.months import Month
from ontzorgen.obligations import ObligationId
from ontzorgen.phases import phase_on
from ontzorgen.policy import CostType, Policy
from ontzorgen.repository import Proposal, SignalRecord, StoredAllocation
from ontzorgen.unit_of_work import UnitOfWork
from tests.factories import NewcomerHousehold, World


def policy_of(world: World) -> Policy:
    with world.uow() as uow:
        return uow.repository.get_municipality(world.municipality_id).policy


def arrangement_of(world: World, household: NewcomerHousehold) -> Arrangement:
    with world.uow() as uow:
        found = uow.repository.get_arrangement(household.household_id)
    assert found is not None, "het huishouden heeft geen ontzorging"
    return found[0]


def stored_allocation(world: World, household: NewcomerHousehold, month: Month) -> StoredAllocation:
    with world.uow() as uow:
        found = uow.repository.get_allocation(household.household_id, month)
    assert found is not None, f"{month} is niet verdeeld"
    return found


def phase_in_force(world: World, household: NewcomerHousehold, day: date) -> int | None:
    with world.uow() as uow:
        return phase_on(uow.repository.phase_changes_of(household.household_id), day)


def open_proposal(world: World, household: NewcomerHousehold) -> Proposal | None:
    with world.uow() as uow:
        return uow.repository.open_proposal(household.household_id)


def signals(world: World, household: NewcomerHousehold) -> list[SignalRecord]:
    with world.uow() as uow:
        return uow.repository.signals_of(household.household_id)


def cost_type_of(household: NewcomerHousehold, obligation_id: ObligationId) -> CostType:
    for cost_type, candidate in household.obligations.items():
        if candidate == obligation_id:
            return cost_type
    raise AssertionError(f"verplichting {obligation_id} hoort niet bij dit huishouden")


def reserve_balances(world: World, household: NewcomerHousehold) -> dict[CostType, Money]:
    """What stands on the reserve of each obligation in the ledger."""
    with world.uow() as uow:
        accounts = household_accounts(uow.repository, household.household_id)
        return {
            cost_type_of(household, obligation_id): uow.ledger.balance(account)
            for obligation_id, account in accounts.reserves.items()
        }


def balances(world: World, household: NewcomerHousehold) -> dict[str, Money]:
    """The household's other ledger accounts, by role."""
    with world.uow() as uow:
        accounts = household_accounts(uow.repository, household.household_id)
        return {
            "income": uow.ledger.balance(accounts.income),
            "vakantietoeslag": uow.ledger.balance(accounts.vakantietoeslag),
            "leefgeld": uow.ledger.balance(accounts.leefgeld),
            "arrears": uow.ledger.balance(accounts.arrears),
            "shortfall": uow.ledger.balance(accounts.shortfall),
        }


def household_balances(uow: UnitOfWork, household: NewcomerHousehold) -> dict[str, Money]:
    """Every account of the household by role; reserves by their Dutch cost type."""
    accounts = household_accounts(uow.repository, household.household_id)
    roles = {
        "funds": accounts.funds,
        "income": accounts.income,
        "vakantietoeslag": accounts.vakantietoeslag,
        "leefgeld": accounts.leefgeld,
        "arrears": accounts.arrears,
        "shortfall": accounts.shortfall,
    }
    roles.update(
        {
            cost_type_of(household, obligation_id).value: account
            for obligation_id, account in accounts.reserves.items()
        }
    )
    return {role: uow.ledger.balance(account) for role, account in roles.items()}
