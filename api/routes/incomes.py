"""A household's income: the bijstand months and toeslagen booked into its ledger.

Recording income moves money in the ledger, so it takes an ``Idempotency-Key``. The use case is
idempotent itself per household, month, kind and source reference: recording the same income
again books nothing and answers 200 with what was booked the first time.
"""

from __future__ import annotations

import enum
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import Field, field_validator, model_validator

from api.dependencies import UowFactoryDep
from api.idempotency import IdempotencyDep
from api.schemas import (
    MONTH_PATTERN,
    Amount,
    Page,
    PageAfter,
    PageSize,
    PositiveAmount,
    Schema,
    amount,
    money,
    page_links,
)
from api.security import Granted, require
from ontzorgen import services
from ontzorgen.access import Permission
from ontzorgen.months import Month
from ontzorgen.unit_of_work import UnitOfWork
from ontzorgen.views.plan import IncomeView, incomes_page

router = APIRouter(tags=["incomes"])


class IncomeKindBody(enum.StrEnum):
    BIJSTAND = "bijstand"
    TOESLAG = "toeslag"


class NewIncome(Schema):
    kind: IncomeKindBody
    month: str = Field(pattern=MONTH_PATTERN, examples=["2026-01"], description="YYYY-MM.")
    amount: PositiveAmount = Field(
        description="For bijstand the full month's norm including vakantietoeslag (a partial "
        "month is prorated and 5% reserved); for a toeslag the amount received."
    )
    received_on: date
    source_reference: str = Field(
        default="",
        max_length=64,
        description="The payer's reference; one booking per month, kind and reference. "
        "Required for a toeslag.",
    )

    @field_validator("amount")
    @classmethod
    def _more_than_zero(cls, text: str) -> str:
        if money(text).cents == 0:
            raise ValueError("Income must be more than zero.")
        return text

    @model_validator(mode="after")
    def _toeslag_has_a_reference(self) -> NewIncome:
        if self.kind is IncomeKindBody.TOESLAG and not self.source_reference.strip():
            raise ValueError("A toeslag needs the payer's sourceReference.")
        return self


class IncomeOut(Schema):
    id: int
    household_id: int
    kind: str
    month: str
    source_reference: str
    full_month_amount: Amount = Field(description="What was sent: the month's norm or toeslag.")
    gross_amount: Amount = Field(description="Booked, after proration of a partial month.")
    vakantietoeslag: Amount = Field(description="Reserved for the vakantietoeslag payout.")
    net_amount: Amount = Field(description="What arrived to be allocated.")
    received_on: date
    allocated_month: str | None = Field(description="The allocation that divided it, if any.")

    @classmethod
    def of(cls, view: IncomeView) -> IncomeOut:
        return cls(
            id=view.income_id,
            household_id=view.household_id,
            kind=view.kind,
            month=view.month,
            source_reference=view.source_reference,
            full_month_amount=amount(view.full_month_amount),
            gross_amount=amount(view.gross),
            vakantietoeslag=amount(view.vakantietoeslag),
            net_amount=amount(view.net),
            received_on=view.received_on,
            allocated_month=view.allocated_month,
        )


@router.get("/households/{household_id}/incomes", response_model=Page[IncomeOut])
def list_incomes(
    household_id: int,
    request: Request,
    uow: UowFactoryDep,
    granted: Annotated[Granted, require(Permission.READ_HOUSEHOLD, "household")],
    size: PageSize = 50,
    after: PageAfter = 0,
) -> Page[IncomeOut]:
    with uow() as work:
        found = incomes_page(work.connection, household_id, after_id=after, limit=size)
    items = [IncomeOut.of(view) for view in found]
    return Page(items=items, links=page_links(request, [item.id for item in items], size, after))


def _record(make_uow: UowFactoryDep, household_id: int, body: NewIncome) -> JSONResponse:
    month = Month.parse(body.month)
    if body.kind is IncomeKindBody.BIJSTAND:
        recorded = services.record_bijstand(
            make_uow(),
            household_id=household_id,
            month=month,
            full_month_amount=money(body.amount),
            received_on=body.received_on,
            source_reference=body.source_reference,
        )
    else:
        recorded = services.record_toeslag(
            make_uow(),
            household_id=household_id,
            month=month,
            amount=money(body.amount),
            received_on=body.received_on,
            source_reference=body.source_reference,
        )
    booked = _booked(make_uow(), household_id, body)
    return JSONResponse(
        booked.model_dump(by_alias=True, mode="json"),
        status_code=200 if recorded.replayed else 201,
    )


def _booked(uow: UnitOfWork, household_id: int, body: NewIncome) -> IncomeOut:
    """What the ledger holds for this income: on a replay, the first booking's figures."""
    with uow:
        found = incomes_page(
            uow.connection,
            household_id,
            month=body.month,
            kind=body.kind.value,
            source_reference=body.source_reference,
        )
    assert found, "the income was just recorded"
    return IncomeOut.of(found[0])


@router.post(
    "/households/{household_id}/incomes",
    response_model=IncomeOut,
    status_code=201,
    responses={200: {"description": "This income was already booked; nothing was booked again."}},
)
def record_income(
    household_id: int,
    body: NewIncome,
    uow: UowFactoryDep,
    idempotency: IdempotencyDep,
    granted: Annotated[Granted, require(Permission.RECORD_INCOME, "household")],
) -> Response:
    return idempotency.respond(lambda: _record(uow, household_id, body), status_code=201)
