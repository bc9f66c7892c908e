"""The ``ontzorgen`` command: serve the app, migrate the database, check the ledger, seed a demo.

The command line is an edge like HTTP: it may import every inner layer, and nothing imports it.
Every command reads its settings from ``ONTZORGEN_*`` environment variables (``ontzorgen.config``).
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from api.cli_payments import add_payment_commands
from api.cli_users import add_user_commands
from ledger.check import check_ledger
from ledger.database import make_engine
from ontzorgen import database
from ontzorgen.config import load_settings
from ontzorgen.errors import OntzorgenError

#: The municipalities' clock: "today" is the date in the Netherlands, not in UTC.
AMSTERDAM = "Europe/Amsterdam"


def _serve(arguments: argparse.Namespace) -> int:
    import uvicorn

    from api.app import create_app

    settings = load_settings()
    engine = make_engine(settings.database_url)
    host = arguments.host or settings.host
    port = arguments.port or settings.port
    print(f"ontzorgen serves on http://{host}:{port}/ (log in with a demo login printed above)")
    print(f"API documentation: http://{host}:{port}/v1/docs (OpenAPI: /v1/openapi.json)")
    print(f"Health: http://{host}:{port}/v1/health")
    print(f"Database: {engine.url.render_as_string(hide_password=True)}")
    if arguments.workers > 1:
        from api.serving import Workers

        engine.dispose()
        print(f"Workers: {arguments.workers} processes, a listening socket each")
        workers = Workers(
            "api.serving:app_from_settings",
            host,
            port,
            arguments.workers,
            log_level=settings.log_level,
        )
        return workers.wait()
    uvicorn.run(create_app(engine), host=host, port=port, log_level=settings.log_level)
    return 0


def _db_upgrade(_arguments: argparse.Namespace) -> int:
    engine = make_engine(load_settings().database_url)
    database.upgrade(engine)
    print(f"database at revision {database.current_revision(engine)}")
    return 0


def _ledger_check(_arguments: argparse.Namespace) -> int:
    engine = make_engine(load_settings().database_url)
    with engine.connect() as connection:
        report = check_ledger(connection)
    print(report.summary())
    return 0 if report.passed else 1


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date; write it as YYYY-MM-DD."
        ) from None


def _demo(arguments: argparse.Namespace) -> int:
    from ontzorgen.demo import seed_demo

    engine = make_engine(load_settings().database_url)
    if database.current_revision(engine) != database.head_revision(engine):
        print(
            "The database schema is not current; run `ontzorgen db upgrade` first.", file=sys.stderr
        )
        return 1
    # The command line is an edge, so it may read the clock; the domain gets the date passed in.
    today: date = arguments.today or datetime.now(ZoneInfo(AMSTERDAM)).date()
    started = time.perf_counter()
    try:
        summary = seed_demo(engine, today)
    except OntzorgenError as error:
        print(f"The demo could not be seeded: {error}", file=sys.stderr)
        return 1
    print(summary.describe())
    if summary.seeded:
        print(f"Seeded in {time.perf_counter() - started:.1f} s.")
    return 0


def _scheduler(_arguments: argparse.Namespace) -> int:
    from schedules.process import main as run_scheduler

    return run_scheduler()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ontzorgen", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve the HTTP API")
    serve.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (default 8000)")
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        help="worker processes, each with its own listening socket (default 1; on PostgreSQL "
        "about one per core)",
    )
    serve.set_defaults(handler=_serve)

    db = commands.add_parser("db", help="database schema").add_subparsers(
        dest="db_command", required=True
    )
    db.add_parser("upgrade", help="apply all migrations").set_defaults(handler=_db_upgrade)

    ledger = commands.add_parser("ledger", help="the double-entry ledger").add_subparsers(
        dest="ledger_command", required=True
    )
    ledger.add_parser(
        "check", help="check every ledger invariant; exits 1 on any violation"
    ).set_defaults(handler=_ledger_check)

    demo = commands.add_parser(
        "demo", help="seed a living demo (two municipalities, sixteen households); once only"
    )
    demo.add_argument(
        "--today",
        type=_iso_date,
        help="the date the demo is seeded as of, YYYY-MM-DD (default: today in Europe/Amsterdam)",
    )
    demo.set_defaults(handler=_demo)

    commands.add_parser(
        "scheduler",
        help="run the scheduled jobs in the foreground (one process leads, others stand by)",
    ).set_defaults(handler=_scheduler)
    add_payment_commands(commands, _iso_date)
    add_user_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    arguments = build_parser().parse_args(argv)
    code: int = arguments.handler(arguments)
    return code


if __name__ == "__main__":
    sys.exit(main())
