"""The scheduled routines on SQLite and PostgreSQL: each does its work once, a double fire nothing.

The scheduler may fire a job twice (a restart, a coalesced misfire, a leader that has not yet
noticed it lost its lock), so every routine is called twice here and the second call must change
nothing.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, Table, func, select

from ledger.money import Money
from ontzorgen import payment_runs, routines, services
from ontzorgen.errors import OntzorgenError
from ontzorgen.months import Month
from ontzorgen.policy import Policy
from ontzorgen.runs import RunStatus
from ontzorgen.tables import allocations, payments, signals, statement_imports
from ontzorgen.tables import payment_runs as run_table
from ontzorgen.unit_of_work import UnitOfWork
from tests.factories import NORM_SINGLE, World, add_newcomer, make_paying_world

JULY, AUGUST, SEPTEMBER = Month(2026, 7), Month(2026, 8), Month(2026, 9)
FRIDAY_24_JULY = date(2026, 7, 24)
THURSDAY_30_JULY = date(2026, 7, 30)
FRIDAY_31_JULY = date(2026, 7, 31)  # 1 August 2026 is a Saturday: August's rent goes out today
NET_SINGLE_CENTS = 130_061  # the single norm less the 5% vakantietoeslag reserved (DOMAIN.md §5)
CAMT = Path(__file__).resolve().parent / "data" / "camt"
HOSTILE = (
    b'<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<d>&x;</d>\n'
)


def count(engine: Engine, table: Table) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


@pytest.fixture
def world(engine: Engine) -> World:
    return make_paying_world(engine)


def record_bijstand(world: World, household_id: int, month: Month) -> None:
    services.record_bijstand(
        world.uow(),
        household_id=household_id,
        month=month,
        full_month_amount=NORM_SINGLE,
        # Paid before the month starts; a municipality may pay several months at once.
        received_on=FRIDAY_24_JULY,
    )


# -- allocation --------------------------------------------------------------------------------


def test_allocating_due_months_twice_allocates_each_month_once(world: World) -> None:
    first = add_newcomer(world, name="Huishouden Haile")
    second = add_newcomer(world, name="Huishouden Tesfay")
    for household in (first, second):
        record_bijstand(world, household.household_id, AUGUST)

    summary = routines.allocate_due_months(world.engine, FRIDAY_24_JULY)
    again = routines.allocate_due_months(world.engine, FRIDAY_24_JULY)

    assert summary.allocated_count == 2
    assert (summary.failed, summary.skipped, summary.stopped_early) == ((), (), False)
    assert again.allocated_count == again.already_allocated_count == 0
    assert count(world.engine, allocations) == 2


def test_months_are_allocated_oldest_first_and_only_up_to_next_month(world: World) -> None:
    household = add_newcomer(world)
    for month in (JULY, AUGUST, SEPTEMBER):
        record_bijstand(world, household.household_id, month)

    summary = routines.allocate_due_months(world.engine, FRIDAY_24_JULY)

    assert summary.allocated_count == 2
    with world.engine.connect() as connection:
        rows = connection.execute(
            select(allocations.c.month, allocations.c.income_cents).order_by(allocations.c.month)
        ).all()
    # In month order each allocation divides its own month's income; August first would have
    # taken July's income too. September's bijstand waits until August.
    assert [(row.month, row.income_cents) for row in rows] == [
        ("2026-07", NET_SINGLE_CENTS),
        ("2026-08", NET_SINGLE_CENTS),
    ]
    later = routines.allocate_due_months(world.engine, date(2026, 8, 24))
    assert later.allocated_count == 1


def test_one_household_failing_does_not_stop_the_others(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    failing = add_newcomer(world, name="Huishouden Haile")
    healthy = add_newcomer(world, name="Huishouden Tesfay")
    for household in (failing, healthy):
        record_bijstand(world, household.household_id, JULY)
        record_bijstand(world, household.household_id, AUGUST)
    allocate_month = services.allocate_month

    def refusing(
        uow: UnitOfWork, household_id: int, month: Month, *, today: date
    ) -> services.MonthAllocation:
        if household_id == failing.household_id:
            raise OntzorgenError("refused for the test")
        return allocate_month(uow, household_id, month, today=today)

    monkeypatch.setattr(services, "allocate_month", refusing)
    summary = routines.allocate_due_months(world.engine, FRIDAY_24_JULY)

    assert summary.allocated_count == 2
    assert summary.failed == (routines.HouseholdMonth(JULY, failing.household_id),)
    # August after a failed July would divide July's income in August: it waits for July.
    assert summary.skipped == (routines.HouseholdMonth(AUGUST, failing.household_id),)
    monkeypatch.setattr(services, "allocate_month", allocate_month)
    assert routines.allocate_due_months(world.engine, FRIDAY_24_JULY).allocated_count == 2
    assert count(world.engine, allocations) == 4


# -- payment runs ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (THURSDAY_30_JULY, FRIDAY_31_JULY),
        (FRIDAY_31_JULY, date(2026, 8, 3)),  # over the weekend
        (date(2026, 4, 2), date(2026, 4, 7)),  # Good Friday and Easter Monday: TARGET2 closed
        (date(2026, 12, 24), date(2026, 12, 28)),  # Christmas Day and Boxing Day
    ],
)
def test_the_next_business_day_skips_weekends_and_target2_holidays(
    today: date, expected: date
) -> None:
    assert routines.next_business_day(today) == expected


def test_preparing_due_runs_twice_prepares_one_run_and_never_approves_it(world: World) -> None:
    household = add_newcomer(world)
    record_bijstand(world, household.household_id, AUGUST)
    services.allocate_month(world.uow(), household.household_id, AUGUST, today=FRIDAY_24_JULY)
    # A municipality without a bank account cannot pay; the routine leaves it alone.
    services.create_municipality(UnitOfWork(world.engine), "0363", "Amsterdam", Policy())

    summary = routines.prepare_due_runs(world.engine, THURSDAY_30_JULY)
    payment_count = count(world.engine, payments)
    again = routines.prepare_due_runs(world.engine, THURSDAY_30_JULY)

    assert summary.execution_on == FRIDAY_31_JULY
    assert len(summary.prepared) == 1 and summary.existing == summary.failed == ()
    assert again.prepared == () and again.existing == summary.prepared
    assert count(world.engine, run_table) == 1
    assert payment_count == 4  # huur, zorgverzekering, energie, water
    assert count(world.engine, payments) == payment_count
    view = payment_runs.show_run(world.uow(), summary.prepared[0])
    # Four-eyes: a person approves, another executes; the scheduler only prepares.
    assert view.run.status is RunStatus.PREPARED
    assert view.run.prepared_by == "scheduler"
    assert view.totals.overall.total == Money(95_400)


# -- signals -----------------------------------------------------------------------------------


def test_raising_due_signals_twice_raises_each_signal_once(world: World) -> None:
    add_newcomer(world)  # bijstand from January; none recorded for February

    summary = routines.raise_due_signals(world.engine, date(2026, 2, 10))
    signal_count = count(world.engine, signals)
    again = routines.raise_due_signals(world.engine, date(2026, 2, 10))

    assert summary.raised_count == signal_count >= 1
    assert summary.per_kind.get("missing_bijstand") == 1
    assert again.raised_count == 0
    assert count(world.engine, signals) == signal_count


# -- the statement drop folder -----------------------------------------------------------------


def drop(folder: Path, name: str, content: bytes) -> Path:
    """Deliver a file the way the contract asks: write under a temporary name, then rename."""
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / (name + ".part")
    partial.write_bytes(content)
    return partial.replace(folder / name)


def good_statement() -> bytes:
    return (CAMT / "statement.camt.053.001.02.xml").read_bytes()


def test_the_drop_folder_imports_a_statement_once_and_moves_it_to_processed(
    engine: Engine, tmp_path: Path
) -> None:
    folder = tmp_path / "drop"
    drop(folder, "bng-2025-03-03.xml", good_statement())
    (folder / "still-arriving.xml.part").write_bytes(good_statement()[:100])
    today = date(2025, 3, 4)

    summary = routines.import_drop_folder(engine, folder, today, settle_seconds=0)
    again = routines.import_drop_folder(engine, folder, today, settle_seconds=0)

    assert summary.imported == ("bng-2025-03-03.xml",)
    assert (folder / "processed" / "bng-2025-03-03.xml").read_bytes() == good_statement()
    assert not (folder / "bng-2025-03-03.xml").exists()
    assert (folder / "still-arriving.xml.part").exists()  # not ours until renamed to .xml
    assert again == routines.DropFolderSummary()
    assert count(engine, statement_imports) == 1


def test_a_statement_delivered_again_changes_nothing_and_is_moved_to_processed(
    engine: Engine, tmp_path: Path
) -> None:
    folder = tmp_path / "drop"
    today = date(2025, 3, 4)
    drop(folder, "bng.xml", good_statement())
    routines.import_drop_folder(engine, folder, today, settle_seconds=0)
    drop(folder, "bng.xml", good_statement())  # the bank sent it twice, under the same name

    summary = routines.import_drop_folder(engine, folder, today, settle_seconds=0)

    assert summary.replayed == ("bng.xml",) and summary.imported == ()
    assert sorted(p.name for p in (folder / "processed").iterdir()) == ["bng.1.xml", "bng.xml"]
    assert count(engine, statement_imports) == 1


def test_a_hostile_file_is_moved_to_failed_with_the_reason_next_to_it(
    engine: Engine, tmp_path: Path
) -> None:
    folder = tmp_path / "drop"
    drop(folder, "hostile.xml", HOSTILE)
    today = date(2025, 3, 4)

    summary = routines.import_drop_folder(engine, folder, today, settle_seconds=0)
    again = routines.import_drop_folder(engine, folder, today, settle_seconds=0)

    assert summary.failed == ("hostile.xml",)
    assert (folder / "failed" / "hostile.xml").read_bytes() == HOSTILE
    reason = (folder / "failed" / "hostile.xml.reason.txt").read_text(encoding="utf-8")
    assert "hostile.xml was not imported" in reason and "DOCTYPE" in reason
    assert again == routines.DropFolderSummary()
    assert count(engine, statement_imports) == 0


def test_a_file_still_being_written_is_left_for_the_next_look(
    engine: Engine, tmp_path: Path
) -> None:
    folder = tmp_path / "drop"
    folder.mkdir()
    # A sender that breaks the contract and writes in place: half the file now, the rest later.
    data = good_statement()
    growing = folder / "in-place.xml"
    growing.write_bytes(data[: len(data) // 2])
    (folder / "empty.xml").write_bytes(b"")
    today = date(2025, 3, 4)

    def sender_writes_on(_seconds: float) -> None:
        with growing.open("ab") as file:
            file.write(data[len(data) // 2 :])

    summary = routines.import_drop_folder(engine, folder, today, pause=sender_writes_on)
    assert summary.waiting == ("empty.xml", "in-place.xml")
    assert summary.imported == summary.failed == ()
    assert growing.exists() and count(engine, statement_imports) == 0

    later = routines.import_drop_folder(engine, folder, today, pause=lambda _seconds: None)
    assert later.imported == ("in-place.xml",) and later.waiting == ("empty.xml",)
    assert count(engine, statement_imports) == 1


def test_a_missing_drop_folder_imports_nothing(engine: Engine, tmp_path: Path) -> None:
    summary = routines.import_drop_folder(engine, tmp_path / "absent", date(2025, 3, 4))
    assert summary == routines.DropFolderSummary()


def test_a_file_in_processed_or_failed_is_never_read_again(engine: Engine, tmp_path: Path) -> None:
    folder = tmp_path / "drop"
    drop(folder / "processed", "old.xml", good_statement())
    shutil.copyfile(CAMT / "statement.camt.053.001.08.xml", folder / "failed.xml.bak")
    summary = routines.import_drop_folder(engine, folder, date(2025, 3, 4), settle_seconds=0)
    assert summary == routines.DropFolderSummary()
    assert count(engine, statement_imports) == 0
