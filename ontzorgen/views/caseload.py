"""Signals as a list to work through: one household's, a coach's caseload (the households of their
kredietbank), or a whole municipality's for its officers and auditors; and the caseload's
households, each with its phase today and its number of open signals.

Most urgent first, then the oldest, then by id; a page continues after a cursor of those three
(keyset paging), so a signal raised or handled meanwhile never makes a page skip or repeat one.
Read-only; signals are raised by the domain rules and handled through ``services.handle_signal``.

``caseload_households`` reads a page of households in two queries however long the page: one
for the households with their phase and count (correlated subqueries on the indexed
``household_id`` columns), one for the policies of the municipalities on the page (the phase names).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, and_, func, or_, select

from ontzorgen.policy import Policy
from ontzorgen.policy_codec import policy_from_json
from ontzorgen.tables import households, municipalities, phase_changes, signals


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


@dataclass(frozen=True, slots=True)
class CaseloadHouseholdView:
    """A household of the caseload: its phase on the day asked for and its open signals."""

    household_id: int
    name: str
    municipality_id: int
    #: ``phases.phase_on(changes, day)``: the phase of the last change in force; None before
    #: the first change takes effect, and for a household without an arrangement.
    phase_on_day: int | None
    #: The phase of the first change (in the order the changes take effect); None: no arrangement.
    starting_phase: int | None
    #: The name the municipality's ladder gives ``current_phase``.
    current_phase_name: str | None
    open_signal_count: int

    @property
    def current_phase(self) -> int | None:
        """As ``views.phases.phase_overview``: before the bijstand starts, its first phase."""
        return self.phase_on_day if self.phase_on_day is not None else self.starting_phase


def caseload_households(
    connection: Connection, kredietbank_id: int, *, day: date, after_id: int, limit: int
) -> list[CaseloadHouseholdView]:
    """The kredietbank's households with an id above ``after_id``, by id, at most ``limit``."""
    mine = households.alias("mine")
    own = phase_changes.c.household_id == mine.c.id
    # phases.phase_on: the latest (effective_on, decided_on) on or before the day; on a tie the
    # first in the repository's order (effective_on, id), so the lowest id.
    in_force = (
        select(phase_changes.c.to_phase)
        .where(own, phase_changes.c.effective_on <= day)
        .order_by(
            phase_changes.c.effective_on.desc(),
            phase_changes.c.decided_on.desc(),
            phase_changes.c.id,
        )
        .limit(1)
        .scalar_subquery()
    )
    # repository.phase_changes_of(...)[0]: the first by (effective_on, id).
    starting = (
        select(phase_changes.c.to_phase)
        .where(own)
        .order_by(phase_changes.c.effective_on, phase_changes.c.id)
        .limit(1)
        .scalar_subquery()
    )
    open_count = (
        select(func.count())
        .select_from(signals)
        .where(signals.c.household_id == mine.c.id, signals.c.status == SignalStatus.OPEN.value)
        .scalar_subquery()
    )
    rows = connection.execute(
        select(
            mine.c.id,
            mine.c.name,
            mine.c.municipality_id,
            in_force.label("phase_on_day"),
            starting.label("starting_phase"),
            open_count.label("open_signal_count"),
        )
        .where(mine.c.kredietbank_id == kredietbank_id, mine.c.id > after_id)
        .order_by(mine.c.id)
        .limit(limit)
    ).all()
    policies = _policies_of(connection, {row.municipality_id for row in rows})
    views = []
    for row in rows:
        current = row.phase_on_day if row.phase_on_day is not None else row.starting_phase
        views.append(
            CaseloadHouseholdView(
                row.id,
                row.name,
                row.municipality_id,
                row.phase_on_day,
                row.starting_phase,
                None
                if current is None
                else policies[row.municipality_id].ladder.phase(current).name,
                row.open_signal_count,
            )
        )
    return views


def _policies_of(connection: Connection, municipality_ids: set[int]) -> dict[int, Policy]:
    if not municipality_ids:
        return {}
    return {
        row.id: policy_from_json(row.policy)
        for row in connection.execute(
            select(municipalities.c.id, municipalities.c.policy).where(
                municipalities.c.id.in_(sorted(municipality_ids))
            )
        )
    }
