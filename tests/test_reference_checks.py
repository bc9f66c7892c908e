"""What allocations refer to is still guarded by the database, without row-by-row foreign keys.

Migration 0008 replaced the foreign keys of ``allocations`` (household, ledger entry) and
``allocation_lines`` (obligation) by checks once per statement, as 0005 did for payments. These
tests go around the code, with plain SQL, and show that the database still refuses a row that
refers to nothing, and still keeps the rows that allocations refer to.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from ontzorgen.months import Month
from tests.factories import add_newcomer, allocate_full_month, make_world

JANUARY = Month(2026, 1)
NOWHERE = 10**9


@dataclass(frozen=True)
class Allocated:
    household_id: int
    obligation_id: int
    entry_id: int


@pytest.fixture
def allocated(engine: Engine) -> Allocated:
    """A household whose January is divided: an allocation, its lines and its ledger entry."""
    world = make_world(engine)
    household = add_newcomer(world)
    allocate_full_month(world, household, JANUARY)
    with engine.connect() as connection:
        obligation_id, entry_id = connection.execute(
            text(
                "SELECT l.obligation_id, a.entry_id FROM allocation_lines l JOIN allocations a "
                "ON a.household_id = l.household_id AND a.month = l.month "
                "WHERE a.household_id = :household ORDER BY l.obligation_id LIMIT 1"
            ),
            {"household": household.household_id},
        ).one()
    return Allocated(household.household_id, obligation_id, entry_id)


def run(engine: Engine, *statements: str) -> None:
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))


def count(engine: Engine, query: str) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text(query)).scalar_one())


def allocation_row(household_id: int, month: str, entry_id: int | None) -> str:
    entry = "NULL" if entry_id is None else str(entry_id)
    return (
        "INSERT INTO allocations (household_id, month, phase, income_cents, "
        "minimum_leefgeld_cents, reserved_cents, arrears_cents, leefgeld_cents, "
        "vakantietoeslag_paid_cents, allocated_on, entry_id) "
        f"VALUES ({household_id}, '{month}', 1, 0, 0, 0, 0, 0, 0, '2026-02-25', {entry})"
    )


def line_row(household_id: int, obligation_id: int) -> str:
    return (
        "INSERT INTO allocation_lines (household_id, month, obligation_id, cost_type, "
        "need_cents, reserved_cents, arrear_cents, due_on) "
        f"VALUES ({household_id}, '2026-02', {obligation_id}, 'huur', 1, 1, 0, '2026-02-01')"
    )


def test_an_allocation_of_a_household_or_entry_that_does_not_exist_is_refused(
    engine: Engine, allocated: Allocated
) -> None:
    with pytest.raises(DBAPIError, match="allocations"):
        run(engine, allocation_row(NOWHERE, "2026-02", None))
    with pytest.raises(DBAPIError, match="allocations"):
        run(engine, allocation_row(allocated.household_id, "2026-02", NOWHERE))
    # The same row that refers to what exists is taken: the checks refuse only what they should.
    run(engine, allocation_row(allocated.household_id, "2026-02", allocated.entry_id))
    assert count(engine, "SELECT count(*) FROM allocations WHERE month = '2026-02'") == 1


def test_an_allocation_line_of_an_obligation_that_does_not_exist_is_refused(
    engine: Engine, allocated: Allocated
) -> None:
    # One good row and one bad in one statement: all of it is refused.
    with pytest.raises(DBAPIError, match="allocation_lines"):
        run(
            engine,
            line_row(allocated.household_id, allocated.obligation_id)
            + ", "
            + line_row(allocated.household_id, NOWHERE).split(" VALUES ")[1],
        )
    assert count(engine, "SELECT count(*) FROM allocation_lines WHERE month = '2026-02'") == 0
    with pytest.raises(DBAPIError, match="allocation_lines"):
        run(
            engine,
            f"UPDATE allocation_lines SET obligation_id = {NOWHERE} "
            f"WHERE household_id = {allocated.household_id}",
        )
    run(engine, line_row(allocated.household_id, allocated.obligation_id))
    assert count(engine, "SELECT count(*) FROM allocation_lines WHERE month = '2026-02'") == 1


def test_an_obligation_that_allocation_lines_refer_to_is_kept(
    engine: Engine, allocated: Allocated
) -> None:
    # Its amounts go first in the same transaction, so that only the allocation lines hold it.
    with pytest.raises(DBAPIError, match="allocation_lines"):
        run(
            engine,
            f"DELETE FROM obligation_amounts WHERE obligation_id = {allocated.obligation_id}",
            f"DELETE FROM obligations WHERE id = {allocated.obligation_id}",
        )
    with pytest.raises(DBAPIError, match="allocation_lines"):
        run(
            engine,
            f"UPDATE obligations SET id = {NOWHERE} WHERE id = {allocated.obligation_id}",
        )
    assert count(engine, f"SELECT count(*) FROM obligations WHERE id = {allocated.obligation_id}")


def test_a_household_that_allocations_refer_to_keeps_its_id(
    engine: Engine, allocated: Allocated
) -> None:
    with pytest.raises(DBAPIError, match="allocations"):
        run(
            engine,
            f"UPDATE households SET id = {NOWHERE} WHERE id = {allocated.household_id}",
        )
    assert count(engine, f"SELECT count(*) FROM households WHERE id = {allocated.household_id}")
