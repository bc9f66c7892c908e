"""The scheduler: one process leads, jobs state their options, the job store survives restarts.

The PostgreSQL tests run on a private, empty database of their own (the job store creates its
table there), so they never touch the migrated database the other tests compare with the schema.
Two schedulers are real subprocesses started at once; a probe job fires every second and writes
which process ran which fire, so a double run would show as two rows for one second.
"""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.pool import NullPool

from schedules import jobs
from schedules.leadership import FileLockLeadership, NoSharedDatabase, leadership_for
from schedules.process import (
    JOB_TABLE,
    SchedulerProcess,
    configure_logging,
    stop_on_signals,
)
from schedules.settings import SchedulerSettings
from tests.databases import POSTGRES_ADMIN_URL, PostgresUnavailable

ROOT = Path(__file__).resolve().parent.parent
PROBE_TABLE = "probe_fires"
PROBE_JOB_ID = "probe"
PROBE_COMMAND = "from tests.test_schedules import probe_main; probe_main()"
#: Each job and its options as they must stand in the store: grace in seconds, coalesce, instances.
EXPECTED_JOBS = {
    jobs.SIGNALS_JOB_ID: (6 * 3600, True, 1, "cron[hour='5', minute='30']"),
    jobs.ALLOCATION_JOB_ID: (6 * 3600, True, 1, "cron[hour='6', minute='0']"),
    jobs.RUN_PREPARATION_JOB_ID: (
        8 * 3600,
        True,
        1,
        "cron[day_of_week='mon-fri', hour='7', minute='0']",
    ),
    jobs.DROP_FOLDER_JOB_ID: (30, True, 1, "cron[minute='*']"),
}


# -- the probe job and the probe scheduler process ---------------------------------------------

_probe_engines: dict[str, Engine] = {}


def record_fire(database_url: str) -> None:
    """The probe job: one row per execution, with the second it fired for and the process."""
    executed_at = time.time()
    engine = _probe_engines.get(database_url)
    if engine is None:
        engine = _probe_engines[database_url] = create_engine(database_url, poolclass=NullPool)
    with engine.begin() as connection:
        connection.execute(
            text(
                f"INSERT INTO {PROBE_TABLE} (fire_second, pid, executed_at) "
                "VALUES (:fire_second, :pid, :executed_at)"
            ),
            # A fire every whole second runs well within that second, so its floor is the second
            # it fired for (a caught-up fire runs within a second of its time too).
            {
                "fire_second": math.floor(executed_at),
                "pid": os.getpid(),
                "executed_at": executed_at,
            },
        )


def probe_definitions(
    database_url: str, trigger: CronTrigger | None = None
) -> tuple[jobs.JobDefinition, ...]:
    return (
        jobs.JobDefinition(
            job_id=PROBE_JOB_ID,
            function=jobs.reference(record_fire),
            trigger=trigger or CronTrigger(second="*", timezone=jobs.AMSTERDAM),
            misfire_grace_seconds=3600,
            coalesce=True,
            max_instances=1,
            name="Probe: record each fire",
            kwargs={"database_url": database_url},
        ),
    )


def fast_settings(database_url: str, **overrides: object) -> SchedulerSettings:
    values: dict[str, object] = {
        "database_url": database_url,
        "scheduler_retry_seconds": 0.2,
        "scheduler_check_seconds": 0.2,
    }
    values.update(overrides)
    return SchedulerSettings.model_validate(values)


def probe_main() -> None:
    """A scheduler process with the probe job: ``python -c '...probe_main()' <database url>``."""
    database_url = sys.argv[1]
    configure_logging()
    process = SchedulerProcess(fast_settings(database_url), probe_definitions(database_url))
    stop_on_signals(process)
    process.serve()


