"""A household's own ledger as a reader sees it: its accounts with their balances, and one
account's postings page by page.

Read-only. The accounts are the household's set (``ontzorgen.accounts``); a posting page is a
range of the primary key (account_id, account_seq), so page 1,000 costs what page 1 costs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection, select

from ledger.model import Direction
from ledger.money import Money
from ledger.schema import accounts as ledger_accounts
from ledger.schema import entries as ledger_entries
from ledger.schema import postings as ledger_postings
from ontzorgen.errors import OntzorgenError
from ontzorgen.tables import creditors, household_accounts, obligations

#: A posting as the views show it, with its entry's description (joined on ``entry_id``).
POSTING_COLUMNS = (
    ledger_postings.c.account_seq,
    ledger_postings.c.booked_on,
    ledger_postings.c.direction,
    ledger_postings.c.amount_cents,
    ledger_postings.c.balance_after_cents,
    ledger_postings.c.entry_id,
    ledger_entries.c.description,
)


class AccountNotOfHousehold(OntzorgenError):
    """An account was asked for under a household it does not belong to."""

    def __init__(self, household_id: int, account_id: int) -> None:
        super().__init__(
            f"Household {household_id} has no ledger account {account_id}. List the household's "
            "ledger for its accounts."
        )
        self.household_id, self.account_id = household_id, account_id


@dataclass(frozen=True, slots=True)
class HouseholdAccountView:
    account_id: int
    code: str
    name: str
    role: str
    kind: str
    obligation_id: int | None
    cost_type: str | None
    creditor_name: str | None
    balance: Money
    posting_count: int
    last_booked_on: date | None


@dataclass(frozen=True, slots=True)
class PostingView:
    account_seq: int
    booked_on: date
    description: str
    direction: Direction
    amount: Money
    balance_after: Money
    entry_id: int


def accounts_of(connection: Connection, household_id: int) -> list[HouseholdAccountView]:
    """The household's accounts, the fixed ones first, then a reserve per obligation."""
    rows = connection.execute(
        select(
            household_accounts.c.account_id,
            household_accounts.c.role,
            household_accounts.c.obligation_id,
            ledger_accounts.c.code,
            ledger_accounts.c.name,
            ledger_accounts.c.kind,
            ledger_accounts.c.balance_cents,
            ledger_accounts.c.posting_count,
            ledger_accounts.c.last_booked_on,
            obligations.c.cost_type,
            creditors.c.name.label("creditor_name"),
        )
        .select_from(
            household_accounts.join(
                ledger_accounts, ledger_accounts.c.id == household_accounts.c.account_id
            )
            .outerjoin(obligations, obligations.c.id == household_accounts.c.obligation_id)
            .outerjoin(creditors, creditors.c.id == obligations.c.creditor_id)
        )
        .where(household_accounts.c.household_id == household_id)
        .order_by(household_accounts.c.obligation_id, household_accounts.c.account_id)
    )
    return [
        HouseholdAccountView(
            account_id=row.account_id,
            code=row.code,
            name=row.name,
            role=row.role,
            kind=row.kind,
            obligation_id=row.obligation_id or None,
            cost_type=row.cost_type,
            creditor_name=row.creditor_name,
            balance=Money(row.balance_cents),
            posting_count=row.posting_count,
            last_booked_on=row.last_booked_on,
        )
        for row in rows
    ]


def postings_of(
    connection: Connection, household_id: int, account_id: int, *, after_seq: int, limit: int
) -> list[PostingView]:
    """The account's postings in order after ``after_seq``; refused when the account is not one
    of the household's."""
    owned = connection.execute(
        select(household_accounts.c.account_id).where(
            household_accounts.c.household_id == household_id,
            household_accounts.c.account_id == account_id,
        )
    ).first()
    if owned is None:
        raise AccountNotOfHousehold(household_id, account_id)
    rows = connection.execute(
        select(*POSTING_COLUMNS)
        .select_from(
            ledger_postings.join(ledger_entries, ledger_entries.c.id == ledger_postings.c.entry_id)
        )
        .where(
            ledger_postings.c.account_id == account_id, ledger_postings.c.account_seq > after_seq
        )
        .order_by(ledger_postings.c.account_seq)
        .limit(limit)
    )
    return [
        PostingView(
            account_seq=row.account_seq,
            booked_on=row.booked_on,
            description=row.description,
            direction=Direction(row.direction),
            amount=Money(row.amount_cents),
            balance_after=Money(row.balance_after_cents),
            entry_id=row.entry_id,
        )
        for row in rows
    ]
