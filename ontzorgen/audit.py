"""The audit log: who did what, to whose data, when and from where.

Every change and every read of a household's data is recorded, refusals included, so the
municipality can account for each look at a vulnerable person's finances. The log is append-only
(database triggers); an auditor of the municipality reads and exports it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from ontzorgen.access_repository import AuditRow
from ontzorgen.unit_of_work import UnitOfWork

EXPORT_BATCH_ROWS = 5_000


def record(uow: UnitOfWork, row: AuditRow) -> None:
    with uow:
        uow.access.add_audit_row(row)
        uow.commit()


def page(
    uow: UnitOfWork,
    municipality_id: int,
    since: datetime,
    until: datetime,
    *,
    after_id: int,
    limit: int,
) -> list[tuple[int, AuditRow]]:
    with uow:
        return uow.access.audit_rows(municipality_id, since, until, after_id=after_id, limit=limit)


def export(
    uow: UnitOfWork, municipality_id: int, since: datetime, until: datetime
) -> Iterator[AuditRow]:
    """All rows of the period in order, read in batches so memory stays flat."""
    after_id = 0
    while True:
        rows = page(uow, municipality_id, since, until, after_id=after_id, limit=EXPORT_BATCH_ROWS)
        for _, row in rows:
            yield row
        if len(rows) < EXPORT_BATCH_ROWS:
            return
        after_id = rows[-1][0]
