"""The routine work the scheduler starts: *what* happens, while ``schedules`` decides *when*.

Each routine takes an engine and the date (``today``; nothing here reads the clock), does its work
in units of work through the services, and returns a small summary. Every routine is idempotent in
the database, because a scheduler may fire twice (a restart, a coalesced misfire, a second process
that briefly believed it led): a second call on the same day finds the work done and does nothing
more.

- ``allocate_due_months``: every household-month with bijstand but no allocation, up to next month,
  in month order, one unit of work each; one household's failure does not stop the others.
- ``prepare_due_runs``: the payment run of the next TARGET2 business day, per municipality with a
  bank account. Approving and executing stay with people (four-eyes); no routine does either.
- ``raise_due_signals``: the signals that depend on the date.
- ``import_drop_folder``: the bank statements (camt.053) a bank or an SFTP job left in a folder.

This module is persistence-aware, like ``services``: the few queries no repository has yet are
written here with SQLAlchemy Core.
"""

from __future__ import annotations

import logging
import os
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import Engine, exists, select

from ledger.errors import LedgerError
from ontzorgen import payment_runs, services, statements
from ontzorgen.business_days import is_business_day
from ontzorgen.camt import STATEMENT_SIZE_MAX_BYTES
from ontzorgen.errors import OntzorgenError
from ontzorgen.income import IncomeKind
from ontzorgen.months import Month
from ontzorgen.tables import allocations, incomes, municipalities
from ontzorgen.tables import payment_runs as run_table
from ontzorgen.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

#: A call allocates at most this many household-months; the rest waits for the next call.
#: Two months of the benchmark scale (100.000 households) fit with room to spare.
HOUSEHOLD_MONTHS_PER_CALL_MAX = 250_000
#: After this many unexpected failures in a row (not a domain refusal: the database is gone, or a
#: bug) the call stops, instead of logging the same trouble for every household left.
UNEXPECTED_FAILURES_IN_A_ROW_MAX = 20
#: TARGET2 is never closed this long (its longest closure, Easter, is four days).
DAYS_TO_NEXT_BUSINESS_DAY_MAX = 14
#: A call imports at most this many statement files; the rest waits for the next call.
FILES_PER_CALL_MAX = 100
#: How long a file's size and modification time must stay the same before it is taken.
DROP_FOLDER_SETTLE_SECONDS = 2.0
PROCESSED_FOLDER = "processed"
FAILED_FOLDER = "failed"
REASON_SUFFIX = ".reason.txt"


# -- allocation --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, order=True)
class HouseholdMonth:
    month: Month
    household_id: int

    def __str__(self) -> str:
        return f"household {self.household_id} {self.month}"


@dataclass(frozen=True, slots=True)
class AllocationSummary:
    allocated_count: int
    #: Allocated by someone else between the query and the allocation (a coach, a second fire).
    already_allocated_count: int
    failed: tuple[HouseholdMonth, ...]
    #: Later months of a household whose earlier month failed: allocating them first would divide
    #: the earlier month's income in the wrong month.
    skipped: tuple[HouseholdMonth, ...]
    #: True when the call stopped early (too many unexpected failures in a row, or the limit).
    stopped_early: bool = False

    def describe(self) -> str:
        text = (
            f"{self.allocated_count} month(s) allocated, {self.already_allocated_count} already "
            f"allocated, {len(self.failed)} failed, {len(self.skipped)} skipped"
        )
        return text + (" (stopped early)" if self.stopped_early else "")


def due_household_months(engine: Engine, up_to: Month) -> list[HouseholdMonth]:
    """Household-months up to ``up_to`` with recorded bijstand and no allocation, oldest first."""
    allocated = exists().where(
        allocations.c.household_id == incomes.c.household_id,
        allocations.c.month == incomes.c.month,
    )
    query = (
        select(incomes.c.household_id, incomes.c.month)
        .distinct()
        .where(
            incomes.c.kind == IncomeKind.BIJSTAND.value,
            incomes.c.month <= str(up_to),  # YYYY-MM text sorts as the months do
            ~allocated,
        )
        .order_by(incomes.c.month, incomes.c.household_id)
        .limit(HOUSEHOLD_MONTHS_PER_CALL_MAX)
    )
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    return [HouseholdMonth(Month.parse(row.month), row.household_id) for row in rows]


