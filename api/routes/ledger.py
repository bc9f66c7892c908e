"""A household's own ledger: its accounts with their balances, and each account's postings.

Everyone who may read the household may read its ledger (a newcomer their own). Amounts are
strings with two decimals; a posting page continues after an account sequence number.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Request

from api.dependencies import UowFactoryDep
from api.schemas import Amount, Page, PageAfter, PageSize, Schema, amount, page_links
from api.security import Granted, require
from ledger.model import AccountKind, Direction
from ontzorgen.access import Permission
from ontzorgen.accounts import AccountRole
from ontzorgen.monthly_statements import COST_TYPE_NAMES
from ontzorgen.policy import CostType
from ontzorgen.views.ledger import accounts_of, postings_of

router = APIRouter(tags=["ledger"])

AccountId = Annotated[int, Path(ge=1, le=2**62, description="A ledger account of the household.")]


class LedgerAccountOut(Schema):
    id: int
    code: str
    name: str
    role: AccountRole
    kind: AccountKind
    obligation_id: int | None
    cost_type: CostType | None
    cost_type_name: str | None
    creditor_name: str | None
    balance: Amount
    posting_count: int
    last_booked_on: date | None


class LedgerOut(Schema):
    household_id: int
    accounts: list[LedgerAccountOut]


class PostingOut(Schema):
    account_seq: int
    booked_on: date
    description: str
    direction: Literal["debit", "credit"]
    amount: Amount
    balance_after: Amount
    entry_id: int


@router.get("/households/{household_id}/ledger", response_model=LedgerOut)
def read_ledger(
    household_id: int,
    uow: UowFactoryDep,
    granted: Annotated[Granted, require(Permission.READ_HOUSEHOLD, "household")],
) -> LedgerOut:
    with uow() as work:
        found = accounts_of(work.connection, household_id)
    items = []
    for account in found:
        cost_type = None if account.cost_type is None else CostType(account.cost_type)
        items.append(
            LedgerAccountOut(
                id=account.account_id,
                code=account.code,
                name=account.name,
                role=AccountRole(account.role),
                kind=AccountKind(account.kind),
                obligation_id=account.obligation_id,
                cost_type=cost_type,
                cost_type_name=None if cost_type is None else COST_TYPE_NAMES[cost_type],
                creditor_name=account.creditor_name,
                balance=amount(account.balance),
                posting_count=account.posting_count,
                last_booked_on=account.last_booked_on,
            )
        )
    return LedgerOut(household_id=household_id, accounts=items)


@router.get(
    "/households/{household_id}/ledger/accounts/{account_id}/postings",
    response_model=Page[PostingOut],
)
def list_postings(
    household_id: int,
    account_id: AccountId,
    request: Request,
    uow: UowFactoryDep,
    granted: Annotated[Granted, require(Permission.READ_HOUSEHOLD, "household")],
    size: PageSize = 50,
    after: PageAfter = 0,
) -> Page[PostingOut]:
    with uow() as work:
        found = postings_of(work.connection, household_id, account_id, after_seq=after, limit=size)
    items = [
        PostingOut(
            account_seq=posting.account_seq,
            booked_on=posting.booked_on,
            description=posting.description,
            direction="debit" if posting.direction is Direction.DEBIT else "credit",
            amount=amount(posting.amount),
            balance_after=amount(posting.balance_after),
            entry_id=posting.entry_id,
        )
        for posting in found
    ]
    return Page(
        items=items, links=page_links(request, [item.account_seq for item in items], size, after)
    )