# -- fixtures ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def scheduler_database() -> Iterator[str]:
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    name = f"ontzorgen_schedules_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:
        raise PostgresUnavailable(f"PostgreSQL at {POSTGRES_ADMIN_URL} is needed.") from error
    try:
        yield make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def database_url(scheduler_database: str) -> Iterator[str]:
    """The private database with an empty probe table and no job store yet."""
    engine = create_engine(scheduler_database, poolclass=NullPool)
    with engine.begin() as connection:
        connection.execute(text(f"DROP TABLE IF EXISTS {JOB_TABLE}, {PROBE_TABLE}"))
        connection.execute(
            text(
                f"CREATE TABLE {PROBE_TABLE} (fire_second bigint NOT NULL, pid integer NOT NULL, "
                "executed_at double precision NOT NULL)"
            )
        )
    engine.dispose()
    yield scheduler_database


def probe_rows(database_url: str) -> list[tuple[int, int]]:
    engine = create_engine(database_url, poolclass=NullPool)
    with engine.connect() as connection:
        rows = connection.execute(
            text(f"SELECT fire_second, pid FROM {PROBE_TABLE} ORDER BY executed_at")
        ).all()
    engine.dispose()
    return [(row.fire_second, row.pid) for row in rows]


def stored_job_ids(database_url: str) -> list[str]:
    engine = create_engine(database_url, poolclass=NullPool)
    with engine.connect() as connection:
        ids = connection.execute(text(f"SELECT id FROM {JOB_TABLE} ORDER BY id")).scalars().all()
    engine.dispose()
    return list(ids)


def wait_until(condition: Callable[[], bool], *, timeout_seconds: float, what: str) -> None:
    deadline = time.monotonic() + timeout_seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"Waited {timeout_seconds} s for {what}.")
        time.sleep(0.05)


@contextmanager
def scheduler_in_thread(
    settings: SchedulerSettings, definitions: tuple[jobs.JobDefinition, ...] | None = None
) -> Iterator[SchedulerProcess]:
    process = SchedulerProcess(settings, definitions)
    thread = threading.Thread(target=process.serve, name="scheduler-under-test", daemon=True)
    thread.start()
    try:
        yield process
    finally:
        process.stop()
        thread.join(timeout=15)
        assert not thread.is_alive(), "the scheduler did not stop"


def leading(process: SchedulerProcess) -> SchedulerProcess:
    assert process.leading.wait(timeout=10), "the scheduler did not take the lead"
    return process


# -- two schedulers, one leader ----------------------------------------------------------------


@pytest.mark.postgresql
def test_two_schedulers_started_at_once_never_run_a_job_twice(
    database_url: str, tmp_path: Path
) -> None:
    logs = {name: tmp_path / f"{name}.log" for name in ("one", "two")}
    started = {
        name: subprocess.Popen(
            [sys.executable, "-c", PROBE_COMMAND, database_url],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=log.open("wb"),
        )
        for name, log in logs.items()
    }
    names = {process.pid: name for name, process in started.items()}
    try:
        wait_until(lambda: len(probe_rows(database_url)) >= 3, timeout_seconds=15, what="3 fires")
        leader_pids = {pid for _, pid in probe_rows(database_url)}
        assert len(leader_pids) == 1, "two schedulers ran the job"
        leader = names[leader_pids.pop()]
        standby = next(name for name in started if name != leader)
        started[leader].send_signal(signal.SIGTERM)
        assert started[leader].wait(timeout=15) == 0  # a graceful stop
        taken_over = started[standby].pid
        wait_until(
            lambda: sum(pid == taken_over for _, pid in probe_rows(database_url)) >= 3,
            timeout_seconds=15,
            what="the standby to take over",
        )
        started[standby].send_signal(signal.SIGTERM)
        assert started[standby].wait(timeout=15) == 0
    finally:
        for process in started.values():
            if process.poll() is None:
                process.kill()
                process.wait()

    rows = probe_rows(database_url)
    seconds = [second for second, _ in rows]
    assert len(seconds) == len(set(seconds)), f"a fire ran twice: {rows}"
    # One leader at a time: every fire of the first leader came before any of the second.
    pids = [pid for _, pid in rows]
    first_pid, second_pid = started[leader].pid, started[standby].pid
    assert pids == [first_pid] * pids.count(first_pid) + [second_pid] * pids.count(second_pid)
    # Every fire time ran once: no gap while one process led. Fires missed during the handover
    # are coalesced into the new leader's first fire, which catches up at once.
    first_seconds = [second for second, pid in rows if pid == first_pid]
    second_seconds = [second for second, pid in rows if pid == second_pid]
    for spell in (first_seconds, second_seconds):
        assert spell == list(range(spell[0], spell[0] + len(spell))), f"a fire was skipped: {rows}"
    assert second_seconds[0] - first_seconds[-1] <= 3
    leader_log = logs[leader].read_text(encoding="utf-8")
    standby_log = logs[standby].read_text(encoding="utf-8")
    assert "this scheduler leads" in leader_log
    assert "another scheduler leads" not in leader_log
    assert "another scheduler leads (PostgreSQL backend" in standby_log
    assert "ontzorgen-scheduler" in standby_log  # it names the leader's connection
    assert standby_log.index("another scheduler leads") < standby_log.index("this scheduler leads")


