"""The reports and the audit log as CSV files, and the limits on their periods: one definition
for the API (``api.routes.reports``, ``api.routes.audit_log``, with ``Accept: text/csv``) and the
municipality's pages (``api.pages.municipality_pages``, a plain download link), so that both give
the same columns, file names and periods.

An audit period runs from the first day 00:00 to the end of the last day, Europe/Amsterdam time;
each edge says in its own way (``invalidParams`` or plain words) when a period is refused.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol

from fastapi.responses import StreamingResponse

from api.csv import csv_response
from api.dependencies import AMSTERDAM
from api.schemas import amount
from ontzorgen import audit
from ontzorgen.months import Month
from ontzorgen.unit_of_work import UnitOfWork
from ontzorgen.views import reports
from ontzorgen.views.reports import PaidTotal

#: A paid report covers at most ten years: enough for any audit, and a bounded query.
PAID_REPORT_MONTHS_MAX = 120
#: Households per block when the whole arrears report is streamed as CSV.
ARREARS_CSV_HOUSEHOLDS_PER_BLOCK = 500
#: One audit request for at most this many days: a year of log in one export is already big.
AUDIT_PERIOD_DAYS_MAX = 366

PHASES_CSV_HEADER = ["phase", "name", "householdCount"]
ARREARS_CSV_HEADER = [
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
]
PAID_CSV_HEADER = ["month", "creditorId", "creditorName", "costType", "paymentCount", "amount"]
AUDIT_CSV_HEADER = [
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


def paid_period_too_long(first: Month, last: Month) -> bool:
    """Does a paid report from ``first`` to ``last`` cover more than ``PAID_REPORT_MONTHS_MAX``?"""
    return (last.year - first.year) * 12 + last.month - first.month >= PAID_REPORT_MONTHS_MAX


def audit_period_too_long(first: date, last: date) -> bool:
    return (last - first).days >= AUDIT_PERIOD_DAYS_MAX


def audit_moments(first: date, last: date) -> tuple[datetime, datetime]:
    """From ``first`` 00:00 to the end of ``last``, Amsterdam time, as UTC moments."""
    since = datetime.combine(first, time(), AMSTERDAM).astimezone(UTC)
    until = datetime.combine(last + timedelta(days=1), time(), AMSTERDAM).astimezone(UTC)
    return since, until


class PhaseLine(Protocol):
    """A line of the households-per-phase report; no phase: the households without one."""

    @property
    def phase(self) -> int | None: ...
    @property
    def name(self) -> str | None: ...
    @property
    def household_count(self) -> int: ...


def phases_csv(municipality_id: int, today: date, phases: Iterable[PhaseLine]) -> StreamingResponse:
    """Households per phase, in the order given."""
    return csv_response(
        f"households-per-phase-{municipality_id}-{today.isoformat()}.csv",
        PHASES_CSV_HEADER,
        ([p.phase, p.name, p.household_count] for p in phases),
    )


def _all_open_arrears(
    make_uow: Callable[[], UnitOfWork], municipality_id: int
) -> Iterator[list[object]]:
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


def arrears_csv(
    make_uow: Callable[[], UnitOfWork], municipality_id: int, today: date
) -> StreamingResponse:
    """Every open arrear, one row per household and obligation."""
    return csv_response(
        f"arrears-{municipality_id}-{today.isoformat()}.csv",
        ARREARS_CSV_HEADER,
        _all_open_arrears(make_uow, municipality_id),
    )


def paid_csv(
    municipality_id: int, first: str, last: str, totals: Iterable[PaidTotal]
) -> StreamingResponse:
    """Paid per month, creditor and cost type; ``first`` and ``last`` are months (YYYY-MM)."""
    return csv_response(
        f"paid-{municipality_id}-{first}-{last}.csv",
        PAID_CSV_HEADER,
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


def audit_csv(work: UnitOfWork, municipality_id: int, first: date, last: date) -> StreamingResponse:
    """The whole period of the audit log, streamed in batches (``ontzorgen.audit.export``);
    the caller has checked the period."""
    since, until = audit_moments(first, last)
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
        for row in audit.export(work, municipality_id, since, until)
    )
    return csv_response(
        f"audit-log-{municipality_id}-{first.isoformat()}-{last.isoformat()}.csv",
        AUDIT_CSV_HEADER,
        rows,
    )
