"""The scheduler process: wait for leadership, then keep the jobs of ``schedules.jobs`` on time.

``ontzorgen scheduler`` (or ``python -m schedules``) runs one in the foreground until SIGTERM or
SIGINT. Start it on as many machines as you like: one leads (``schedules.leadership``), the others
stand by, log which process leads, and try again every ``ONTZORGEN_SCHEDULER_RETRY_SECONDS``.

While leading, the process runs an APScheduler 3 ``BackgroundScheduler`` with a persistent
``SQLAlchemyJobStore`` (table ``apscheduler_jobs``) in the app's own database, in Europe/Amsterdam
time. On taking the lead it reconciles the store with the job definitions:
- a job whose trigger is unchanged keeps the next fire time stored for it. APScheduler's
  ``add_job(replace_existing=True)`` would compute a new one from *now*, silently dropping a fire
  missed while no scheduler ran; kept, the missed fire runs at once (within its grace);
- a job that is new or whose trigger changed gets its next fire time from the trigger;
- a job in the store that is no longer defined (renamed, or the drop folder unset) is removed.
It checks its lock every ``ONTZORGEN_SCHEDULER_CHECK_SECONDS``; without it, it stops all jobs and
stands by again, first backing off for two retry intervals so that a healthy standby takes over.
On SIGTERM or SIGINT it stops taking new fires (leaving a fire due at that moment in the store, see
``stop_scheduler``), lets running jobs finish (each commits or rolls back as a whole anyway), gives
up the lock and exits 0.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.exc import SQLAlchemyError

from ledger.database import make_engine
from schedules import jobs
from schedules.leadership import NoSharedDatabase, leadership_for
from schedules.settings import SchedulerSettings

log = logging.getLogger(__name__)

JOB_TABLE = "apscheduler_jobs"
JOB_STORE = "default"
#: Threads for running jobs; each job runs at most once at a time (max_instances=1).
WORKER_THREADS = 4


def build_scheduler(database_url: str) -> BackgroundScheduler:
    """A scheduler on the persistent job store in the app's database, in Amsterdam time."""
    store = SQLAlchemyJobStore(engine=make_engine(database_url, pool_size=2), tablename=JOB_TABLE)
    return BackgroundScheduler(
        jobstores={JOB_STORE: store},
        executors={"default": {"type": "threadpool", "max_workers": WORKER_THREADS}},
        # Every job states these itself (schedules.jobs); these only keep a forgotten one safe.
        job_defaults={"misfire_grace_time": 3600, "coalesce": True, "max_instances": 1},
        timezone=jobs.AMSTERDAM,
        daemon=True,
    )


def install(scheduler: BackgroundScheduler, definitions: Sequence[jobs.JobDefinition]) -> None:
    """Make the (started, paused) scheduler's store hold exactly ``definitions``."""
    wanted = {definition.job_id for definition in definitions}
    for job in scheduler.get_jobs(jobstore=JOB_STORE):
        if job.id not in wanted:
            log.info("removing job %s: it is no longer defined", job.id)
            scheduler.remove_job(job.id, jobstore=JOB_STORE)
    for definition in definitions:
        stored = scheduler.get_job(definition.job_id, jobstore=JOB_STORE)
        options = {}
        if (
            stored is not None
            and stored.next_run_time is not None
            and repr(stored.trigger) == repr(definition.trigger)
        ):
            options["next_run_time"] = stored.next_run_time
        scheduler.add_job(
            definition.function,
            trigger=definition.trigger,
            id=definition.job_id,
            name=definition.name,
            kwargs=dict(definition.kwargs),
            misfire_grace_time=definition.misfire_grace_seconds,
            coalesce=definition.coalesce,
            max_instances=definition.max_instances,
            jobstore=JOB_STORE,
            replace_existing=True,
            **options,
        )


def stop_scheduler(scheduler: BackgroundScheduler) -> None:
    """Stop taking fires, let running jobs finish, and leave every due fire in the store.

    APScheduler 3's ``shutdown`` wakes its loop for one last pass *after* marking itself stopped
    (so a pause no longer holds it back) and after closing the executor: a job due at that moment
    fails to start, yet its next fire time is moved on and stored, and that fire is lost for good.
    Taking the job store away first leaves that pass nothing to lose; the next leader finds the
    due fire in the store and runs it within its grace.
    """
    scheduler.pause()
    scheduler.remove_jobstore(JOB_STORE)
    scheduler.shutdown(wait=True)