@pytest.mark.postgresql
def test_a_leader_that_loses_its_lock_connection_stops_and_the_standby_takes_over(
    database_url: str,
) -> None:
    quiet = probe_definitions(database_url, CronTrigger(hour=3, minute=0, timezone=jobs.AMSTERDAM))
    settings = fast_settings(database_url)
    with scheduler_in_thread(settings, quiet) as first:
        leading(first)
        with scheduler_in_thread(settings, quiet) as second:
            time.sleep(0.5)
            assert not second.leading.is_set()
            engine = create_engine(database_url, poolclass=NullPool)
            with engine.connect() as connection:
                # What a database restart or a network break does to the leader's session.
                terminated = (
                    connection.execute(
                        text(
                            "SELECT pg_terminate_backend(l.pid) FROM pg_locks l "
                            "WHERE l.locktype = 'advisory' AND l.granted"
                        )
                    )
                    .scalars()
                    .all()
                )
            engine.dispose()
            assert terminated == [True]
            leading(second)
            wait_until(
                lambda: not first.leading.is_set(), timeout_seconds=5, what="the old leader to stop"
            )
            time.sleep(0.5)
            assert second.leading.is_set() and not first.leading.is_set()


# -- the job definitions and the persistent job store ------------------------------------------


@pytest.mark.postgresql
def test_every_job_states_its_options_and_survives_a_restart_without_duplicates(
    database_url: str, tmp_path: Path
) -> None:
    settings = fast_settings(database_url, drop_folder=tmp_path)

    def seen(process: SchedulerProcess) -> dict[str, tuple[int, bool, int, str]]:
        assert process.scheduler is not None
        return {
            job.id: (job.misfire_grace_time, job.coalesce, job.max_instances, str(job.trigger))
            for job in process.scheduler.get_jobs()
        }

    with scheduler_in_thread(settings) as process:
        first = seen(leading(process))
        assert process.scheduler is not None
        next_fires = {job.id: job.next_run_time for job in process.scheduler.get_jobs()}
        assert {str(job.trigger.timezone) for job in process.scheduler.get_jobs()} == {
            "Europe/Amsterdam"
        }
    assert first == EXPECTED_JOBS
    # APScheduler's default grace of one second would skip a job missed during a restart.
    assert all(grace > 1 for grace, *_ in first.values())
    assert stored_job_ids(database_url) == sorted(EXPECTED_JOBS)  # kept while nothing runs

    with scheduler_in_thread(settings) as process:
        assert seen(leading(process)) == EXPECTED_JOBS
        assert process.scheduler is not None
        assert {job.id: job.next_run_time for job in process.scheduler.get_jobs()} == next_fires
    assert stored_job_ids(database_url) == sorted(EXPECTED_JOBS)


