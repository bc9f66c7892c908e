"""The audit log of a municipality, for its auditors: a page as JSON, or the whole period as a
CSV export (``Accept: text/csv``), streamed in batches so memory stays flat however long it is.

``from`` and ``to`` are dates in the Netherlands, both included: the period runs from ``from``
00:00 to the end of ``to``, Europe/Amsterdam time; timestamps in the answer are UTC.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.exceptions import RequestValidationError

from api.csv import CSV_RESPONSE, csv_response, wants_csv
from api.dependencies import AMSTERDAM, TodayDep, UowFactoryDep
from api.schemas import Page, PageAfter, PageSize, Schema, page_links
from api.security import Granted, require
from ontzorgen import audit
from ontzorgen.access import Permission

router = APIRouter(tags=["audit log"])

#: One request for at most this many days: a year of log in one export is already a big file.
PERIOD_DAYS_MAX = 366
CSV_HEADER = [
    "at",
    "userId",
    "userName",
    "role",
    "remoteAddress",
    "method",
    "path",
    "action",
    "statusCode",
    "municipalityId",
    "householdId",
]


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
    if (last - first).days >= PERIOD_DAYS_MAX:
        raise RequestValidationError(
            [
                {
                    "loc": ("query", "to"),
                    "type": "too_long",
                    "msg": f"Ask for at most {PERIOD_DAYS_MAX} days at a time.",
                }
            ]
        )
    since = datetime.combine(first, time(), AMSTERDAM).astimezone(UTC)
    until = datetime.combine(last + timedelta(days=1), time(), AMSTERDAM).astimezone(UTC)
    return since, until


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
        rows: Iterator[list[object]] = (
            [
                row.at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
                row.user_id,
                row.user_name,
                row.role,
                row.remote_address,
                row.method,
                row.path,
                row.action,
                row.status_code,
                row.municipality_id,
                row.household_id,
            ]
            for row in audit.export(uow(), municipality_id, since, until)
        )
        return csv_response(
            f"audit-log-{municipality_id}-{first.isoformat()}-{last.isoformat()}.csv",
            CSV_HEADER,
            rows,
        )
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
