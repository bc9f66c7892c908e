"""Exactly once, on PostgreSQL: a payment run is never paid twice and never loses a payment.

Preparing, approving or executing twice, two processes at once, or a crash at any point followed by
a rerun never pays anything twice and never loses a payment. Executions run in real operating-system
processes (``tests/crash_worker.py``) that are killed with SIGKILL, no cleanup, like a power cut.
What is proven:
- a crash at each crash point of ``execute_run`` leaves all or nothing. Before the commit the run is
  still approved and nothing at all was written: no entry, no file, no payment sent, no balance
  moved. After the commit everything was written, and a rerun changes nothing and returns the same,
  byte-identical files;
- after any crash a rerun completes the run exactly once: every planned payment has one ledger
  entry under its idempotency key, taking its amount from its reserve (or leefgeld) account and
  from the funds, is sent and is in one payment file once; the files' payment counts and control
  sums add up to the run; every ledger account moved by exactly the payments booked on it, and no
  other entry was booked; the ledger audit passes;
- a worker killed from outside at random moments spread over the execution, with its transaction
  open and already writing, leaves nothing either, and a rerun pays everything once;
- preparing twice gives one run, approving twice by the approver one approval; executing twice
  books one set of entries; two processes executing the same approved run at the same moment book
  it once: one books, the other returns the run as the first executed it. Two threads preparing or
  approving at the same moment plan the run once and approve it once (both preparers are handed the
  same run);
- nothing is lost: every payment due by the execution date (each obligation's reserved due date in
  the allocation lines, each leefgeld part) is in exactly one payment, for its exact amount.

The world: newcomer households with July and August allocated, and a run on Monday 3 August 2026,
so that the run holds August's creditor payments (due Saturday 1 August), the first leefgeld part of
August, and what the missed July run should have paid (catch-up).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import partial
from pathlib import Path
from select import select as wait_for_readable
from typing import Any, TypeVar

import pytest
from lxml import etree
from sqlalchemy import Engine, func, select, text

from ledger.check import check_ledger
from ledger.money import Money
from ledger.schema import accounts, entries, postings
from ontzorgen import payment_runs
from ontzorgen.accounts import NO_OBLIGATION, AccountRole
from ontzorgen.business_days import payment_date_for
from ontzorgen.months import Month
from ontzorgen.run_repository import PaymentRecord
from ontzorgen.runs import (
    PaymentKind,
    PaymentStatus,
    RunAlreadyApproved,
    RunStatus,
    leefgeld_source_key,
    obligation_source_key,
)
from ontzorgen.sepa import NAMESPACE, validate_payment_file
from ontzorgen.tables import (
    allocation_lines,
    household_accounts,
    leefgeld_parts,
    payments,
)
from ontzorgen.tables import payment_runs as payment_runs_table
from ontzorgen.unit_of_work import UnitOfWork
from tests.crash_worker import APPLICATION_NAME, READY_LINE, created_at
from tests.factories import World, add_newcomer, allocate_full_month, make_world

T = TypeVar("T")

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CRASH_VARIABLE = "ONTZORGEN_CRASH_AT"
CRASH_POINTS = (
    "execute:after_ledger",
    "execute:after_files",
    "execute:before_commit",
    "execute:after_commit",
)
CRASH_POINTS_BEFORE_COMMIT = frozenset(CRASH_POINTS[:3])

EXECUTION_ON = date(2026, 8, 3)  # a Monday
#: Each month allocated, with the day its bijstand arrived and it was divided.
ALLOCATED_MONTHS = ((Month(2026, 7), date(2026, 6, 24)), (Month(2026, 8), date(2026, 7, 24)))
#: Per household: four creditors for July and four for August, and the leefgeld parts paid on
#: 6, 13, 20 and 27 July and 3 August.
PAYMENTS_PER_HOUSEHOLD = 13
PREPARER = "w.devries@rotterdam.nl"
APPROVER = "a.bakker@rotterdam.nl"
SECOND_APPROVER = "j.jansen@rotterdam.nl"

#: Households of the worlds in which the crash points are tried, one world per crash point.
CRASH_POINT_HOUSEHOLD_COUNT = 20
#: Households of the world killed at random moments: about a thousand payments, whose execution
#: keeps its transaction open for some tenths of a second, long enough for every kill spread over
#: it to land inside. More households would only make building the world (the slow part) slower.
TIMED_KILL_HOUSEHOLD_COUNT = 80
#: Kills spread over the measured execution time, one in each equal slice of it.
TIMED_KILL_COUNT = 5
TIMED_KILL_SEED = 20260803
#: Threads that register households at once while a world is built.
BUILDERS = 4

WORKER_TIMEOUT_SECONDS = 60.0
SESSION_END_TIMEOUT_SECONDS = 30.0
THREADS_TIMEOUT_SECONDS = 60.0


# -- the world --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ApprovedRun:
    world: World
    run_id: int
    household_count: int


def add_allocated_household(world: World) -> int:
    household = add_newcomer(world)
    for month, received_on in ALLOCATED_MONTHS:
        allocate_full_month(world, household, month, received_on)
    return household.household_id


def world_with_households(engine: Engine, household_count: int) -> World:
    """A municipality with a bank account and allocated households."""
    world = make_world(engine)
    payment_runs.set_bank_account(
        world.uow(),
        world.municipality_id,
        holder="Gemeente Rotterdam",
        iban="NL14BNGH0285001234",
        bic=None,
    )
    with ThreadPoolExecutor(BUILDERS) as builders:
        households = list(
            builders.map(lambda _: add_allocated_household(world), range(household_count))
        )
    assert len(set(households)) == household_count
    return world


def approved_run(engine: Engine, household_count: int) -> ApprovedRun:
    """A municipality with a bank account and allocated households, and its run, approved."""
    world = world_with_households(engine, household_count)
    prepared = payment_runs.prepare_run(
        world.uow(), world.municipality_id, EXECUTION_ON, actor=PREPARER
    )
    assert prepared.totals.overall.count == household_count * PAYMENTS_PER_HOUSEHOLD
    payment_runs.approve_run(world.uow(), prepared.run.run_id, actor=APPROVER)
    return ApprovedRun(world, prepared.run.run_id, household_count)


# -- what the database holds ------------------------------------------------------------------


@dataclass(frozen=True)
class Observed:
    """Everything an execution writes; read when no worker is left running."""

    status: RunStatus
    approved_at: datetime | None
    executed_by: str | None
    executed_at: datetime | None
    payments: tuple[PaymentRecord, ...]
    files: tuple[tuple[str, int, Money, bytes, str], ...]
    file_of_payment: dict[int, str | None]  # the message id of the file each payment is in
    entry_count: int
    balances_cents: dict[int, int]


def observe(engine: Engine, run_id: int) -> Observed:
    with UnitOfWork(engine) as uow:
        run = uow.runs.get_run(run_id)
        assert run is not None
        moments = uow.connection.execute(
            select(payment_runs_table.c.approved_at, payment_runs_table.c.executed_at).where(
                payment_runs_table.c.id == run_id
            )
        ).one()
        entry_count = uow.connection.execute(select(func.count()).select_from(entries))
        balances = uow.connection.execute(select(accounts.c.id, accounts.c.balance_cents))
        in_files = uow.connection.execute(
            select(payments.c.id, payments.c.file_message_id).where(payments.c.run_id == run_id)
        )
        return Observed(
            status=run.status,
            approved_at=moments.approved_at,
            executed_by=run.executed_by,
            executed_at=moments.executed_at,
            payments=tuple(uow.runs.payments_of(run_id)),
            files=tuple(uow.runs.payment_files_of(run_id)),
            file_of_payment={row.id: row.file_message_id for row in in_files},
            entry_count=entry_count.scalar_one(),
            balances_cents={row.id: row.balance_cents for row in balances},
        )


def assert_nothing_written(approved: Observed, now: Observed) -> None:
    assert now.status is RunStatus.APPROVED
    assert now.files == ()
    assert now.entry_count == approved.entry_count
    assert {p.status for p in now.payments} == {PaymentStatus.PLANNED}
    assert {p.entry_id for p in now.payments} == {None}
    assert set(now.file_of_payment.values()) == {None}
    assert now == approved


def accounts_of_households(engine: Engine) -> dict[int, tuple[int, str, int]]:
    """``account -> (household, role, obligation)`` for every household account."""
    with engine.connect() as connection:
        return {
            row.account_id: (row.household_id, row.role, row.obligation_id)
            for row in connection.execute(select(household_accounts))
        }


def payment_accounts(
    payment: PaymentRecord, roles: dict[tuple[int, str, int], int]
) -> tuple[int, int]:
    """The account a payment is taken from (its reserve or the leefgeld) and the funds account."""
    household = payment.household_id
    if payment.kind is PaymentKind.CREDITOR:
        assert payment.obligation_id is not None
        source = roles[(household, AccountRole.RESERVE.value, payment.obligation_id)]
    else:
        source = roles[(household, AccountRole.LEEFGELD.value, NO_OBLIGATION)]
    return source, roles[(household, AccountRole.FUNDS.value, NO_OBLIGATION)]


def file_transfers(content: bytes) -> tuple[list[str], int, int]:
    """A pain.001 file's EndToEndIds, its declared number of transfers, and their sum in cents."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    document = etree.fromstring(content, parser)
    namespaces = {"p": NAMESPACE}
    end_to_end_ids = [str(e.text) for e in document.iterfind(".//p:EndToEndId", namespaces)]
    amounts = [str(e.text) for e in document.iterfind(".//p:InstdAmt", namespaces)]
    declared = document.find("p:CstmrCdtTrfInitn/p:GrpHdr/p:NbOfTxs", namespaces)
    assert declared is not None and len(amounts) == len(end_to_end_ids)
    total_cents = sum(int(Decimal(amount) * 100) for amount in amounts)
    return end_to_end_ids, int(str(declared.text)), total_cents


