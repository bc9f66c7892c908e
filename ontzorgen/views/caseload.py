"""Signals as a list to work through: one household's, a coach's caseload (the households of their
kredietbank), or a whole municipality's for its officers and auditors.

Most urgent first, then the oldest, then by id; a page continues after a cursor of those three
(keyset paging), so a signal raised or handled meanwhile never makes a page skip or repeat one.
Read-only; signals are raised by the domain rules and handled through ``services.handle_signal``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, and_, or_, select

from ontzorgen.tables import households, signals


class SignalStatus(enum.StrEnum):
    OPEN = "open"
    HANDLED = "handled"
    ALL = "all"


@dataclass(frozen=True, slots=True)
class SignalCursor:
    """Where a page ended: the last signal's urgency, date and id."""

    urgency: int
    raised_on: date
    signal_id: int

    #: What ``text`` writes and ``parse`` reads, e.g. ``1_2026-01-12_42``.
    PATTERN = r"^[0-9]{1,4}_[0-9]{4}-[0-9]{2}-[0-9]{2}_[0-9]{1,18}$"

    def text(self) -> str:
        return f"{self.urgency}_{self.raised_on.isoformat()}_{self.signal_id}"

    @classmethod
    def parse(cls, text: str) -> SignalCursor:
        """Read ``text``; ValueError when it is not a cursor this module wrote."""
        urgency, raised_on, signal_id = text.split("_")
        return cls(int(urgency), date.fromisoformat(raised_on), int(signal_id))


@dataclass(frozen=True, slots=True)
class SignalView:
    signal_id: int
    household_id: int
    household_name: str
    kind: str
    subject: str
    urgency: int
    raised_on: date
    message: str
    status: str
    handled_on: date | None
    handled_by: str | None
    note: str | None

    @property
    def cursor(self) -> SignalCursor:
        return SignalCursor(self.urgency, self.raised_on, self.signal_id)


_COLUMNS = (signals, households.c.name.label("household_name"))


def _view(row: Any) -> SignalView:
    return SignalView(
        row.id,
        row.household_id,
        row.household_name,
        row.kind,
        row.subject,
        row.urgency,
        row.raised_on,
        row.message,
        row.status,
        row.handled_on,
        row.handled_by,
        row.note,
    )


def signals_page(
    connection: Connection,
    *,
    household_id: int | None = None,
    municipality_id: int | None = None,
    kredietbank_id: int | None = None,
    status: SignalStatus,
    after: SignalCursor | None,
    limit: int,
) -> list[SignalView]:
    """One page of signals of a household, a municipality or a kredietbank's caseload.

    Exactly one of the three filters must be given: a list of every signal in the region is
    nobody's work, and forgetting a filter must not show one.
    """
    filters = [
        column == value
        for column, value in (
            (households.c.id, household_id),
            (households.c.municipality_id, municipality_id),
            (households.c.kredietbank_id, kredietbank_id),
        )
        if value is not None
    ]
    if len(filters) != 1:
        raise ValueError("give exactly one of household_id, municipality_id, kredietbank_id")
    query = (
        select(*_COLUMNS)
        .join(households, households.c.id == signals.c.household_id)
        .where(*filters)
        .order_by(signals.c.urgency, signals.c.raised_on, signals.c.id)
        .limit(limit)
    )
    if status is not SignalStatus.ALL:
        query = query.where(signals.c.status == status.value)
    if after is not None:
        query = query.where(
            or_(
                signals.c.urgency > after.urgency,
                and_(signals.c.urgency == after.urgency, signals.c.raised_on > after.raised_on),
                and_(
                    signals.c.urgency == after.urgency,
                    signals.c.raised_on == after.raised_on,
                    signals.c.id > after.signal_id,
                ),
            )
        )
    return [_view(row) for row in connection.execute(query)]


def signal_of(connection: Connection, signal_id: int) -> SignalView | None:
    row = connection.execute(
        select(*_COLUMNS)
        .join(households, households.c.id == signals.c.household_id)
        .where(signals.c.id == signal_id)
    ).one_or_none()
    return None if row is None else _view(row)
