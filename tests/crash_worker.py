"""A separate process that executes one payment run, for the exactly-once tests.

Run it as ``python -m tests.crash_worker <database url> <run id> <actor> <today> [--wait-for-go]``
from the project root. It connects, prints ``ready``, (with ``--wait-for-go``, waits for one line on
standard input, so that two workers can be released together), executes the run, and prints what
``execute_run`` returned as one JSON line. With ``ONTZORGEN_CRASH_AT`` set it kills itself at that
crash point, exactly as a power cut would; a test may also kill it from outside at any moment.

Its database sessions carry ``APPLICATION_NAME``, so a test can see whether a killed worker's
session is still open (and holding locks) before it looks at what was left behind.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, date, datetime, time

from sqlalchemy import make_url

from ledger.database import make_engine
from ontzorgen.payment_runs import execute_run
from ontzorgen.unit_of_work import UnitOfWork

APPLICATION_NAME = "ontzorgen-crash-worker"
READY_LINE = "ready"
#: Every worker writes its payment files with this time of day, so that files built by a rerun
#: after a crash are byte for byte the files an uninterrupted execution would have built.
FILES_CREATED_AT = time(9, 0, tzinfo=UTC)


def created_at(today: date) -> datetime:
    return datetime.combine(today, FILES_CREATED_AT)


def main(arguments: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("database_url")
    parser.add_argument("run_id", type=int)
    parser.add_argument("actor")
    parser.add_argument("today", type=date.fromisoformat)
    parser.add_argument("--wait-for-go", action="store_true")
    options = parser.parse_args(arguments)
    url = make_url(options.database_url).update_query_dict({"application_name": APPLICATION_NAME})
    engine = make_engine(url.render_as_string(hide_password=False), pool_size=1)
    # Connect before saying ready, so a test's clock starts when the execution itself starts.
    with engine.connect():
        pass
    print(READY_LINE, flush=True)
    if options.wait_for_go:
        sys.stdin.readline()
    view = execute_run(
        UnitOfWork(engine),
        options.run_id,
        actor=options.actor,
        today=options.today,
        now=created_at(options.today),
    )
    result = {
        "run_id": view.run.run_id,
        "status": view.run.status.value,
        "executed_by": view.run.executed_by,
        "files": [[message_id, count, total.cents] for message_id, count, total in view.files],
    }
    print(json.dumps(result), flush=True)
    engine.dispose()


if __name__ == "__main__":
    main(sys.argv[1:])