class SchedulerProcess:
    """One scheduler: stands by until it leads, then schedules until stopped or the lock is lost."""

    def __init__(
        self,
        settings: SchedulerSettings,
        definitions: Sequence[jobs.JobDefinition] | None = None,
    ) -> None:
        self.settings = settings
        self.definitions = (
            tuple(definitions) if definitions is not None else jobs.definitions(settings)
        )
        self.leadership = leadership_for(settings.database_url)
        #: Set while this process leads and its scheduler runs; for tests and health checks.
        self.leading = threading.Event()
        self.scheduler: BackgroundScheduler | None = None
        self._stop = threading.Event()

    def stop(self) -> None:
        """Ask the process to stop; ``serve`` returns once running jobs have finished."""
        self._stop.set()

    def serve(self) -> None:
        standing_by = False
        try:
            while not self._stop.is_set():
                try:
                    leads = self.leadership.try_acquire()
                except (SQLAlchemyError, OSError) as error:
                    log.warning("cannot reach the lock (%s); trying again", error)
                    standing_by = False
                    self._stop.wait(self.settings.scheduler_retry_seconds)
                    continue
                if not leads:
                    if not standing_by:
                        log.info(
                            "another scheduler leads (%s); this one stands by and tries again "
                            "every %s s",
                            self.leadership.holder(),
                            self.settings.scheduler_retry_seconds,
                        )
                        standing_by = True
                    self._stop.wait(self.settings.scheduler_retry_seconds)
                    continue
                standing_by = False
                lost = True
                try:
                    lost = self._lead()
                except (SQLAlchemyError, OSError):
                    # The database went away while taking over or leading: stand by again
                    # rather than exit, so the process recovers when the database returns.
                    log.exception("this scheduler could not go on leading; it stands by")
                finally:
                    self.leadership.release()
                if lost:
                    # Back off for two retry intervals, so that a healthy standby (which tries
                    # every interval) takes over before a leader whose connection just broke.
                    self._stop.wait(2 * self.settings.scheduler_retry_seconds)
        finally:
            self.leadership.close()

    def _lead(self) -> bool:
        """Schedule until stopped (False) or until the lock is lost (True)."""
        log.info("this scheduler leads; jobs: %s", ", ".join(d.job_id for d in self.definitions))
        jobs.configure(self.settings)
        scheduler = build_scheduler(self.settings.database_url)
        # Paused: nothing fires until the store holds exactly the definitions.
        scheduler.start(paused=True)
        self.scheduler = scheduler
        try:
            install(scheduler, self.definitions)
            scheduler.resume()
            self.leading.set()
            while not self._stop.wait(self.settings.scheduler_check_seconds):
                if not self.leadership.still_held():
                    log.error("this scheduler lost its lock; it stops its jobs and stands by")
                    return True
            return False
        finally:
            self.leading.clear()
            stop_scheduler(scheduler)
            self.scheduler = None
            jobs.dispose_engines()
            log.info("this scheduler stopped leading")


def stop_on_signals(process: SchedulerProcess) -> None:
    """SIGTERM and SIGINT stop the process gracefully (call from the main thread)."""

    def handle(number: int, _frame: FrameType | None) -> None:
        log.info("received %s; stopping after the running jobs", signal.Signals(number).name)
        process.stop()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)


def configure_logging() -> None:
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    for name in ("schedules", "ontzorgen.routines"):
        logging.getLogger(name).setLevel(logging.INFO)


def main(settings: SchedulerSettings | None = None) -> int:
    """Run a scheduler in the foreground until SIGTERM or SIGINT; the exit code for the shell."""
    configure_logging()
    settings = settings or SchedulerSettings()
    try:
        process = SchedulerProcess(settings)
    except NoSharedDatabase as error:
        print(error, file=sys.stderr)
        return 2
    stop_on_signals(process)
    process.serve()
    return 0
