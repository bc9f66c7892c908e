"""The income department's reports over its municipality, as JSON or, with ``Accept: text/csv``,
as a CSV file to open in a spreadsheet: households per phase, open arrears, and paid amounts per
month, creditor and cost type. The queries are in ``ontzorgen.views.reports``.
"""

from __future__ import annotations

from datetime import date
from itertools import groupby
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import Field

from api.csv import CSV_RESPONSE, wants_csv
from api.dependencies import TodayDep, UowFactoryDep
from api.report_exports import (
    PAID_REPORT_MONTHS_MAX,
    arrears_csv,
    paid_csv,
    paid_period_too_long,
    phases_csv,
)
from api.schemas import MONTH_PATTERN, Amount, Page, PageAfter, PageSize, Schema, amount, page_links
from api.security import Granted, require
from ledger.money import Money
from ontzorgen.access import Permission
from ontzorgen.months import Month
from ontzorgen.views import reports
from ontzorgen.views.reports import OpenArrear

router = APIRouter(tags=["reports"])


class PhaseCountOut(Schema):
    #: None: households without a phase in force yet (no arrangement, or it starts later).
    phase: int | None
    name: str | None
    household_count: int


class HouseholdsPerPhase(Schema):
    municipality_id: int
    on: date
    phases: list[PhaseCountOut]


class ArrearOut(Schema):
    obligation_id: int
    cost_type: str
    creditor_name: str
    amount: Amount
    month_count: int
    first_month: str
    last_month: str


class ArrearsOfHousehold(Schema):
    household_id: int
    household_name: str
    kredietbank_id: int | None
    total: Amount
    obligations: list[ArrearOut]


class PaidRow(Schema):
    month: str
    creditor_id: int | None
    creditor_name: str | None
    cost_type: str
    payment_count: int
    amount: Amount


class PaidReport(Schema):
    municipality_id: int
    from_: str = Field(alias="from")
    to: str
    total: Amount
    rows: list[PaidRow]


@router.get(
    "/municipalities/{municipality_id}/reports/households-per-phase",
    response_model=HouseholdsPerPhase,
    responses=CSV_RESPONSE,  # type: ignore[arg-type]
)
def households_per_phase(
    municipality_id: int,
    request: Request,
    uow: UowFactoryDep,
    today: TodayDep,
    granted: Annotated[Granted, require(Permission.READ_REPORTS, "municipality")],
) -> Response | HouseholdsPerPhase:
    """How many households are in each phase of the ladder today."""
    with uow() as work:
        ladder = work.repository.get_municipality(municipality_id).policy.ladder
        report = reports.phase_report(work.connection, ladder, municipality_id, today)
    phases = [
        PhaseCountOut(phase=None, name=None, household_count=report.without_phase_count),
        *(
            PhaseCountOut(phase=p.phase, name=p.name, household_count=p.household_count)
            for p in report.phases
        ),
    ]
    if wants_csv(request):
        return phases_csv(municipality_id, today, phases)
    return HouseholdsPerPhase(municipality_id=municipality_id, on=today, phases=phases)


def _arrears_of(household: list[OpenArrear]) -> ArrearsOfHousehold:
    first = household[0]
    total_cents = sum(arrear.amount.cents for arrear in household)
    return ArrearsOfHousehold(
        household_id=first.household_id,
        household_name=first.household_name,
        kredietbank_id=first.kredietbank_id,
        total=amount(Money(total_cents)),
        obligations=[
            ArrearOut(
                obligation_id=a.obligation_id,
                cost_type=a.cost_type,
                creditor_name=a.creditor_name,
                amount=amount(a.amount),
                month_count=a.month_count,
                first_month=a.first_month,
                last_month=a.last_month,
            )
            for a in household
        ],
    )


@router.get(
    "/municipalities/{municipality_id}/reports/arrears",
    response_model=Page[ArrearsOfHousehold],
    responses=CSV_RESPONSE,  # type: ignore[arg-type]
)
def arrears(
    municipality_id: int,
    request: Request,
    uow: UowFactoryDep,
    today: TodayDep,
    granted: Annotated[Granted, require(Permission.READ_REPORTS, "municipality")],
    size: PageSize = 50,
    after: PageAfter = 0,
) -> Response | Page[ArrearsOfHousehold]:
    """Households with open arrears (their arrear signal is open), the amount per obligation.

    As JSON a page of households (``after`` is a household id); as CSV every open arrear, one row
    per household and obligation.
    """
    if wants_csv(request):
        return arrears_csv(uow, municipality_id, today)
    with uow() as work:
        found = reports.open_arrears(
            work.connection, municipality_id, after_household_id=after, household_limit=size
        )
    items = [_arrears_of(list(group)) for _, group in groupby(found, key=lambda a: a.household_id)]
    return Page(
        items=items, links=page_links(request, [item.household_id for item in items], size, after)
    )


def _month(name: str, text: str) -> Month:
    try:
        return Month.parse(text)
    except ValueError as refused:
        raise RequestValidationError(
            [{"loc": ("query", name), "type": "month", "msg": str(refused)}]
        ) from None


@router.get(
    "/municipalities/{municipality_id}/reports/paid",
    response_model=PaidReport,
    responses=CSV_RESPONSE,  # type: ignore[arg-type]
)
def paid(
    municipality_id: int,
    request: Request,
    uow: UowFactoryDep,
    granted: Annotated[Granted, require(Permission.READ_REPORTS, "municipality")],
    today: TodayDep,
    from_month: Annotated[
        str | None,
        Query(alias="from", pattern=MONTH_PATTERN, description="First month, YYYY-MM; this month."),
    ] = None,
    to_month: Annotated[
        str | None,
        Query(alias="to", pattern=MONTH_PATTERN, description="Last month, YYYY-MM; this month."),
    ] = None,
) -> Response | PaidReport:
    """Paid per month (of the run's execution date), creditor and cost type: payments sent or
    confirmed by the bank; returned payments are left out. Leefgeld has no creditor. Without a
    period, the current month."""
    this_month = str(Month.of(today))
    from_month, to_month = from_month or this_month, to_month or this_month
    first, last = _month("from", from_month), _month("to", to_month)
    if last < first:
        raise RequestValidationError(
            [{"loc": ("query", "to"), "type": "month_order", "msg": "'to' is before 'from'."}]
        )
    if paid_period_too_long(first, last):
        raise RequestValidationError(
            [
                {
                    "loc": ("query", "to"),
                    "type": "too_long",
                    "msg": f"A report covers at most {PAID_REPORT_MONTHS_MAX} months.",
                }
            ]
        )
    with uow() as work:
        totals = reports.paid_per_month(work.connection, municipality_id, first, last)
    if wants_csv(request):
        return paid_csv(municipality_id, from_month, to_month, totals)
    # A sum over years can pass Money's range (a single amount's limit); it is only printed.
    whole, cents = divmod(sum(t.amount.cents for t in totals), 100)
    return PaidReport(
        municipality_id=municipality_id,
        from_=from_month,
        to=to_month,
        total=f"{whole}.{cents:02d}",
        rows=[
            PaidRow(
                month=t.month,
                creditor_id=t.creditor_id,
                creditor_name=t.creditor_name,
                cost_type=t.cost_type,
                payment_count=t.payment_count,
                amount=amount(t.amount),
            )
            for t in totals
        ],
    )
