"""``ontzorgen runs ...`` and ``ontzorgen statements ...``: the payment commands of the CLI.

Who acts is given with ``--as`` (local accounts arrive with the API's access control); the
four-eyes rule is enforced by the domain whatever the edge.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from ledger.database import make_engine
from ontzorgen import payment_runs, statements
from ontzorgen.config import load_settings
from ontzorgen.errors import OntzorgenError
from ontzorgen.payment_runs import RunView
from ontzorgen.unit_of_work import UnitOfWork

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
BAR_WIDTH = 30


def _uow() -> UnitOfWork:
    return UnitOfWork(make_engine(load_settings().database_url))


def _today() -> date:
    return datetime.now(AMSTERDAM).date()


def progress_bar(stage: str, done: int, total: int) -> None:
    """Draw ``[#####.....]  50%  stage  500/1000`` on stderr, on one line."""
    filled = BAR_WIDTH * done // max(total, 1)
    percent = 100 * done // max(total, 1)
    bar = "#" * filled + "." * (BAR_WIDTH - filled)
    print(f"\r[{bar}] {percent:3d}%  {stage}  {done}/{total}", end="", file=sys.stderr)
    if done >= total:
        print(file=sys.stderr)


def describe(view: RunView) -> str:
    run = view.run
    lines = [
        f"run {run.run_id}: municipality {run.municipality_id}, execution on {run.execution_on}, "
        f"{run.status.value}",
        f"  prepared by {run.prepared_by}; approved by {run.approved_by or '-'}; "
        f"executed by {run.executed_by or '-'}",
        f"  {view.totals.overall.count} payments, total {view.totals.overall.total}",
    ]
    lines += [
        f"    {cost_type:<22} {tally.count:>6}  {tally.total!s:>14}"
        for cost_type, tally in view.totals.per_cost_type.items()
    ]
    lines.append("  per creditor:")
    lines += [
        f"    {payee[:40]:<40} {tally.count:>6}  {tally.total!s:>14}"
        for payee, tally in view.totals.per_creditor.items()
    ]
    if run.held_back:
        lines.append("  held back (open blocking signal):")
        lines += [f"    household {h}: {why}" for h, why in run.held_back.items()]
    if view.households_with_arrears:
        households = ", ".join(str(h) for h in view.households_with_arrears)
        lines.append(f"  households in this run with open arrears: {households}")
    lines += [
        f"  file {message_id}: {count} payments, control sum {total}"
        for message_id, count, total in view.files
    ]
    return "\n".join(lines)


def _municipality_id(uow: UnitOfWork, code: str) -> int:
    with uow:
        found = uow.repository.municipality_id_by_code(code)
    if found is None:
        raise OntzorgenError(f"No municipality has code {code!r}.")
    return found


def _prepare(arguments: argparse.Namespace) -> int:
    municipality_id = _municipality_id(_uow(), arguments.municipality)
    view = payment_runs.prepare_run(_uow(), municipality_id, arguments.date, actor=arguments.actor)
    print(describe(view))
    return 0


def _approve(arguments: argparse.Namespace) -> int:
    print(describe(payment_runs.approve_run(_uow(), arguments.run_id, actor=arguments.actor)))
    return 0


def _execute(arguments: argparse.Namespace) -> int:
    view = payment_runs.execute_run(
        _uow(),
        arguments.run_id,
        actor=arguments.actor,
        today=_today(),
        now=datetime.now(UTC),
        progress=progress_bar,
    )
    print(describe(view))
    for path in payment_runs.write_payment_files(_uow(), arguments.run_id, arguments.output):
        print(f"  wrote {path}")
    return 0


def _show(arguments: argparse.Namespace) -> int:
    print(describe(payment_runs.show_run(_uow(), arguments.run_id)))
    if arguments.output is not None:
        for path in payment_runs.write_payment_files(_uow(), arguments.run_id, arguments.output):
            print(f"  wrote {path}")
    return 0


def _import(arguments: argparse.Namespace) -> int:
    path: Path = arguments.file
    result = statements.import_statement(
        _uow(), path.read_bytes(), file_name=path.name, actor=arguments.actor, today=_today()
    )
    counts = ", ".join(f"{status} {count}" for status, count in sorted(result.counts.items()))
    word = "was imported before; nothing changed" if result.replayed else "imported"
    print(f"statement {result.import_id} {word}: {counts}")
    return 0


def _guarded(handler: Any) -> Any:
    def run(arguments: argparse.Namespace) -> int:
        try:
            code: int = handler(arguments)
        except OntzorgenError as error:
            print(f"refused: {error}", file=sys.stderr)
            return 1
        return code

    return run


def add_payment_commands(commands: Any, iso_date: Any) -> None:
    runs = commands.add_parser("runs", help="payment runs").add_subparsers(
        dest="runs_command", required=True
    )
    prepare = runs.add_parser("prepare", help="plan everything due on a business day")
    prepare.add_argument("--municipality", required=True, help="CBS code, e.g. 0599")
    prepare.add_argument("--date", required=True, type=iso_date, help="execution date YYYY-MM-DD")
    prepare.add_argument("--as", dest="actor", required=True, help="who prepares")
    prepare.set_defaults(handler=_guarded(_prepare))

    approve = runs.add_parser("approve", help="approve a run (not by its preparer)")
    approve.add_argument("run_id", type=int)
    approve.add_argument("--as", dest="actor", required=True, help="who approves")
    approve.set_defaults(handler=_guarded(_approve))

    execute = runs.add_parser("execute", help="book the payments and write the SEPA files")
    execute.add_argument("run_id", type=int)
    execute.add_argument("--as", dest="actor", required=True, help="who executes")
    execute.add_argument("--output", type=Path, default=Path("payment-files"), help="folder")
    execute.set_defaults(handler=_guarded(_execute))

    show = runs.add_parser("show", help="show a run, its totals and files")
    show.add_argument("run_id", type=int)
    show.add_argument("--output", type=Path, help="also write the run's SEPA files here")
    show.set_defaults(handler=_guarded(_show))

    statement_commands = commands.add_parser("statements", help="bank statements").add_subparsers(
        dest="statements_command", required=True
    )
    import_command = statement_commands.add_parser("import", help="import a camt.053 file")
    import_command.add_argument("file", type=Path)
    import_command.add_argument("--as", dest="actor", default="cli", help="who imports")
    import_command.set_defaults(handler=_guarded(_import))
