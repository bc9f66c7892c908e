"""Allocations: how a household's income was divided, month by month, and dividing a month.

Dividing a month books money in the ledger, so ``POST`` takes an ``Idempotency-Key``. The use case
is idempotent itself: dividing a month that was already divided (with another key) books nothing
and answers 200 with what was booked the first time; a new division answers 201.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import Field

from api.dependencies import TodayDep, UowFactoryDep
from api.idempotency import IdempotencyDep
from api.schemas import MONTH_PATTERN, Amount, Links, Page, PageSize, Schema, amount
from api.security import Granted, require
from ontzorgen import services
from ontzorgen.access import Permission
from ontzorgen.months import Month
from ontzorgen.views.allocations import (
    AllocationDetail,
    AllocationSummary,
    allocation_of,
    allocations_of,
)

router = APIRouter(tags=["allocations"])


class AllocationSummaryOut(Schema):
    month: str = Field(pattern=MONTH_PATTERN, examples=["2026-01"])
    phase: int
    income: Amount
    minimum_leefgeld: Amount
    reserved: Amount
    arrears: Amount
    leefgeld: Amount = Field(description="Leefgeld of the month, vakantietoeslag paid included.")
    vakantietoeslag_paid: Amount
    allocated_on: date

    @classmethod
    def of(cls, summary: AllocationSummary) -> AllocationSummaryOut:
        return cls(
            month=str(summary.month),
            phase=summary.phase,
            income=amount(summary.income),
            minimum_leefgeld=amount(summary.minimum_leefgeld),
            reserved=amount(summary.reserved),
            arrears=amount(summary.arrears),
            leefgeld=amount(summary.leefgeld),
            vakantietoeslag_paid=amount(summary.vakantietoeslag_paid),
            allocated_on=summary.allocated_on,
        )


class AllocationLineOut(Schema):
    obligation_id: int
    cost_type: str
    creditor_name: str
    need: Amount
    reserved: Amount
    arrear: Amount
    due_on: date | None


class LeefgeldPartOut(Schema):
    position: int
    pay_on: date
    amount: Amount


class AllocationOut(AllocationSummaryOut):
    lines: list[AllocationLineOut]
    leefgeld_parts: list[LeefgeldPartOut]

    @classmethod
    def of_detail(cls, detail: AllocationDetail) -> AllocationOut:
        return cls(
            **AllocationSummaryOut.of(detail.summary).model_dump(),
            lines=[
                AllocationLineOut(
                    obligation_id=line.obligation_id,
                    cost_type=line.cost_type,
                    creditor_name=line.creditor_name,
                    need=amount(line.need),
                    reserved=amount(line.reserved),
                    arrear=amount(line.arrear),
                    due_on=line.due_on,
                )
                for line in detail.lines
            ],
            leefgeld_parts=[
                LeefgeldPartOut(
                    position=part.position, pay_on=part.pay_on, amount=amount(part.amount)
                )
                for part in detail.leefgeld_parts
            ],
        )


class NewAllocation(Schema):
    month: str = Field(pattern=MONTH_PATTERN, examples=["2026-02"])


MonthPath = Annotated[
    str, Path(pattern=MONTH_PATTERN, examples=["2026-01"], description="The month, YYYY-MM.")
]
MonthAfter = Annotated[
    str | None,
    Query(
        alias="after",
        pattern=MONTH_PATTERN,
        description="Continue after this month (from the next link).",
    ),
]


@router.get("/households/{household_id}/allocations", response_model=Page[AllocationSummaryOut])
def list_allocations(
    household_id: int,
    request: Request,
    uow: UowFactoryDep,
    granted: Annotated[Granted, require(Permission.READ_HOUSEHOLD, "household")],
    size: PageSize = 50,
    after: MonthAfter = None,
) -> Page[AllocationSummaryOut]:
    with uow() as work:
        found = allocations_of(
            work.connection,
            household_id,
            after=None if after is None else Month.parse(after),
            limit=size,
        )
    url = request.url
    next_link = (
        str(url.include_query_params(after=str(found[-1].month), pageSize=size))
        if len(found) == size
        else None
    )
    prev_link = str(url.remove_query_params("after")) if after is not None else None
    return Page(
        items=[AllocationSummaryOut.of(summary) for summary in found],
        links=Links(self_=str(url), next=next_link, prev=prev_link),
    )


@router.get("/households/{household_id}/allocations/{month}", response_model=AllocationOut)
def read_allocation(
    household_id: int,
    month: MonthPath,
    uow: UowFactoryDep,
    granted: Annotated[Granted, require(Permission.READ_HOUSEHOLD, "household")],
) -> AllocationOut:
    with uow() as work:
        detail = allocation_of(work.connection, household_id, Month.parse(month))
    if detail is None:
        raise HTTPException(404, f"Household {household_id} has no allocation for {month}.")
    return AllocationOut.of_detail(detail)


@router.post(
    "/households/{household_id}/allocations",
    response_model=AllocationOut,
    status_code=201,
    responses={200: {"description": "The month was divided before; nothing was booked again."}},
)
def allocate_month(
    household_id: int,
    body: NewAllocation,
    uow: UowFactoryDep,
    today: TodayDep,
    granted: Annotated[Granted, require(Permission.ALLOCATE, "household")],
    idempotency: IdempotencyDep,
) -> Response:
    month = Month.parse(body.month)

    def divide() -> Response:
        result = services.allocate_month(uow(), household_id, month, today=today)
        with uow() as work:
            detail = allocation_of(work.connection, household_id, month)
        assert detail is not None, "an allocated month has its row"
        return JSONResponse(
            jsonable_encoder(AllocationOut.of_detail(detail), by_alias=True),
            status_code=200 if result.replayed else 201,
        )

    return idempotency.respond(divide)