def allocate_due_months(engine: Engine, today: date) -> AllocationSummary:
    """Allocate every month whose bijstand is in, up to next month (paid at the end of this one)."""
    due = due_household_months(engine, Month.of(today).next())
    allocated_count = already_count = unexpected_in_a_row = 0
    failed: list[HouseholdMonth] = []
    skipped: list[HouseholdMonth] = []
    households_failed: set[int] = set()
    stopped_early = len(due) >= HOUSEHOLD_MONTHS_PER_CALL_MAX
    if stopped_early:
        log.warning(
            "more than %d household-months are due; the rest is allocated on the next call",
            HOUSEHOLD_MONTHS_PER_CALL_MAX,
        )
    for position, item in enumerate(due):
        if item.household_id in households_failed:
            skipped.append(item)
            continue
        try:
            result = services.allocate_month(
                UnitOfWork(engine), item.household_id, item.month, today=today
            )
        except (OntzorgenError, LedgerError) as refusal:
            # A refusal (of the domain or of the ledger) names its reason; no traceback needed.
            log.warning("allocating %s was refused: %s", item, refusal)
            unexpected_in_a_row = 0
        except Exception:
            log.exception("allocating %s failed", item)
            unexpected_in_a_row += 1
        else:
            unexpected_in_a_row = 0
            if result.replayed:
                already_count += 1
            else:
                allocated_count += 1
            continue
        failed.append(item)
        households_failed.add(item.household_id)
        if unexpected_in_a_row >= UNEXPECTED_FAILURES_IN_A_ROW_MAX:
            log.error(
                "%d allocations in a row failed unexpectedly; stopping with %d household-months "
                "left for the next call",
                unexpected_in_a_row,
                len(due) - position - 1,
            )
            stopped_early = True
            break
    summary = AllocationSummary(
        allocated_count, already_count, tuple(failed), tuple(skipped), stopped_early
    )
    log.info("allocation of due months on %s: %s", today, summary.describe())
    return summary


# -- payment runs ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RunPreparationSummary:
    execution_on: date
    #: Run ids prepared by this call.
    prepared: tuple[int, ...]
    #: Run ids that were already prepared for this date (a second fire, or a person was first).
    existing: tuple[int, ...]
    #: Municipality ids whose run could not be prepared.
    failed: tuple[int, ...]

    def describe(self) -> str:
        return (
            f"runs for {self.execution_on}: {len(self.prepared)} prepared, "
            f"{len(self.existing)} already prepared, {len(self.failed)} failed"
        )


def next_business_day(today: date) -> date:
    """The first TARGET2 business day after ``today``."""
    day = today
    for _ in range(DAYS_TO_NEXT_BUSINESS_DAY_MAX):
        day += timedelta(days=1)
        if is_business_day(day):
            return day
    raise AssertionError(f"No TARGET2 business day within two weeks after {today}.")


def municipalities_with_bank_account(engine: Engine) -> list[int]:
    query = (
        select(municipalities.c.id)
        .where(municipalities.c.bank_iban.is_not(None))
        .order_by(municipalities.c.id)
    )
    with engine.connect() as connection:
        return [int(municipality_id) for municipality_id in connection.execute(query).scalars()]


def _prepared_run_id(engine: Engine, municipality_id: int, execution_on: date) -> int | None:
    query = select(run_table.c.id).where(
        run_table.c.municipality_id == municipality_id, run_table.c.execution_on == execution_on
    )
    with engine.connect() as connection:
        found = connection.execute(query).scalar_one_or_none()
    return None if found is None else int(found)


def prepare_due_runs(
    engine: Engine, today: date, actor: str = "scheduler"
) -> RunPreparationSummary:
    """Prepare the next business day's run for every municipality that can pay.

    Only *prepare*: a prepared run waits for a person to approve it (someone other than the
    preparer) and to execute it. Preparing is idempotent per municipality and date, so a second
    fire returns the runs prepared first.
    """
    execution_on = next_business_day(today)
    prepared: list[int] = []
    existing: list[int] = []
    failed: list[int] = []
    for municipality_id in municipalities_with_bank_account(engine):
        before = _prepared_run_id(engine, municipality_id, execution_on)
        try:
            view = payment_runs.prepare_run(
                UnitOfWork(engine), municipality_id, execution_on, actor=actor
            )
        except Exception:
            log.exception(
                "preparing the run of municipality %d for %s failed", municipality_id, execution_on
            )
            failed.append(municipality_id)
            continue
        (existing if before is not None else prepared).append(view.run.run_id)
    summary = RunPreparationSummary(execution_on, tuple(prepared), tuple(existing), tuple(failed))
    log.info("run preparation on %s: %s", today, summary.describe())
    return summary


# -- signals -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SignalSummary:
    raised_count: int
    per_kind: dict[str, int] = field(default_factory=dict)

    def describe(self) -> str:
        kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(self.per_kind.items()))
        return f"{self.raised_count} signal(s) raised" + (f" ({kinds})" if kinds else "")


def raise_due_signals(engine: Engine, today: date) -> SignalSummary:
    """Raise the date-dependent signals; a signal already raised is not raised again."""
    raised = services.raise_time_signals(UnitOfWork(engine), today=today)
    per_kind: dict[str, int] = {}
    for signal in raised:
        per_kind[signal.kind.value] = per_kind.get(signal.kind.value, 0) + 1
    summary = SignalSummary(len(raised), per_kind)
    log.info("signals on %s: %s", today, summary.describe())
    return summary