def assert_paid_exactly_once(engine: Engine, run_id: int, approved: Observed) -> Observed:
    """The run is executed; every planned payment booked, sent and filed once; nothing else."""
    now = observe(engine, run_id)
    planned = approved.payments
    assert now.status is RunStatus.EXECUTED
    # The same payments as approved: none added, none dropped, none changed in what they pay.
    assert [(p.payment_id, p.source_key, p.amount, p.end_to_end_id) for p in now.payments] == [
        (p.payment_id, p.source_key, p.amount, p.end_to_end_id) for p in planned
    ]
    assert {p.status for p in now.payments} == {PaymentStatus.SENT}
    entry_ids = [p.entry_id for p in now.payments]
    assert None not in entry_ids and len(set(entry_ids)) == len(planned)
    # Exactly the payments' entries were booked, one per payment, under its idempotency key.
    assert now.entry_count == approved.entry_count + len(planned)
    keys = {f"payment:{p.end_to_end_id}": p.entry_id for p in now.payments}
    with engine.connect() as connection:
        booked = connection.execute(
            select(entries.c.idempotency_key, entries.c.id).where(
                entries.c.idempotency_key.in_(list(keys))
            )
        ).all()
        legs = connection.execute(
            select(
                postings.c.entry_id,
                postings.c.account_id,
                postings.c.direction,
                postings.c.amount_cents,
            ).where(postings.c.entry_id.in_(entry_ids))
        ).all()
        report = check_ledger(connection)
    assert Counter(row.idempotency_key for row in booked) == Counter(dict.fromkeys(keys, 1))
    assert {row.idempotency_key: row.id for row in booked} == keys
    legs_by_entry: dict[int, set[tuple[int, str, int]]] = {}
    for leg in legs:
        legs_by_entry.setdefault(leg.entry_id, set()).add(
            (leg.account_id, leg.direction, leg.amount_cents)
        )
    # Money leaves the municipality: the reserve (or leefgeld) and the funds both shrink.
    roles = {role: account for account, role in accounts_of_households(engine).items()}
    expected_change_cents: Counter[int] = Counter()
    for payment in now.payments:
        source, funds = payment_accounts(payment, roles)
        assert payment.entry_id is not None
        assert legs_by_entry[payment.entry_id] == {
            (source, "D", payment.amount.cents),
            (funds, "C", payment.amount.cents),
        }
        expected_change_cents[source] -= payment.amount.cents
        expected_change_cents[funds] -= payment.amount.cents
    assert now.balances_cents.keys() == approved.balances_cents.keys()  # no account opened
    assert {
        account: now.balances_cents[account] - before
        for account, before in approved.balances_cents.items()
        if now.balances_cents[account] != before
    } == {account: change for account, change in expected_change_cents.items() if change}
    assert report.passed, report.summary()
    assert_totals_moved_once(engine, approved, now)
    assert_files_hold_every_payment_once(now)
    return now


