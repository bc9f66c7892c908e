"""The ledger accounts of one household, and what each one means.

Every household has its own set, so bookings for different households never touch the same row:
- ``funds`` (asset): money held at the bank for this household;
- ``income`` (liability): clearing account for income awaiting allocation; empty after allocation;
- ``vakantietoeslag`` (liability): the 5% reserved each month until it is paid out;
- ``reserve`` per obligation (liability): money held for that creditor;
- ``leefgeld`` (liability): owed to the newcomer until paid;
- ``arrears`` (liability) against ``shortfall`` (asset): the part of the obligations the income
  could not fund; memorandum accounts that show the debt without pretending the money exists.
None of them may go negative.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from ledger.model import AccountId, AccountKind
from ledger.store import AccountSpec, LedgerStore
from ontzorgen.obligations import ObligationId
from ontzorgen.repository import Repository

NO_OBLIGATION = ObligationId(0)


class AccountRole(enum.StrEnum):
    FUNDS = "funds"
    INCOME = "income"
    VAKANTIETOESLAG = "vakantietoeslag"
    RESERVE = "reserve"
    LEEFGELD = "leefgeld"
    ARREARS = "arrears"
    SHORTFALL = "shortfall"


_KIND = {
    AccountRole.FUNDS: AccountKind.ASSET,
    AccountRole.SHORTFALL: AccountKind.ASSET,
}
_NAMES = {
    AccountRole.FUNDS: "Geld in beheer",
    AccountRole.INCOME: "Inkomsten te verdelen",
    AccountRole.VAKANTIETOESLAG: "Gereserveerde vakantietoeslag",
    AccountRole.RESERVE: "Reservering",
    AccountRole.LEEFGELD: "Leefgeld te betalen",
    AccountRole.ARREARS: "Achterstand",
    AccountRole.SHORTFALL: "Tekort",
}


@dataclass(frozen=True, slots=True)
class HouseholdAccounts:
    funds: AccountId
    income: AccountId
    vakantietoeslag: AccountId
    leefgeld: AccountId
    arrears: AccountId
    shortfall: AccountId
    reserves: dict[ObligationId, AccountId]


def _spec(household_id: int, role: AccountRole, obligation_id: int) -> AccountSpec:
    suffix = f"/{obligation_id}" if role is AccountRole.RESERVE else ""
    return AccountSpec(
        code=f"hh/{household_id}/{role.value}{suffix}",
        name=_NAMES[role] + (f" verplichting {obligation_id}" if suffix else ""),
        kind=_KIND.get(role, AccountKind.LIABILITY),
        negative_forbidden=True,
    )


def open_household_accounts(ledger: LedgerStore, repository: Repository, household_id: int) -> None:
    roles = [role for role in AccountRole if role is not AccountRole.RESERVE]
    ids = ledger.open_accounts([_spec(household_id, role, 0) for role in roles])
    for role, account_id in zip(roles, ids, strict=True):
        repository.add_household_account(household_id, role.value, NO_OBLIGATION, account_id)


def open_reserve_account(
    ledger: LedgerStore, repository: Repository, household_id: int, obligation_id: ObligationId
) -> AccountId:
    account_id = ledger.open_accounts([_spec(household_id, AccountRole.RESERVE, obligation_id)])[0]
    repository.add_household_account(
        household_id, AccountRole.RESERVE.value, obligation_id, account_id
    )
    return account_id


def household_accounts(repository: Repository, household_id: int) -> HouseholdAccounts:
    rows = repository.household_accounts(household_id)
    single = {AccountRole(role): account for role, obligation, account in rows if obligation == 0}
    return HouseholdAccounts(
        funds=single[AccountRole.FUNDS],
        income=single[AccountRole.INCOME],
        vakantietoeslag=single[AccountRole.VAKANTIETOESLAG],
        leefgeld=single[AccountRole.LEEFGELD],
        arrears=single[AccountRole.ARREARS],
        shortfall=single[AccountRole.SHORTFALL],
        reserves={
            ObligationId(obligation): account
            for role, obligation, account in rows
            if role == AccountRole.RESERVE.value
        },
    )