# -- the statement drop folder -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DropFolderSummary:
    """File names per outcome."""

    imported: tuple[str, ...] = ()
    #: Imported before (same content): moved to processed/ without changing anything.
    replayed: tuple[str, ...] = ()
    #: Refused (not a valid statement): moved to failed/ with a reason file.
    failed: tuple[str, ...] = ()
    #: Still changing (or empty) during the look: left for the next call.
    waiting: tuple[str, ...] = ()
    #: An unexpected error (the database, the disk): left in place and tried again next call.
    errors: tuple[str, ...] = ()

    def describe(self) -> str:
        return (
            f"{len(self.imported)} imported, {len(self.replayed)} already imported, "
            f"{len(self.failed)} refused, {len(self.waiting)} waiting, {len(self.errors)} errors"
        )


def import_drop_folder(
    engine: Engine,
    folder: Path,
    today: date,
    actor: str = "scheduler",
    *,
    settle_seconds: float = DROP_FOLDER_SETTLE_SECONDS,
    pause: Callable[[float], None] = time.sleep,
) -> DropFolderSummary:
    """Import the bank statements in ``folder`` and move each out of the way.

    The contract with whoever delivers the files (the bank's SFTP, a transfer job):
    - write each statement under a name that does not end in ``.xml`` (``.xml.part``, ``.tmp``)
      in the same folder, and rename it to its ``*.xml`` name when it is complete; a rename within
      one file system is atomic, so this routine never sees half a file;
    - as a second guard, for senders that write in place anyway, a file is taken only when its
      size and modification time stay the same across two looks ``settle_seconds`` apart, and an
      empty file is never taken;
    - only regular files directly in ``folder`` whose name ends in ``.xml`` (any case) and does not
      start with a dot are read; symbolic links and folders are ignored.

    Afterwards an imported file (or one imported before: same SHA-256, nothing changes) is in
    ``processed/``; a refused file is in ``failed/`` with ``<name>.reason.txt`` next to it, saying
    why. A name that is taken already gets a number (``statement.1.xml``). A file that met an
    unexpected error (the database is down) stays where it is and is tried again next time.
    """
    if not folder.is_dir():
        log.warning("the drop folder %s does not exist; nothing to import", folder)
        return DropFolderSummary()
    first_look = _look(folder)
    if not first_look:
        return DropFolderSummary()
    if settle_seconds > 0:
        pause(settle_seconds)
    second_look = _look(folder)
    imported: list[str] = []
    replayed: list[str] = []
    failed: list[str] = []
    waiting: list[str] = []
    errors: list[str] = []
    for path, signature in first_look.items():
        if second_look.get(path) != signature or signature[0] == 0:
            waiting.append(path.name)
            continue
        try:
            with path.open("rb") as file:
                # One byte more than allowed, so the parser can say the file is too large.
                data = file.read(STATEMENT_SIZE_MAX_BYTES + 1)
            result = statements.import_statement(
                UnitOfWork(engine), data, file_name=path.name, actor=actor, today=today
            )
        except OntzorgenError as refusal:
            # A refusal of the file itself (InvalidStatementFile, or another domain refusal) is
            # the same on every try: move the file aside so it is not tried every minute.
            log.warning("statement %s was refused: %s", path.name, refusal)
            try:
                moved = _move(path, folder / FAILED_FOLDER)
                moved.with_name(moved.name + REASON_SUFFIX).write_text(
                    f"{today.isoformat()} {path.name} was not imported.\n{refusal}\n",
                    encoding="utf-8",
                )
            except OSError:
                log.exception("refused statement %s could not be moved to failed/", path.name)
                errors.append(path.name)
                continue
            failed.append(path.name)
            continue
        except Exception:
            log.exception("importing statement %s failed; it is tried again next time", path.name)
            errors.append(path.name)
            continue
        (replayed if result.replayed else imported).append(path.name)
        try:
            _move(path, folder / PROCESSED_FOLDER)
        except OSError:
            # Imported, but still in the folder: the next look finds it imported and moves it.
            log.exception("statement %s was imported but could not be moved", path.name)
            errors.append(path.name)
    summary = DropFolderSummary(
        tuple(imported), tuple(replayed), tuple(failed), tuple(waiting), tuple(errors)
    )
    log.info("drop folder %s on %s: %s", folder, today, summary.describe())
    return summary


def _look(folder: Path) -> dict[Path, tuple[int, int, int]]:
    """The candidate files with their size, modification time and inode, in name order."""
    found: dict[Path, tuple[int, int, int]] = {}
    with os.scandir(folder) as entries:
        names = sorted(
            entry.name
            for entry in entries
            if entry.name.lower().endswith(".xml") and not entry.name.startswith(".")
        )
    for name in names:
        path = folder / name
        try:
            status = path.lstat()
        except FileNotFoundError:
            continue  # taken away between the listing and the look
        if stat.S_ISREG(status.st_mode):
            found[path] = (status.st_size, status.st_mtime_ns, status.st_ino)
        if len(found) >= FILES_PER_CALL_MAX:
            break
    return found


def _move(path: Path, directory: Path) -> Path:
    """Move ``path`` into ``directory`` without overwriting a file of the same name."""
    directory.mkdir(exist_ok=True)
    target = directory / path.name
    number = 0
    while target.exists():
        number += 1
        target = directory / f"{path.stem}.{number}{path.suffix}"
    path.rename(target)
    return target