def assert_totals_moved_once(engine: Engine, approved: Observed, now: Observed) -> None:
    """Funds went down by the run's total, reserves by its creditor part (to zero), leefgeld by
    the rest."""
    total_cents = sum(p.amount.cents for p in approved.payments)
    creditor_cents = sum(p.amount.cents for p in approved.payments if p.obligation_id is not None)
    moved_cents: Counter[str] = Counter()
    reserves_left_cents = 0
    for account, (_, role, _) in accounts_of_households(engine).items():
        moved_cents[role] += approved.balances_cents[account] - now.balances_cents[account]
        if role == AccountRole.RESERVE.value:
            reserves_left_cents += now.balances_cents[account]
    assert moved_cents[AccountRole.FUNDS.value] == total_cents
    assert moved_cents[AccountRole.RESERVE.value] == creditor_cents
    assert moved_cents[AccountRole.LEEFGELD.value] == total_cents - creditor_cents
    # Both months' creditor payments were in this run, so nothing stays reserved.
    assert reserves_left_cents == 0


def assert_files_hold_every_payment_once(now: Observed) -> None:
    total = Money(sum(p.amount.cents for p in now.payments))
    assert now.files, "an executed run with payments has payment files"
    assert sum(count for _, count, _, _, _ in now.files) == len(now.payments)
    assert sum((control for _, _, control, _, _ in now.files), Money(0)) == total
    in_files: list[str] = []
    for message_id, count, control_sum, content, sha256 in now.files:
        assert hashlib.sha256(content).hexdigest() == sha256
        end_to_end_ids, declared_count, file_cents = file_transfers(content)
        assert (declared_count, len(end_to_end_ids), file_cents) == (
            count,
            count,
            control_sum.cents,
        )
        assert sorted(end_to_end_ids) == sorted(
            p.end_to_end_id for p in now.payments if now.file_of_payment[p.payment_id] == message_id
        )
        in_files += end_to_end_ids
    assert Counter(in_files) == Counter(p.end_to_end_id for p in now.payments)


