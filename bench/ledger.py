"""Ledger write benchmark on PostgreSQL: posting throughput and its ratio to a bare ``COPY`` floor.

What is measured
----------------
Setup (timed and printed, not part of the figures): the database is migrated, then ``--entries``
households are opened, each with six accounts of its own under a unique run prefix, so the benchmark
can run again and again on the same database:

- ``bijstand te ontvangen``: an ASSET account that may go negative (where the income comes from);
- four LIABILITY reserves that forbid a negative balance: zorgverzekering, huur, energie, water;
- ``leefgeld``: a LIABILITY account that forbids a negative balance.

Ledger (the figure): one entry per household, all booked on one date, each one income split over
the four creditor reserves and a remainder: debit the source 1300.61, credit 159.00 / 650.00 /
120.00 / 25.00 to the reserves and 346.61 to leefgeld (six postings, "five-leg entries": one income
split into five). Every entry carries an idempotency key. The entries are posted in batches of
``--batch-size``, each batch in its own transaction via ``ledger.database.run_in_transaction`` and
``LedgerStore.post_batch``; only those calls are timed (building the ``NewEntry`` values is the
caller's work and is timed separately). ``entries_per_s = entries / seconds``.

Floor (the yardstick): the same number of posting rows, with the same values and column types, is
written with plain ``COPY`` into a scratch table made with ``CREATE TABLE ... (LIKE ledger_postings
INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES)``: the same indexes and CHECKs, but no
triggers and no foreign keys. The rows are encoded to COPY text before the clock starts, so the
floor is what the server needs to accept them, in the same batch size with a commit per batch (the
same engine and transaction handling as the ledger phase). The scratch table is dropped afterwards.
``floor_entries_per_s = entries / floor_seconds`` and ``ratio_to_floor = seconds / floor_seconds``.

A ``CHECKPOINT`` is requested before each timed phase (when the user may), so neither phase pays
for the other's dirty pages. The objects made during setup are frozen (``gc.freeze()``), so that
Python's full garbage collections do not rescan them during the timed phases; ``--no-gc-freeze``
leaves them to the collector. Afterwards ``ledger.check.check_ledger`` audits the whole database
(untimed); the benchmark exits with status 1 when the check fails.

The last line printed is one JSON object: entries_per_s, postings_per_s, floor_entries_per_s,
ratio_to_floor, and the raw counts and seconds behind them.

How to run
----------
    .venv/bin/python bench/ledger.py --entries 100000 \\
        --database postgresql+psycopg://postgres@127.0.0.1:5432/ontzorgen_bench

(``make bench`` does the same with BENCH_ENTRIES and BENCH_DATABASE.) The database must exist;
create it once with ``createdb -h 127.0.0.1 -U postgres ontzorgen_bench``. Target on a 2-core
machine at 100,000 entries: at least 10,000 entries/s and a ratio to the floor of at most 4.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
import uuid
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

# Run as a script, this file's folder comes first on sys.path and this very file would shadow the
# ``ledger`` package it measures; the project root goes in front of it.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from ledger.check import check_ledger
from ledger.database import make_engine, run_in_transaction
from ledger.model import AccountId, AccountKind, EntryId, NewEntry, Posting
from ledger.store import ENTRIES_PER_BATCH_MAX, AccountSpec, LedgerStore
from ontzorgen.database import upgrade

DEFAULT_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:5432/ontzorgen_bench"
DEFAULT_BATCH_SIZE = 2_000
#: Households opened per transaction during setup (six accounts each).
HOUSEHOLDS_PER_SETUP_CHUNK = 2_000

BOOKED_ON = date(2026, 1, 1)
INCOME_CENTS = 130_061
#: The four creditor reserves and what each gets out of every income.
CREDITORS: tuple[tuple[str, int], ...] = (
    ("zorgverzekering", 15_900),
    ("huur", 65_000),
    ("energie", 12_000),
    ("water", 2_500),
)
LEEFGELD_CENTS = INCOME_CENTS - sum(cents for _, cents in CREDITORS)  # 34661
ACCOUNTS_PER_HOUSEHOLD = 2 + len(CREDITORS)
POSTINGS_PER_ENTRY = ACCOUNTS_PER_HOUSEHOLD

_POSTING_COLUMNS = (
    "account_id",
    "account_seq",
    "entry_id",
    "direction",
    "amount_cents",
    "balance_after_cents",
    "booked_on",
)

#: A household's accounts: source, the creditor reserves in CREDITORS order, leefgeld.
Household = tuple[AccountId, ...]


def parse_arguments(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Benchmark LedgerStore.post_batch on PostgreSQL against a bare COPY floor.",
        epilog="The last line printed is one JSON object with the figures.",
    )
    parser.add_argument(
        "--entries", type=int, default=100_000, help="entries (and households) (default 100000)"
    )
    parser.add_argument(
        "--database",
        default=DEFAULT_DATABASE,
        help=f"SQLAlchemy URL of an existing PostgreSQL database (default {DEFAULT_DATABASE})",
    )
    parser.add_argument(
        "--batch-size",
        type=int,
        default=DEFAULT_BATCH_SIZE,
        help=f"entries per transaction (default {DEFAULT_BATCH_SIZE}, "
        f"at most {ENTRIES_PER_BATCH_MAX})",
    )
    parser.add_argument(
        "--no-gc-freeze",
        action="store_true",
        help="leave the objects made during setup to Python's garbage collector (see above)",
    )
    arguments = parser.parse_args(argv)
    if arguments.entries < 1:
        parser.error("--entries must be at least 1")
    if not 1 <= arguments.batch_size <= ENTRIES_PER_BATCH_MAX:
        parser.error(f"--batch-size must be between 1 and {ENTRIES_PER_BATCH_MAX}")
    if not arguments.database.startswith("postgresql"):
        parser.error("--database must be a PostgreSQL URL (the floor uses COPY)")
    return arguments


def say(message: str) -> None:
    print(message, flush=True)


def checkpoint(engine: Engine) -> None:
    """Flush dirty pages now so that the next timed phase does not pay for the previous one."""
    try:
        with engine.connect() as connection:
            connection.execute(text("CHECKPOINT"))
            connection.commit()
    except DBAPIError:
        say("  (CHECKPOINT not permitted for this user; phases may share checkpoint costs)")


def open_households(engine: Engine, prefix: str, count: int) -> list[Household]:
    names = ["bijstand te ontvangen", *(name for name, _ in CREDITORS), "leefgeld"]
    households: list[Household] = []
    for start in range(0, count, HOUSEHOLDS_PER_SETUP_CHUNK):
        stop = min(start + HOUSEHOLDS_PER_SETUP_CHUNK, count)
        specs: list[AccountSpec] = []
        for number in range(start, stop):
            code = f"{prefix}/hh{number}"
            specs.append(AccountSpec(f"{code}/bron", names[0], AccountKind.ASSET, False))
            for name, _ in CREDITORS:
                specs.append(AccountSpec(f"{code}/{name}", name, AccountKind.LIABILITY, True))
            specs.append(AccountSpec(f"{code}/leefgeld", names[-1], AccountKind.LIABILITY, True))

        def work(connection: Connection, specs: list[AccountSpec] = specs) -> list[AccountId]:
            return LedgerStore(connection).open_accounts(specs)

        ids = run_in_transaction(engine, work)
        for offset in range(0, len(ids), ACCOUNTS_PER_HOUSEHOLD):
            households.append(tuple(ids[offset : offset + ACCOUNTS_PER_HOUSEHOLD]))
    return households


def income_entry(prefix: str, number: int, household: Household) -> NewEntry:
    source, *reserves, leefgeld = household
    return NewEntry(
        booked_on=BOOKED_ON,
        postings=(
            Posting.debit(source, INCOME_CENTS),
            *(
                Posting.credit(reserve, cents)
                for reserve, (_, cents) in zip(reserves, CREDITORS, strict=True)
            ),
            Posting.credit(leefgeld, LEEFGELD_CENTS),
        ),
        description="Bijstand januari 2026: vaste lasten gereserveerd, rest naar leefgeld",
        idempotency_key=f"{prefix}/hh{number}/inkomen/2026-01",
    )


def batches(total: int, size: int) -> list[range]:
    return [range(start, min(start + size, total)) for start in range(0, total, size)]


def progress(done: int, total: int, seconds: float, last_tenth: int) -> int:
    """Print a line each time another tenth of the work is done; returns the tenths reported."""
    tenth = done * 10 // total
    if tenth > last_tenth and done < total:
        say(f"  {done:>9} / {total} entries  {seconds:7.2f} s  {done / seconds:9.0f} entries/s")
    return max(tenth, last_tenth)


def post_entries(
    engine: Engine, prefix: str, households: list[Household], batch_size: int
) -> tuple[float, float, list[EntryId]]:
    """Post one income entry per household; returns (posting seconds, build seconds, entry ids)."""
    total = len(households)
    posting_seconds = 0.0
    build_seconds = 0.0
    entry_ids: list[EntryId] = []
    reported = 0
    for numbers in batches(total, batch_size):
        build_started = time.perf_counter()
        batch = [income_entry(prefix, number, households[number]) for number in numbers]
        post_started = time.perf_counter()
        build_seconds += post_started - build_started

        def work(connection: Connection, batch: list[NewEntry] = batch) -> list[EntryId]:
            return LedgerStore(connection).post_batch(batch)

        entry_ids.extend(run_in_transaction(engine, work))
        posting_seconds += time.perf_counter() - post_started
        reported = progress(len(entry_ids), total, posting_seconds, reported)
    return posting_seconds, build_seconds, entry_ids


def floor_rows(households: list[Household], entry_ids: list[EntryId]) -> list[tuple[Any, ...]]:
    """The posting rows the ledger wrote for these entries, value for value.

    Every account is fresh, so each posting is its account's first: sequence 1, and the running
    balance after it equals its amount (the source is an asset, debited; the rest are liabilities,
    credited).
    """
    amounts = (INCOME_CENTS, *(cents for _, cents in CREDITORS), LEEFGELD_CENTS)
    directions = ("D", *("C" for _ in CREDITORS), "C")
    rows: list[tuple[Any, ...]] = []
    for household, entry_id in zip(households, entry_ids, strict=True):
        for account_id, direction, cents in zip(household, directions, amounts, strict=True):
            rows.append((account_id, 1, entry_id, direction, cents, cents, BOOKED_ON))
    return rows


def copy_text(rows: Sequence[tuple[Any, ...]]) -> bytes:
    """Rows as PostgreSQL COPY text (no value here needs escaping)."""
    return "".join(
        f"{a}\t{s}\t{e}\t{d}\t{c}\t{b}\t{on.isoformat()}\n" for a, s, e, d, c, b, on in rows
    ).encode()


def copy_floor(engine: Engine, prefix: str, rows: list[tuple[Any, ...]], batch_size: int) -> float:
    """COPY rows into a scratch copy of ledger_postings, a commit per batch; returns seconds."""
    table = "bench_floor_" + prefix.replace("-", "_")
    with engine.begin() as connection:
        connection.execute(
            text(
                f"CREATE TABLE {table} (LIKE ledger_postings "
                "INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES)"
            )
        )
    try:
        rows_per_batch = batch_size * POSTINGS_PER_ENTRY
        buffers = [
            copy_text(rows[start : start + rows_per_batch])
            for start in range(0, len(rows), rows_per_batch)
        ]
        statement = f"COPY {table} ({', '.join(_POSTING_COLUMNS)}) FROM STDIN"
        checkpoint(engine)
        seconds = 0.0
        for buffer in buffers:
            started = time.perf_counter()
            with engine.begin() as connection:
                cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
                with cursor.copy(statement) as copy:
                    copy.write(buffer)
            seconds += time.perf_counter() - started
        with engine.connect() as connection:
            copied = connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
        if copied != len(rows):
            raise RuntimeError(f"floor copied {copied} rows, expected {len(rows)}")
        return seconds
    finally:
        with engine.begin() as connection:
            connection.execute(text(f"DROP TABLE IF EXISTS {table}"))


def main(argv: Sequence[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    entries: int = arguments.entries
    batch_size: int = arguments.batch_size
    # Short, as account codes are in practice: the accounts' rows are rewritten while timed.
    prefix = f"b{uuid.uuid4().hex[:8]}"
    engine = make_engine(arguments.database, pool_size=2)
    try:
        started = time.perf_counter()
        upgrade(engine)
        say(f"migrated in {time.perf_counter() - started:.2f} s; run prefix {prefix}")

        started = time.perf_counter()
        households = open_households(engine, prefix, entries)
        setup_seconds = time.perf_counter() - started
        say(
            f"setup: opened {len(households) * ACCOUNTS_PER_HOUSEHOLD} accounts for "
            f"{len(households)} households in {setup_seconds:.2f} s (not timed)"
        )

        if not arguments.no_gc_freeze:
            # Setup leaves long-lived objects behind (the households' ids, the imported libraries'
            # objects); frozen, Python's full garbage collections no longer rescan them during the
            # timed phases, as a long-running service freezes what it made while starting up.
            gc.collect()
            gc.freeze()
        checkpoint(engine)
        say(f"ledger: posting {entries} entries in batches of {batch_size}")
        seconds, build_seconds, entry_ids = post_entries(engine, prefix, households, batch_size)
        if len(set(entry_ids)) != entries:
            raise RuntimeError(f"expected {entries} distinct entry ids, got {len(set(entry_ids))}")
        postings = entries * POSTINGS_PER_ENTRY
        say(
            f"ledger: {entries} entries, {postings} postings in {seconds:.2f} s: "
            f"{entries / seconds:.0f} entries/s, {postings / seconds:.0f} postings/s "
            f"(building the entries took another {build_seconds:.2f} s, not counted)"
        )

        say(f"floor: COPY {postings} posting rows into a scratch table, batches of {batch_size}")
        floor_seconds = copy_floor(
            engine, prefix, floor_rows(households, entry_ids), arguments.batch_size
        )
        say(
            f"floor: {floor_seconds:.2f} s: {entries / floor_seconds:.0f} entries/s, "
            f"{postings / floor_seconds:.0f} postings/s"
        )

        started = time.perf_counter()
        with engine.connect() as connection:
            report = check_ledger(connection)
        say(report.summary())
        say(f"check took {time.perf_counter() - started:.2f} s (not timed)")
    finally:
        engine.dispose()

    figures = {
        "entries_per_s": round(entries / seconds, 1),
        "postings_per_s": round(postings / seconds, 1),
        "floor_entries_per_s": round(entries / floor_seconds, 1),
        "ratio_to_floor": round(seconds / floor_seconds, 3),
        "entries": entries,
        "postings": postings,
        "batch_size": batch_size,
        "seconds": round(seconds, 3),
        "floor_seconds": round(floor_seconds, 3),
        "build_seconds": round(build_seconds, 3),
        "setup_seconds": round(setup_seconds, 3),
        "check_passed": report.passed,
    }
    print(json.dumps(figures), flush=True)
    return 0 if report.passed else 1


if __name__ == "__main__":
    sys.exit(main())
