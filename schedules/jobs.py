"""The jobs: *when* each routine of ``ontzorgen.routines`` runs, and the functions that run it.

The job store pickles each job with a textual reference to its function ("module:name"), so every
job function is a module-level function of this module, and every job has a fixed id (a renamed
function or id would leave a stale job behind; the scheduler removes jobs it no longer defines).

APScheduler's defaults are dangerous for payments: ``misfire_grace_time=1`` silently skips a job
missed by more than a second (a restart at 06:00 would skip the day's allocation). Every job sets
its grace, ``coalesce`` (a backlog of missed fires runs once) and ``max_instances=1`` explicitly.

The clock is read here, at the edge: a job takes today's date in Europe/Amsterdam and passes it
in. The job store holds no settings: the database URL may carry a password, and the store is a
table that anyone who can read the database can read. Jobs use the settings their scheduler
process was started with (``configure``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import Engine

from ledger.database import make_engine
from ontzorgen import routines
from schedules.settings import SchedulerSettings

log = logging.getLogger(__name__)

#: The municipalities' clock: "today" is the date in the Netherlands, not in UTC.
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
HOUR_SECONDS = 3600

ALLOCATION_JOB_ID = "allocate-due-months"
RUN_PREPARATION_JOB_ID = "prepare-due-runs"
SIGNALS_JOB_ID = "raise-due-signals"
DROP_FOLDER_JOB_ID = "import-drop-folder"


@dataclass(frozen=True, slots=True)
class JobDefinition:
    """One job as the scheduler installs it; every option that matters is stated, none defaulted."""

    job_id: str
    #: Textual reference "module:function" to a module-level function (what the store pickles).
    function: str
    trigger: CronTrigger
    misfire_grace_seconds: int
    coalesce: bool
    max_instances: int
    name: str
    #: Plain strings only: they are pickled into the job store.
    kwargs: Mapping[str, str] = field(default_factory=dict)


def reference(function: Callable[..., object]) -> str:
    """The textual reference of a module-level function; refuses anything the store cannot load."""
    module, name = function.__module__, function.__qualname__
    if module == "__main__" or "<" in name or "." in name:
        raise ValueError(
            f"{module}.{name} is not a module-level function of an importable module; a "
            "persistent job store can only refer to those."
        )
    return f"{module}:{name}"


# -- the process's settings and engine ---------------------------------------------------------

_lock = threading.Lock()
_settings: SchedulerSettings | None = None
_engines: dict[str, Engine] = {}


def configure(settings: SchedulerSettings) -> None:
    """Set the settings the jobs of this process use (the scheduler does this when it leads)."""
    global _settings
    with _lock:
        _settings = settings


def _current_settings() -> SchedulerSettings:
    with _lock:
        if _settings is None:
            # A job run outside a scheduler (by hand, from a shell) reads the environment.
            return SchedulerSettings()
        return _settings


def _engine(settings: SchedulerSettings) -> Engine:
    with _lock:
        engine = _engines.get(settings.database_url)
        if engine is None:
            engine = make_engine(settings.database_url, pool_size=4)
            _engines[settings.database_url] = engine
        return engine


def dispose_engines() -> None:
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


def today_in_amsterdam() -> date:
    return datetime.now(AMSTERDAM).date()


# -- the job functions (module level: the job store refers to them by name) --------------------


def allocate_due_months() -> None:
    settings = _current_settings()
    routines.allocate_due_months(_engine(settings), today_in_amsterdam())


def prepare_due_runs() -> None:
    settings = _current_settings()
    routines.prepare_due_runs(_engine(settings), today_in_amsterdam())


def raise_due_signals() -> None:
    settings = _current_settings()
    routines.raise_due_signals(_engine(settings), today_in_amsterdam())


def import_drop_folder() -> None:
    settings = _current_settings()
    if settings.drop_folder is None:
        log.warning("no drop folder is set (ONTZORGEN_DROP_FOLDER); nothing to import")
        return
    routines.import_drop_folder(_engine(settings), settings.drop_folder, today_in_amsterdam())


# -- the schedule ------------------------------------------------------------------------------


def definitions(settings: SchedulerSettings) -> tuple[JobDefinition, ...]:
    """The jobs the scheduler keeps in its store, in Europe/Amsterdam time."""
    jobs = [
        # Signals first, so a coach sees this morning's missing bijstand before anything else.
        JobDefinition(
            job_id=SIGNALS_JOB_ID,
            function=reference(raise_due_signals),
            trigger=CronTrigger(hour=5, minute=30, timezone=AMSTERDAM),
            misfire_grace_seconds=6 * HOUR_SECONDS,
            coalesce=True,
            max_instances=1,
            name="Raise the signals that depend on the date",
        ),
        # Allocation before run preparation, so today's run pays what was allocated this morning.
        JobDefinition(
            job_id=ALLOCATION_JOB_ID,
            function=reference(allocate_due_months),
            trigger=CronTrigger(hour=6, minute=0, timezone=AMSTERDAM),
            misfire_grace_seconds=6 * HOUR_SECONDS,
            coalesce=True,
            max_instances=1,
            name="Allocate every month whose bijstand is in",
        ),
        # On working days; a run waits for two people (prepare is ours, approve and execute theirs),
        # so a late fire (grace until the afternoon) still leaves the day to approve it.
        JobDefinition(
            job_id=RUN_PREPARATION_JOB_ID,
            function=reference(prepare_due_runs),
            trigger=CronTrigger(day_of_week="mon-fri", hour=7, minute=0, timezone=AMSTERDAM),
            misfire_grace_seconds=8 * HOUR_SECONDS,
            coalesce=True,
            max_instances=1,
            name="Prepare the next business day's payment runs",
        ),
    ]
    if settings.drop_folder is not None:
        jobs.append(
            # Every minute; a missed minute is simply covered by the next one.
            JobDefinition(
                job_id=DROP_FOLDER_JOB_ID,
                function=reference(import_drop_folder),
                trigger=CronTrigger(minute="*", timezone=AMSTERDAM),
                misfire_grace_seconds=30,
                coalesce=True,
                max_instances=1,
                name="Import the bank statements in the drop folder",
            )
        )
    return tuple(jobs)