def assert_nothing_lost(engine: Engine, household_count: int) -> None:
    """Every payment due by the execution date is in exactly one payment, for its exact amount."""
    with engine.connect() as connection:
        reserved = connection.execute(
            select(
                allocation_lines.c.obligation_id,
                allocation_lines.c.due_on,
                func.sum(allocation_lines.c.reserved_cents).label("reserved_cents"),
            )
            .where(allocation_lines.c.reserved_cents > 0)
            .group_by(allocation_lines.c.obligation_id, allocation_lines.c.due_on)
        ).all()
        parts = connection.execute(select(leefgeld_parts)).all()
        planned = connection.execute(select(payments.c.source_key, payments.c.amount_cents)).all()
    due_cents = {
        obligation_source_key(row.obligation_id, row.due_on): int(row.reserved_cents)
        for row in reserved
        if payment_date_for(row.due_on) <= EXECUTION_ON
    }
    due_cents |= {
        leefgeld_source_key(part.household_id, part.month, part.position): part.amount_cents
        for part in parts
        if payment_date_for(part.pay_on) <= EXECUTION_ON
    }
    assert len(due_cents) == household_count * PAYMENTS_PER_HOUSEHOLD
    assert Counter(row.source_key for row in planned) == Counter(dict.fromkeys(due_cents, 1))
    assert {row.source_key: row.amount_cents for row in planned} == due_cents


