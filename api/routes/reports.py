"""The income department's reports over its municipality, as JSON or, with ``Accept: text/csv``,
as a CSV file to open in a spreadsheet: households per phase, open arrears, and paid amounts per
month, creditor and cost type. The queries are in ``ontzorgen.views.reports``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from itertools import groupby
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import Field

from api.csv import CSV_RESPONSE, csv_response, wants_csv
from api.dependencies import TodayDep, UowFactoryDep
from api.schemas import MONTH_PATTERN, Amount, Page, PageAfter, PageSize, Schema, amount, page_links
from api.security import Granted, require
from ledger.money import Money
from ontzorgen.access import Permission
from ontzorgen.months import Month
from ontzorgen.views import reports
from ontzorgen.views.reports import OpenArrear

router = APIRouter(tags=["reports"])

#: A paid report covers at most ten years: enough for any audit, and a bounded query.
PAID_REPORT_MONTHS_MAX = 120
#: Households per block when the whole arrears report is streamed as CSV.
ARREARS_CSV_HOUSEHOLDS_PER_BLOCK = 500


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
        counts = reports.households_per_phase(work.connection, municipality_id, today)
    names = {phase.number: phase.name for phase in ladder.phases}
    found = {count.phase: count.household_count for count in counts}
    phases = [PhaseCountOut(phase=None, name=None, household_count=found.get(None, 0))] + [
        PhaseCountOut(phase=number, name=name, household_count=found.get(number, 0))
        for number, name in names.items()
    ]
    # A phase a changed ladder no longer has still counts; its households are shown, unnamed.
    phases += [
        PhaseCountOut(phase=number, name=None, household_count=count)
        for number, count in sorted((n, c) for n, c in found.items() if n is not None)
        if number not in names
    ]
    if wants_csv(request):
        return csv_response(
            f"households-per-phase-{municipality_id}-{today.isoformat()}.csv",
            ["phase", "name", "householdCount"],
            ([p.phase, p.name, p.household_count] for p in phases),
        )
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


def _all_open_arrears(make_uow: UowFactoryDep, municipality_id: int) -> Iterator[list[object]]:
    """Every open arrear of the municipality, read a block of households at a time."""
    after = 0
    while True:
        with make_uow() as work:
            block = reports.open_arrears(
                work.connection,
                municipality_id,
                after_household_id=after,
                household_limit=ARREARS_CSV_HOUSEHOLDS_PER_BLOCK,
            )
        for a in block:
            yield [
                a.household_id,
                a.household_name,
                a.kredietbank_id,
                a.obligation_id,
                a.cost_type,
                a.creditor_name,
                amount(a.amount),
                a.month_count,
                a.first_month,
                a.last_month,
            ]
        households = {a.household_id for a in block}
        if len(households) < ARREARS_CSV_HOUSEHOLDS_PER_BLOCK:
            return
        after = max(households)


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
        return csv_response(
            f"arrears-{municipality_id}-{today.isoformat()}.csv",
            [
                "householdId",
                "householdName",
                "kredietbankId",
                "obligationId",
                "costType",
                "creditorName",
                "amount",
                "monthCount",
                "firstMonth",
                "lastMonth",
            ],
            _all_open_arrears(uow, municipality_id),
        )
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
    if (last.year - first.year) * 12 + last.month - first.month >= PAID_REPORT_MONTHS_MAX:
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
        return csv_response(
            f"paid-{municipality_id}-{from_month}-{to_month}.csv",
            ["month", "creditorId", "creditorName", "costType", "paymentCount", "amount"],
            (
                [
                    t.month,
                    t.creditor_id,
                    t.creditor_name,
                    t.cost_type,
                    t.payment_count,
                    amount(t.amount),
                ]
                for t in totals
            ),
        )
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
