"""The households of a municipality, as a list: the whole municipality for its officers, one
kredietbank's caseload for a coach."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select

from ontzorgen.tables import households


@dataclass(frozen=True, slots=True)
class HouseholdSummary:
    household_id: int
    name: str
    language: str
    kredietbank_id: int | None


def households_of(
    connection: Connection,
    municipality_id: int,
    *,
    kredietbank_id: int | None,
    after_id: int,
    limit: int,
) -> list[HouseholdSummary]:
    query = (
        select(
            households.c.id, households.c.name, households.c.language, households.c.kredietbank_id
        )
        .where(households.c.municipality_id == municipality_id, households.c.id > after_id)
        .order_by(households.c.id)
        .limit(limit)
    )
    if kredietbank_id is not None:
        query = query.where(households.c.kredietbank_id == kredietbank_id)
    return [
        HouseholdSummary(row.id, row.name, row.language, row.kredietbank_id)
        for row in connection.execute(query)
    ]