# -- worker processes -------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkerResult:
    status: RunStatus
    executed_by: str | None
    files: tuple[tuple[str, int, int], ...]


def worker_command(url: str, run_id: int, actor: str, *, wait_for_go: bool = False) -> list[str]:
    command = [sys.executable, "-m", "tests.crash_worker", url, str(run_id), actor]
    command.append(EXECUTION_ON.isoformat())
    return [*command, "--wait-for-go"] if wait_for_go else command


def worker_environment(crash_at: str | None) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if k != CRASH_VARIABLE}
    if crash_at is not None:
        environment[CRASH_VARIABLE] = crash_at
    return environment


def run_worker(
    url: str, run_id: int, *, crash_at: str | None = None, actor: str = APPROVER
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        worker_command(url, run_id, actor),
        cwd=PROJECT_ROOT,
        env=worker_environment(crash_at),
        capture_output=True,
        text=True,
        timeout=WORKER_TIMEOUT_SECONDS,
        check=False,
    )


def worker_result(returncode: int, stdout: str, stderr: str) -> WorkerResult:
    """What a worker's ``execute_run`` returned, from the last line it printed."""
    assert returncode == 0, f"worker failed ({returncode}):\n{stderr}"
    parsed: dict[str, Any] = json.loads(stdout.splitlines()[-1])
    return WorkerResult(
        RunStatus(parsed["status"]),
        parsed["executed_by"],
        tuple((str(m), int(c), int(s)) for m, c, s in parsed["files"]),
    )


def rerun(url: str, run_id: int, actor: str = APPROVER) -> WorkerResult:
    """Execute the run in a new process, as an operator (or the scheduler) does after a crash."""
    done = run_worker(url, run_id, actor=actor)
    return worker_result(done.returncode, done.stdout, done.stderr)