@pytest.mark.postgresql
def test_a_fire_missed_while_no_scheduler_ran_runs_once_after_the_restart(
    database_url: str,
) -> None:
    # A daily job: in the test's few seconds it fires only if the missed fire is caught up.
    daily = probe_definitions(database_url, CronTrigger(hour=3, minute=0, timezone=jobs.AMSTERDAM))
    settings = fast_settings(database_url)
    with scheduler_in_thread(settings, daily) as process:
        scheduler = leading(process).scheduler
        assert scheduler is not None
        scheduler.pause()
        missed_at = datetime.now(jobs.AMSTERDAM) - timedelta(minutes=5)
        scheduler.modify_job(PROBE_JOB_ID, next_run_time=missed_at)
    assert probe_rows(database_url) == []

    # add_job(replace_existing=True) alone would move the next fire to tomorrow 03:00.
    with scheduler_in_thread(settings, daily) as process:
        leading(process)
        wait_until(
            lambda: len(probe_rows(database_url)) == 1, timeout_seconds=5, what="the caught-up fire"
        )
        time.sleep(0.5)
        scheduler = process.scheduler
        assert scheduler is not None
        next_fire = scheduler.get_job(PROBE_JOB_ID).next_run_time
    assert len(probe_rows(database_url)) == 1
    assert (next_fire.hour, next_fire.minute) == (3, 0) and next_fire > missed_at


@pytest.mark.postgresql
def test_a_job_no_longer_defined_is_removed_from_the_store(database_url: str) -> None:
    with scheduler_in_thread(fast_settings(database_url), probe_definitions(database_url)) as p:
        leading(p)
    assert stored_job_ids(database_url) == [PROBE_JOB_ID]
    with scheduler_in_thread(fast_settings(database_url)) as process:
        leading(process)
    # The drop folder is not set, so its job is not scheduled either.
    assert stored_job_ids(database_url) == sorted(set(EXPECTED_JOBS) - {jobs.DROP_FOLDER_JOB_ID})


# -- SQLite: a lock file ------------------------------------------------------------------------


def test_on_sqlite_a_lock_file_lets_one_scheduler_lead_and_the_other_take_over(
    tmp_path: Path,
) -> None:
    settings = fast_settings(f"sqlite:///{tmp_path / 'ontzorgen.db'}")
    with scheduler_in_thread(settings) as first:
        leading(first)
        with scheduler_in_thread(settings) as second:
            time.sleep(0.5)
            assert not second.leading.is_set()
            first.stop()
            leading(second)
    lock = leadership_for(settings.database_url)
    assert isinstance(lock, FileLockLeadership)
    assert lock.lock_path == tmp_path / "ontzorgen.db.scheduler.lock"
    assert f"pid {os.getpid()}" in lock.holder()


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:", "mysql://db/ontzorgen"])
def test_a_database_without_a_shared_lock_is_refused(url: str) -> None:
    with pytest.raises(NoSharedDatabase):
        leadership_for(url)


def test_a_job_function_must_be_module_level() -> None:
    def local() -> None:
        return None

    with pytest.raises(ValueError, match="module-level"):
        jobs.reference(local)
    assert jobs.reference(jobs.allocate_due_months) == "schedules.jobs:allocate_due_months"


def test_the_scheduler_command_stops_gracefully_on_sigterm(tmp_path: Path) -> None:
    environment = {
        **os.environ,
        "ONTZORGEN_DATABASE_URL": f"sqlite:///{tmp_path / 'ontzorgen.db'}",
        "ONTZORGEN_SCHEDULER_CHECK_SECONDS": "0.1",
    }
    environment.pop("ONTZORGEN_DROP_FOLDER", None)
    command = subprocess.Popen(
        [str(Path(sys.executable).with_name("ontzorgen")), "scheduler"],
        cwd=tmp_path,
        env=environment,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until(
            lambda: (tmp_path / "ontzorgen.db.scheduler.lock").exists(),
            timeout_seconds=10,
            what="the lock file",
        )
        time.sleep(1.0)
        command.send_signal(signal.SIGTERM)
        _, errors = command.communicate(timeout=15)
    finally:
        if command.poll() is None:
            command.kill()
    assert command.returncode == 0, errors
    assert "this scheduler leads" in errors
    assert "received SIGTERM" in errors and "stopped leading" in errors
