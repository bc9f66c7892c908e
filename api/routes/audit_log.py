"""The audit log of a municipality, for its auditors: a page as JSON, or the whole period as a
CSV export (``Accept: text/csv``), streamed in batches so memory stays flat however long it is.

``from`` and ``to`` are dates in the Netherlands, both included: the period runs from ``from``
00:00 to the end of ``to``, Europe/Amsterdam time; timestamps in the answer are UTC.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.exceptions import RequestValidationError

from api.csv import CSV_RESPONSE, wants_csv
from api.dependencies import TodayDep, UowFactoryDep
from api.report_exports import (
    AUDIT_PERIOD_DAYS_MAX,
    audit_csv,
    audit_moments,
    audit_period_too_long,
)
from api.schemas import Page, PageAfter, PageSize, Schema, page_links
from api.security import Granted, require
from ontzorgen import audit
from ontzorgen.access import Permission

router = APIRouter(tags=["audit log"])


class AuditEntry(Schema):
    id: int
    at: datetime
    user_id: int | None
    user_name: str | None
    role: str | None
    remote_address: str
    method: str
    path: str
    action: str
    status_code: int
    municipality_id: int | None
    household_id: int | None


def _period(first: date, last: date) -> tuple[datetime, datetime]:
    if last < first:
        raise RequestValidationError(
            [{"loc": ("query", "to"), "type": "date_order", "msg": "'to' is before 'from'."}]
        )
    if audit_period_too_long(first, last):
        raise RequestValidationError(
            [
                {
                    "loc": ("query", "to"),
                    "type": "too_long",
                    "msg": f"Ask for at most {AUDIT_PERIOD_DAYS_MAX} days at a time.",
                }
            ]
        )
    return audit_moments(first, last)


@router.get(
    "/municipalities/{municipality_id}/audit-log",
    response_model=Page[AuditEntry],
    responses=CSV_RESPONSE,  # type: ignore[arg-type]
)
def read_audit_log(
    municipality_id: int,
    request: Request,
    uow: UowFactoryDep,
    granted: Annotated[Granted, require(Permission.READ_AUDIT_LOG, "municipality")],
    today: TodayDep,
    first: Annotated[
        date | None, Query(alias="from", description="First day, included; today.")
    ] = None,
    last: Annotated[
        date | None, Query(alias="to", description="Last day, included; today.")
    ] = None,
    size: PageSize = 50,
    after: PageAfter = 0,
) -> Response | Page[AuditEntry]:
    """Who did what, to whose data, when and from where, oldest first; without a period, today."""
    first, last = first or today, last or today
    since, until = _period(first, last)
    if wants_csv(request):
        return audit_csv(uow(), municipality_id, first, last)
    found = audit.page(uow(), municipality_id, since, until, after_id=after, limit=size)
    items = [
        AuditEntry(
            id=row_id,
            at=row.at,
            user_id=row.user_id,
            user_name=row.user_name,
            role=row.role,
            remote_address=row.remote_address,
            method=row.method,
            path=row.path,
            action=row.action,
            status_code=row.status_code,
            municipality_id=row.municipality_id,
            household_id=row.household_id,
        )
        for row_id, row in found
    ]
    return Page(items=items, links=page_links(request, [item.id for item in items], size, after))