def start_worker(
    url: str,
    run_id: int,
    actor: str = APPROVER,
    *,
    wait_for_go: bool = False,
    crash_at: str | None = None,
) -> subprocess.Popen[str]:
    """A worker that is connected and ready; with ``wait_for_go`` it waits for a line on stdin."""
    worker = subprocess.Popen(
        worker_command(url, run_id, actor, wait_for_go=wait_for_go),
        cwd=PROJECT_ROOT,
        env=worker_environment(crash_at),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert worker.stdout is not None
    readable, _, _ = wait_for_readable([worker.stdout], [], [], WORKER_TIMEOUT_SECONDS)
    line = worker.stdout.readline() if readable else ""
    if line.strip() != READY_LINE:
        worker.kill()
        _, stderr = worker.communicate(timeout=WORKER_TIMEOUT_SECONDS)
        pytest.fail(f"worker did not become ready: {line!r}\n{stderr}")
    return worker


def finish(worker: subprocess.Popen[str]) -> tuple[int, str, str]:
    try:
        stdout, stderr = worker.communicate(timeout=WORKER_TIMEOUT_SECONDS)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    return worker.returncode, stdout, stderr


def worker_sessions(engine: Engine, *, writing_only: bool = False) -> int:
    """Open sessions of workers; ``writing_only``: those inside a transaction that has written."""
    query = (
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND application_name = :name"
    )
    if writing_only:
        query += " AND backend_xid IS NOT NULL"
    with engine.connect() as connection:
        return int(connection.execute(text(query), {"name": APPLICATION_NAME}).scalar_one())


def wait_until_worker_sessions_end(engine: Engine) -> None:
    """A killed client's session ends when PostgreSQL notices; until then it may hold locks."""
    deadline = time.monotonic() + SESSION_END_TIMEOUT_SECONDS
    while worker_sessions(engine):
        assert time.monotonic() < deadline, "a killed worker's database session did not end"
        time.sleep(0.01)


# -- threads ----------------------------------------------------------------------------------


def at_once(actions: list[Callable[[], T]]) -> list[T | BaseException]:
    """Run the actions in threads released together; each one's result or exception."""
    barrier = threading.Barrier(len(actions), timeout=THREADS_TIMEOUT_SECONDS)
    outcomes: dict[int, T | BaseException] = {}

    def body(index: int) -> None:
        try:
            barrier.wait()
            outcomes[index] = actions[index]()
        except BaseException as error:
            outcomes[index] = error

    threads = [threading.Thread(target=body, args=(i,), daemon=True) for i in range(len(actions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=THREADS_TIMEOUT_SECONDS)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return [outcomes[index] for index in range(len(actions))]


# -- the tests --------------------------------------------------------------------------------


@pytest.mark.postgresql
@pytest.mark.parametrize("crash_at", CRASH_POINTS)
def test_a_crash_at_any_point_of_execution_leaves_all_or_nothing_and_a_rerun_pays_once(
    postgres_engine: Engine, postgres_url: str, crash_at: str, tmp_path: Path
) -> None:
    run = approved_run(postgres_engine, CRASH_POINT_HOUSEHOLD_COUNT)
    approved = observe(postgres_engine, run.run_id)

    crashed = run_worker(postgres_url, run.run_id, crash_at=crash_at)
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    wait_until_worker_sessions_end(postgres_engine)
    after_crash = observe(postgres_engine, run.run_id)
    if crash_at in CRASH_POINTS_BEFORE_COMMIT:
        assert_nothing_written(approved, after_crash)
    else:
        assert_paid_exactly_once(postgres_engine, run.run_id, approved)

    again = rerun(postgres_url, run.run_id)
    assert again.status is RunStatus.EXECUTED and again.executed_by == APPROVER
    done = assert_paid_exactly_once(postgres_engine, run.run_id, approved)
    assert again.files == tuple((m, c, s.cents) for m, c, s, _, _ in done.files)
    for _, _, _, content, _ in done.files:
        validate_payment_file(content)
    if crash_at not in CRASH_POINTS_BEFORE_COMMIT:
        # Everything was written before the kill; the rerun found the run executed.
        assert done == after_crash
        written = payment_runs.write_payment_files(run.world.uow(), run.run_id, tmp_path)
        assert [path.read_bytes() for path in written] == [f[3] for f in after_crash.files]
    assert_nothing_lost(postgres_engine, run.household_count)


@dataclass(frozen=True)
class Kill:
    delay_seconds: float
    writing: bool  # the worker's transaction was open and had written when it was killed
    returncode: int
    status_after: RunStatus


def kill_after(engine: Engine, url: str, run_id: int, delay_seconds: float) -> Kill:
    """Start an execution, SIGKILL it ``delay_seconds`` after it is ready, wait for its session."""
    worker = start_worker(url, run_id)
    time.sleep(delay_seconds)
    writing = worker_sessions(engine, writing_only=True) > 0
    worker.send_signal(signal.SIGKILL)
    returncode, _, stderr = finish(worker)
    assert returncode in (0, -signal.SIGKILL), stderr  # killed, or done before the kill came
    wait_until_worker_sessions_end(engine)
    return Kill(delay_seconds, writing, returncode, observe(engine, run_id).status)


@pytest.mark.postgresql
def test_killing_an_execution_at_random_moments_leaves_nothing_and_a_rerun_pays_once(
    postgres_engine: Engine, postgres_url: str
) -> None:
    run = approved_run(postgres_engine, TIMED_KILL_HOUSEHOLD_COUNT)
    approved = observe(postgres_engine, run.run_id)
    # How long the whole work before the commit takes: a worker that dies just before it.
    worker = start_worker(postgres_url, run.run_id, crash_at="execute:before_commit")
    started = time.monotonic()
    returncode, _, stderr = finish(worker)
    work_seconds = time.monotonic() - started
    assert returncode == -signal.SIGKILL, stderr
    wait_until_worker_sessions_end(postgres_engine)
    assert_nothing_written(approved, observe(postgres_engine, run.run_id))

    # One kill at a random moment in each equal slice of that time, then one around the commit.
    randomness = random.Random(TIMED_KILL_SEED)
    delays_seconds = [
        work_seconds * (slice_number + randomness.random()) / TIMED_KILL_COUNT
        for slice_number in range(TIMED_KILL_COUNT)
    ]
    delays_seconds.append(work_seconds * (1 + randomness.random() / 2))
    kills: list[Kill] = []
    for delay_seconds in delays_seconds:
        kill = kill_after(postgres_engine, postgres_url, run.run_id, delay_seconds)
        kills.append(kill)
        if kill.status_after is RunStatus.APPROVED:
            assert_nothing_written(approved, observe(postgres_engine, run.run_id))
        else:
            # The kill came after the commit: everything was written, once.
            assert_paid_exactly_once(postgres_engine, run.run_id, approved)
            break
    rolled_back = [
        kill for kill in kills if kill.writing and kill.status_after is RunStatus.APPROVED
    ]
    assert rolled_back, f"no kill landed inside a transaction that had written: {kills}"

    again = rerun(postgres_url, run.run_id)
    assert again.status is RunStatus.EXECUTED
    done = assert_paid_exactly_once(postgres_engine, run.run_id, approved)
    assert again.files == tuple((m, c, s.cents) for m, c, s, _, _ in done.files)
    assert_nothing_lost(postgres_engine, run.household_count)


@pytest.mark.postgresql
def test_preparing_approving_and_executing_twice_in_a_row_pays_each_payment_once(
    postgres_engine: Engine,
) -> None:
    run = approved_run(postgres_engine, household_count=5)
    world = run.world
    approved = observe(postgres_engine, run.run_id)

    again = payment_runs.prepare_run(
        world.uow(), world.municipality_id, EXECUTION_ON, actor=SECOND_APPROVER
    )
    assert again.run.run_id == run.run_id and again.run.prepared_by == PREPARER
    reapproved = payment_runs.approve_run(world.uow(), run.run_id, actor=APPROVER)
    assert reapproved.run.approved_by == APPROVER
    with pytest.raises(RunAlreadyApproved):
        payment_runs.approve_run(world.uow(), run.run_id, actor=SECOND_APPROVER)
    assert observe(postgres_engine, run.run_id) == approved  # one approval, at its first moment

    first, second = (
        payment_runs.execute_run(
            world.uow(), run.run_id, actor=actor, today=EXECUTION_ON, now=created_at(EXECUTION_ON)
        )
        for actor in (APPROVER, SECOND_APPROVER)
    )
    assert (first.run.executed_by, second.run.executed_by) == (APPROVER, APPROVER)
    assert second.files == first.files
    done = assert_paid_exactly_once(postgres_engine, run.run_id, approved)

    # After the execution too, preparing and approving again change nothing.
    prepared_again = payment_runs.prepare_run(
        world.uow(), world.municipality_id, EXECUTION_ON, actor=PREPARER
    )
    assert prepared_again.run.run_id == run.run_id
    assert prepared_again.run.status is RunStatus.EXECUTED
    payment_runs.approve_run(world.uow(), run.run_id, actor=APPROVER)
    assert observe(postgres_engine, run.run_id) == done
    assert_nothing_lost(postgres_engine, run.household_count)


@pytest.mark.postgresql
def test_two_processes_executing_the_same_run_at_the_same_moment_book_it_once(
    postgres_engine: Engine, postgres_url: str
) -> None:
    run = approved_run(postgres_engine, CRASH_POINT_HOUSEHOLD_COUNT)
    approved = observe(postgres_engine, run.run_id)
    workers = [
        start_worker(postgres_url, run.run_id, actor, wait_for_go=True)
        for actor in (APPROVER, SECOND_APPROVER)
    ]
    for worker in workers:  # both are connected and waiting; release them together
        assert worker.stdin is not None
        worker.stdin.write("go\n")
        worker.stdin.flush()
    results = [worker_result(*finish(worker)) for worker in workers]

    # One of them booked; the other waited for the run's lock and found the run executed.
    assert {result.status for result in results} == {RunStatus.EXECUTED}
    executed_by = {result.executed_by for result in results}
    assert len(executed_by) == 1 and executed_by <= {APPROVER, SECOND_APPROVER}
    assert results[0].files == results[1].files
    done = assert_paid_exactly_once(postgres_engine, run.run_id, approved)
    assert {done.executed_by} == executed_by
    assert results[0].files == tuple((m, c, s.cents) for m, c, s, _, _ in done.files)
    assert_nothing_lost(postgres_engine, run.household_count)


@pytest.mark.postgresql
def test_preparing_or_approving_the_same_run_at_the_same_moment_plans_and_approves_once(
    postgres_engine: Engine,
) -> None:
    world = world_with_households(postgres_engine, household_count=5)
    prepared = at_once(
        [
            partial(
                payment_runs.prepare_run,
                world.uow(),
                world.municipality_id,
                EXECUTION_ON,
                actor=actor,
            )
            for actor in (PREPARER, SECOND_APPROVER)
        ]
    )
    # The slower preparer waits for the municipality's lock and is handed the run the first made
    # (before that lock, it was refused by the unique run of a municipality and date).
    views = [outcome for outcome in prepared if isinstance(outcome, payment_runs.RunView)]
    assert len(views) == 2, prepared
    assert len({view.run.run_id for view in views}) == 1
    run_id = views[0].run.run_id
    retried = payment_runs.prepare_run(
        world.uow(), world.municipality_id, EXECUTION_ON, actor=SECOND_APPROVER
    )
    assert retried.run.run_id == run_id and retried.totals == views[0].totals
    assert_nothing_lost(postgres_engine, household_count=5)

    # The approver twice at once: one approval. Two approvers at once: one wins, one is refused.
    twice = at_once(
        [lambda: payment_runs.approve_run(world.uow(), run_id, actor=APPROVER) for _ in range(2)]
    )
    assert all(isinstance(outcome, payment_runs.RunView) for outcome in twice), twice
    approved = observe(postgres_engine, run_id)
    assert approved.status is RunStatus.APPROVED
    assert {v.run.approved_by for v in twice if isinstance(v, payment_runs.RunView)} == {APPROVER}

    run_b = payment_runs.prepare_run(
        world.uow(), world.municipality_id, date(2026, 8, 4), actor=PREPARER
    )
    assert run_b.totals.overall.count == 0  # everything due was planned in the first run
    competing = at_once(
        [
            partial(payment_runs.approve_run, world.uow(), run_b.run.run_id, actor=actor)
            for actor in (APPROVER, SECOND_APPROVER)
        ]
    )
    winners = [v for v in competing if isinstance(v, payment_runs.RunView)]
    assert len(winners) == 1, competing
    assert [type(v) for v in competing if not isinstance(v, payment_runs.RunView)] == [
        RunAlreadyApproved
    ]
    assert observe(postgres_engine, run_id) == approved
