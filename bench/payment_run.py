"""Benchmark of one month for N households on PostgreSQL: allocation, then the payment runs.

What is measured
----------------
Setup (not timed): the database is migrated; ``--municipalities`` new municipalities (default
policy, a BNG bank account each), one kredietbank and the region's creditors are registered
through the services; then N households are seeded with ``ontzorgen.bulk`` (set-based, COPY):

- members: 55% single, the rest two to five people; bijstand norm single or couple (2025-07);
- obligations, all monthly and due on the 1st: huur (EUR 450-850, a betalingskenmerk),
  zorgverzekering (the collective EUR 159, or EUR 140-175), energie (EUR 80-200), water
  (EUR 18-35), each with one of the region's creditors;
- phases: 60% in phase 1 (everything withheld, weekly leefgeld), 25% in phase 2 (huur and
  zorgverzekering withheld, monthly leefgeld), 15% in phase 3 (only huur, monthly leefgeld);
- 3% start their bijstand on the 16th of the month: a partial first month, so the obligations
  cannot all be funded (arrears and a signal to the coach);
- the month's bijstand is recorded for everyone (``bulk.record_bijstand``: one ledger batch per
  5,000 households).

Timed (the figures): for every municipality, ``bulk.allocate_municipality_month``; then
``payment_runs.prepare_run`` for the first business day of the month (every creditor payment due
on the 1st and the monthly leefgeld), ``approve_run`` by a second person, ``execute_run`` (one
ledger entry of two postings per payment, the SEPA pain.001.001.09 files built and every one of
them validated against the XSD, all in one transaction per run), and ``write_payment_files`` into
``--output``. The municipalities are taken in turn by ``--workers`` processes (default 2, one per
core; municipalities share no rows, as a scheduler would run them side by side); the workers
start, connect and import before the clock starts. ``seconds`` is the wall time of the whole;
the per-step seconds in the JSON are summed over municipalities (worker-seconds).
``households_per_s = households / seconds``; ``postings_per_s`` counts the ledger postings
written in the timed part (allocation and payments).

Floor (the yardstick): the very posting rows the timed part wrote (read back with ``COPY TO``) are
written again with plain ``COPY`` into a scratch table ``(LIKE ledger_postings INCLUDING ALL)``:
the same columns, indexes and CHECKs, no triggers, no foreign keys. One transaction per 30,000 rows
(about the postings of one allocation chunk of 5,000 households). The floor is written
``FLOOR_SAMPLES`` times, each into a new table; ``floor_seconds`` is the median (one write alone
varied from 6.5 to 9.5 s on the same machine), ``floor_samples`` lists them all.
``ratio_to_floor = seconds / floor_seconds``. A ``CHECKPOINT`` precedes each timed phase. In the
timed processes, what setup made is frozen (``gc.freeze()``) and the garbage collector's first
threshold is raised from 700 to 50,000 allocations (``--default-gc`` keeps the default; see
``tune_garbage_collector``).

Write floor (a second yardstick, for reading the first): every row the timed part inserted, in
every table (postings, entries, allocations and their lines, leefgeld parts, signals, runs,
payments, payment files), written again the same way, table by table on one connection. It is the
least the database must do to keep what the month leaves behind with the schema's indexes: no
reads, no updates (account balances, payments marked sent, income marked divided), no checks and
no Python. ``ratio_to_write_floor = seconds / write_floor_seconds``; ``write_floor`` gives rows and
seconds per table.

Afterwards ``ledger.check.check_ledger`` audits the whole database (untimed); the benchmark exits
with status 1 when it fails. ``peak_rss_mib`` is the largest ``ru_maxrss`` of this process (its
whole life, setup included) and of every worker. ``server_settings`` records the PostgreSQL
settings that move the figures most (``shared_buffers``, ``max_wal_size``, ...): figures measured
under other settings are not comparable.

How to run
----------
    createdb -h 127.0.0.1 -U postgres ontzorgen_bench_runs
    .venv/bin/python bench/payment_run.py --households 100000 \\
        --database postgresql+psycopg://postgres@127.0.0.1:5432/ontzorgen_bench_runs \\
        --output /tmp/payment-files

Each run adds new municipalities, so it can run again on the same database (an empty database
gives the cleanest figures). The last line printed is one JSON object. Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import gc
import json
import multiprocessing
import random
import resource
import statistics
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path; the project root goes in front.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import DBAPIError

from ledger.check import check_ledger
from ledger.database import make_engine
from ledger.money import Money
from ontzorgen import bulk, payment_runs, services
from ontzorgen.arrangement import Decision, LegalBasis
from ontzorgen.business_days import payment_date_for
from ontzorgen.households import Address, CreditorKind, Language, Member, MemberRole
from ontzorgen.identifiers import Betalingskenmerk, FreeTextReference
from ontzorgen.months import Month
from ontzorgen.norms import NormCategory, load_norms
from ontzorgen.obligations import Frequency
from ontzorgen.policy import CostType, Policy
from ontzorgen.run_repository import LZ4_FOR_THIS_TRANSACTION
from ontzorgen.tables import creditors, kredietbanken, municipalities
from ontzorgen.unit_of_work import UnitOfWork

DEFAULT_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:5432/ontzorgen_bench_runs"
DEFAULT_MONTH = "2026-09"
#: Households generated and seeded per call, so setup never holds all of them.
HOUSEHOLDS_PER_SEED_CHUNK = 5_000
#: Floor rows per transaction: about the postings of one allocation chunk.
FLOOR_ROWS_PER_TRANSACTION = 30_000
#: How often the floor is written; its figure is the median.
FLOOR_SAMPLES = 3
#: Garbage collector thresholds of the timed processes (see ``tune_garbage_collector``).
GC_THRESHOLDS = (50_000, 10, 10)
PREPARER, APPROVER = "planner@kredietbank.nl", "controller@kredietbank.nl"
COACH = "coach@kredietbank.nl"

_POSTING_COLUMNS = (
    "account_id",
    "account_seq",
    "entry_id",
    "direction",
    "amount_cents",
    "balance_after_cents",
    "booked_on",
)


@dataclass(frozen=True, slots=True)
class RegionCreditor:
    name: str
    bank_code: str
    account_number: str
    kind: CreditorKind
    cost_type: CostType


REGION_CREDITORS = (
    RegionCreditor(
        "Stichting Woonstad Rotterdam",
        "RABO",
        "0123456789",
        CreditorKind.WONINGCORPORATIE,
        CostType.HUUR,
    ),
    RegionCreditor(
        "Havensteder", "INGB", "0007654321", CreditorKind.WONINGCORPORATIE, CostType.HUUR
    ),
    RegionCreditor("Vestia", "ABNA", "0417164300", CreditorKind.WONINGCORPORATIE, CostType.HUUR),
    RegionCreditor(
        "Woonplus Schiedam", "BNGH", "0285001234", CreditorKind.WONINGCORPORATIE, CostType.HUUR
    ),
    RegionCreditor(
        "Zilveren Kruis Zorgverzekeringen N.V.",
        "INGB",
        "0001234567",
        CreditorKind.ZORGVERZEKERAAR,
        CostType.ZORGVERZEKERING,
    ),
    RegionCreditor(
        "DSW Zorgverzekeraar U.A.",
        "RABO",
        "0305678901",
        CreditorKind.ZORGVERZEKERAAR,
        CostType.ZORGVERZEKERING,
    ),
    RegionCreditor(
        "Eneco Consumenten B.V.",
        "ABNA",
        "0548123456",
        CreditorKind.ENERGIELEVERANCIER,
        CostType.ENERGIE,
    ),
    RegionCreditor(
        "Vattenfall Klantenservice N.V.",
        "INGB",
        "0009876543",
        CreditorKind.ENERGIELEVERANCIER,
        CostType.ENERGIE,
    ),
    RegionCreditor(
        "Budget Energie", "RABO", "0155667788", CreditorKind.ENERGIELEVERANCIER, CostType.ENERGIE
    ),
    RegionCreditor("Evides N.V.", "BNGH", "0285005678", CreditorKind.WATERBEDRIJF, CostType.WATER),
    RegionCreditor("Dunea N.V.", "ABNA", "0600112233", CreditorKind.WATERBEDRIJF, CostType.WATER),
)
GIVEN_NAMES = (
    "Amanuel",
    "Selam",
    "Yonas",
    "Mehret",
    "Omar",
    "Rania",
    "Ahmad",
    "Layla",
    "Mustafa",
    "Zeynep",
    "Emre",
    "Fatima",
    "Hamid",
    "Nasrin",
    "Tesfay",
    "Ruta",
    "Khalid",
    "Noor",
)
FAMILY_NAMES = (
    "Haile",
    "Tesfamariam",
    "Ghebreyesus",
    "Al-Hassan",
    "Haddad",
    "Karimi",
    "Rahimi",
    "Yilmaz",
    "Demir",
    "Öztürk",
    "Çelik",
    "Ahmadi",
    "Mohammadi",
    "Kidane",
    "Berhane",
    "Al-Khatib",
)
LANGUAGES = (Language.TIGRINYA, Language.ARABIC, Language.FARSI, Language.TURKISH)
BANK_CODES = ("INGB", "RABO", "ABNA", "ASNB", "SNSB", "TRIO", "KNAB", "BUNQ")


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def parse_arguments(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Benchmark one month (allocation and payment runs) on PostgreSQL.",
        epilog="The last line printed is one JSON object with the figures.",
    )
    parser.add_argument("--households", type=int, default=100_000, help="default 100000")
    parser.add_argument("--database", default=DEFAULT_DATABASE, help=f"default {DEFAULT_DATABASE}")
    parser.add_argument("--output", type=Path, required=True, help="folder for the SEPA files")
    parser.add_argument("--municipalities", type=int, default=10, help="default 10")
    parser.add_argument("--month", default=DEFAULT_MONTH, help=f"default {DEFAULT_MONTH}")
    parser.add_argument("--seed", type=int, default=20260901, help="random seed of the data")
    parser.add_argument(
        "--workers",
        type=int,
        default=2,
        help="processes that take municipalities in turn (default 2, one per core)",
    )
    parser.add_argument(
        "--default-gc",
        action="store_true",
        help="keep Python's default garbage collector thresholds (see tune_garbage_collector)",
    )
    parser.add_argument(
        "--profile",
        type=Path,
        help="write a cProfile of the timed part to this file (use with --workers 1)",
    )
    arguments = parser.parse_args(argv)
    if arguments.households < 1 or arguments.municipalities < 1 or arguments.workers < 1:
        parser.error("--households, --municipalities and --workers must be at least 1")
    if not arguments.database.startswith("postgresql"):
        parser.error("--database must be a PostgreSQL URL (the floor uses COPY)")
    return arguments


def nl_iban(bank_code: str, account_number: str) -> str:
    """A Dutch IBAN with correct check digits (ISO 13616 mod 97)."""
    bban = bank_code + account_number
    digits = "".join(str(int(character, 36)) for character in bban + "NL00")
    return f"NL{98 - int(digits) % 97:02d}{bban}"


def checkpoint(engine: Engine) -> None:
    try:
        with engine.connect() as connection:
            connection.execute(text("CHECKPOINT"))
            connection.commit()
    except DBAPIError:
        say("  (CHECKPOINT not permitted for this user)")


# -- setup ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Region:
    municipality_ids: Sequence[int]
    kredietbank_id: int
    creditors: dict[CostType, list[int]]


def register_region(engine: Engine, count: int) -> Region:
    with engine.connect() as connection:
        existing = connection.execute(select(func.count()).select_from(municipalities)).scalar()
        banks = connection.execute(select(func.count()).select_from(kredietbanken)).scalar()
    first = int(existing or 0) + 1
    municipality_ids = []
    for number in range(first, first + count):
        municipality_id = services.create_municipality(
            UnitOfWork(engine), f"B{number:07d}", f"Gemeente Bench {number}", Policy()
        )
        payment_runs.set_bank_account(
            UnitOfWork(engine),
            municipality_id,
            holder=f"Gemeente Bench {number}",
            iban=nl_iban("BNGH", f"{285_000_000 + number:010d}"),
            bic=None,
        )
        municipality_ids.append(municipality_id)
    kredietbank_id = services.create_kredietbank(
        UnitOfWork(engine), f"Kredietbank Bench {int(banks or 0) + 1}", municipality_ids
    )
    found: dict[CostType, list[int]] = {}
    for creditor in REGION_CREDITORS:
        iban = nl_iban(creditor.bank_code, creditor.account_number)
        with engine.connect() as connection:
            creditor_id = connection.execute(
                select(creditors.c.id).where(
                    creditors.c.iban == iban, creditors.c.name == creditor.name
                )
            ).scalar()
        if creditor_id is None:
            creditor_id = services.register_creditor(
                UnitOfWork(engine),
                name=creditor.name,
                iban=iban,
                bic=None,
                kind=creditor.kind,
                address=Address("Postbus", "1000", "3000 AA", "Rotterdam"),
            )
        found.setdefault(creditor.cost_type, []).append(int(creditor_id))
    return Region(municipality_ids, kredietbank_id, found)


@dataclass(frozen=True, slots=True)
class SeededHousehold:
    new: bulk.NewHousehold
    full_month_amount: Money


def months_before(month: Month, count: int) -> date:
    return month.plus(-count).first_day


def generate_household(
    number: int, rng: random.Random, month: Month, region: Region, norms: tuple[Money, Money]
) -> SeededHousehold:
    given, family = rng.choice(GIVEN_NAMES), rng.choice(FAMILY_NAMES)
    size = rng.choices((1, 2, 3, 4, 5), weights=(55, 20, 10, 8, 7))[0]
    couple = size > 1 and rng.random() < 0.7
    members = [Member(f"{given} {family}", MemberRole.APPLICANT)]
    if couple:
        members.append(Member(f"{rng.choice(GIVEN_NAMES)} {family}", MemberRole.PARTNER))
    while len(members) < size:
        members.append(Member(f"Kind {len(members)} {family}", MemberRole.CHILD))
    norm = norms[1] if couple else norms[0]

    draw = rng.random()
    steps: tuple[bulk.NewPhaseStep, ...] = ()
    if draw < 0.03:
        start_on = month.first_day.replace(day=16)  # a partial first month: a shortfall
    elif draw < 0.60:
        start_on = months_before(month, rng.randint(0, 5))
    elif draw < 0.85:
        start_on = months_before(month, rng.randint(8, 14))
        step_on = months_before(month, rng.randint(1, 2))
        steps = (bulk.NewPhaseStep(2, step_on, step_on - timedelta(days=14), "Mijlpalen gehaald"),)
    else:
        start_on = months_before(month, rng.randint(14, 20))
        second, third = months_before(month, rng.randint(5, 7)), months_before(month, 1)
        steps = (
            bulk.NewPhaseStep(2, second, second - timedelta(days=14), "Mijlpalen gehaald"),
            bulk.NewPhaseStep(3, third, third - timedelta(days=14), "Eigen betaalrekening"),
        )
    first_due_on = start_on.replace(day=1)
    zorg_cents = 15_900 if rng.random() < 0.7 else rng.randint(14_000, 17_500)
    bills = (
        (CostType.HUUR, rng.randint(45_000, 85_000)),
        (CostType.ZORGVERZEKERING, zorg_cents),
        (CostType.ENERGIE, rng.randint(16, 40) * 500),
        (CostType.WATER, rng.randint(1_800, 3_500)),
    )
    obligations = []
    for cost_type, cents in bills:
        reference = (
            Betalingskenmerk.with_check_digit(f"{number:09d}{rng.randint(0, 999_999):06d}")
            if cost_type is CostType.HUUR
            else FreeTextReference(f"Klantnummer {number}-{cost_type.value[:4]}")
        )
        obligations.append(
            bulk.NewObligation(
                cost_type,
                rng.choice(region.creditors[cost_type]),
                Frequency.MONTHLY,
                first_due_on,
                Money(cents),
                reference,
            )
        )
    new = bulk.NewHousehold(
        name=f"Huishouden {family} {number}",
        members=tuple(members),
        language=rng.choice(LANGUAGES),
        leefgeld_iban=nl_iban(rng.choice(BANK_CODES), f"{number:010d}"),
        leefgeld_account_holder=f"{given[0]}. {family}",
        legal_basis=LegalBasis.ART_56A,
        bijstand_start_on=start_on,
        decision=Decision(start_on - timedelta(days=10), COACH, f"ONT-{number:07d}"),
        obligations=tuple(obligations),
        phase_steps=steps,
    )
    return SeededHousehold(new, norm)


def seed(engine: Engine, region: Region, households: int, month: Month, seed_value: int) -> None:
    rng = random.Random(seed_value)
    norms_table = load_norms()
    norms = (
        norms_table.norm_on(month.first_day, NormCategory.SINGLE),
        norms_table.norm_on(month.first_day, NormCategory.COUPLE),
    )
    received_on = months_before(month, 1).replace(day=24)
    per_municipality = _split(households, len(region.municipality_ids))
    number = 0
    done = 0
    for municipality_id, count in zip(region.municipality_ids, per_municipality, strict=True):
        for chunk_size in _split_by(count, HOUSEHOLDS_PER_SEED_CHUNK):
            generated = []
            for _ in range(chunk_size):
                number += 1
                generated.append(generate_household(number, rng, month, region, norms))
            ids = bulk.add_households(
                engine,
                municipality_id,
                region.kredietbank_id,
                [item.new for item in generated],
                actor=COACH,
            )
            bulk.record_bijstand(
                engine,
                month,
                [
                    (household_id, item.full_month_amount)
                    for household_id, item in zip(ids, generated, strict=True)
                ],
                received_on=received_on,
                source_reference="bench",
            )
            done += chunk_size
            say(f"  seeded {done:>7} / {households} households")


def _split(total: int, parts: int) -> list[int]:
    whole, spare = divmod(total, parts)
    return [whole + (1 if index < spare else 0) for index in range(parts)]


def _split_by(total: int, size: int) -> Iterator[int]:
    while total > 0:
        yield min(size, total)
        total -= size


# -- the timed part -------------------------------------------------------------------------------


def progress(stage: str, done: int, total: int) -> None:
    if done == total:
        say(f"    {stage}: {done} / {total}")


@dataclass(frozen=True, slots=True)
class MonthPlan:
    """The dates of the timed month: when it is divided, paid, and the run's day and clock."""

    month: Month
    allocated_on: date
    execution_on: date
    run_day: date
    now: datetime

    @classmethod
    def of(cls, month: Month) -> MonthPlan:
        execution_on = payment_date_for(month.first_day)
        run_day = payment_date_for(execution_on - timedelta(days=1))
        return cls(
            month,
            months_before(month, 1).replace(day=25),
            execution_on,
            run_day,
            datetime.combine(run_day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=9),
        )


@dataclass(frozen=True, slots=True)
class MunicipalityMonth:
    """What one municipality's month did and how long each step took (seconds)."""

    municipality_id: int
    run_id: int
    households: int
    payments: int
    files: int
    allocation: float
    prepare: float
    approve: float
    execute: float
    write_files: float
    peak_rss_mib: float


def municipality_month(
    engine: Engine, municipality_id: int, plan: MonthPlan, output: Path
) -> MunicipalityMonth:
    """Divide the month for the municipality's households, then prepare, approve and execute its
    payment run and write the run's files."""
    started = time.perf_counter()
    done = bulk.allocate_municipality_month(
        engine, municipality_id, plan.month, plan.allocated_on, progress=progress
    )
    allocated = time.perf_counter()
    view = payment_runs.prepare_run(
        UnitOfWork(engine), municipality_id, plan.execution_on, actor=PREPARER
    )
    prepared = time.perf_counter()
    payment_runs.approve_run(UnitOfWork(engine), view.run.run_id, actor=APPROVER)
    approved = time.perf_counter()
    executed = payment_runs.execute_run(
        UnitOfWork(engine), view.run.run_id, actor=APPROVER, today=plan.run_day, now=plan.now
    )
    finished = time.perf_counter()
    written = payment_runs.write_payment_files(UnitOfWork(engine), view.run.run_id, output)
    stored = time.perf_counter()
    result = MunicipalityMonth(
        municipality_id,
        view.run.run_id,
        done.households,
        executed.totals.overall.count,
        len(written),
        allocated - started,
        prepared - allocated,
        approved - prepared,
        finished - approved,
        stored - finished,
        peak_rss_mib()[0],
    )
    say(
        f"  municipality {municipality_id}: {result.households} households in "
        f"{result.allocation:.2f} s; run {view.run.run_id}: {result.payments} payments, "
        f"{result.files} files; prepare {result.prepare:.2f} s, execute {result.execute:.2f} s"
    )
    return result


#: The engine of a worker process, made by ``start_worker``.
_worker_engine: Engine | None = None


def tune_garbage_collector(default_gc: bool) -> None:
    """Freeze what setup made, and (unless ``default_gc``) collect young objects less often.

    A chunk of 5,000 households is some 750,000 small objects that live until its transaction
    commits; with the default threshold (700) the collector walks them again and again, 15 to 20%
    of the Python time. A batch worker raises the threshold, as a long-running service freezes
    what it made while starting up. Nothing is skipped: every object is still collected.
    """
    gc.collect()
    gc.freeze()
    if not default_gc:
        gc.set_threshold(*GC_THRESHOLDS)


def start_worker(database: str, execution_on: date, default_gc: bool) -> None:
    """Each worker makes its own engine and warms it before the clock starts."""
    global _worker_engine
    _worker_engine = make_engine(database, pool_size=2)
    with _worker_engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    payment_date_for(execution_on)  # loads the TARGET2 calendar once, as a service does
    tune_garbage_collector(default_gc)


def worker_month(task: tuple[int, MonthPlan, Path]) -> MunicipalityMonth:
    assert _worker_engine is not None, "start_worker was not run in this process"
    municipality_id, plan, output = task
    return municipality_month(_worker_engine, municipality_id, plan, output)


def run_month(
    engine: Engine,
    database: str,
    municipality_ids: Sequence[int],
    plan: MonthPlan,
    output: Path,
    workers: int,
    default_gc: bool = False,
) -> tuple[float, list[MunicipalityMonth]]:
    """Every municipality's month, in ``workers`` processes; returns wall seconds and results."""
    if workers == 1:
        tune_garbage_collector(default_gc)
        started = time.perf_counter()
        results = [
            municipality_month(engine, municipality_id, plan, output)
            for municipality_id in municipality_ids
        ]
        return time.perf_counter() - started, results
    # The workers start (and import everything) before the clock does.
    context = multiprocessing.get_context("spawn")
    with context.Pool(
        workers, initializer=start_worker, initargs=(database, plan.execution_on, default_gc)
    ) as pool:
        pool.map(_nothing, range(workers))
        started = time.perf_counter()
        tasks = [(municipality_id, plan, output) for municipality_id in municipality_ids]
        # Biggest first, so the last tasks to finish are short ones.
        results = list(pool.imap_unordered(worker_month, tasks))
        seconds = time.perf_counter() - started
    return seconds, results


def _nothing(_: int) -> None:
    return None


# -- the floor ------------------------------------------------------------------------------------


def timed_postings(engine: Engine, after_entry_id: int) -> list[bytes]:
    """The posting rows of the timed part in COPY text, in chunks of whole lines."""
    return rows_as_copy_text(
        engine,
        "ledger_postings",
        _POSTING_COLUMNS,
        f"entry_id > {int(after_entry_id)} ORDER BY entry_id, account_id",
    )


def rows_as_copy_text(
    engine: Engine, table: str, columns: Sequence[str] | None, where: str
) -> list[bytes]:
    """Rows of ``table`` (``columns``, or all of them) in COPY text, in chunks of whole lines.

    The chunks are cut while the rows stream in, so the rows are held once: a run's payment files
    alone are some 500 MB as COPY text.
    """
    listed = "*" if columns is None else ", ".join(columns)
    chunks: list[bytes] = []
    pending: list[bytes] = []
    lines_pending = 0
    partial = b""
    with engine.connect() as connection:
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        query = f"COPY (SELECT {listed} FROM {table} WHERE {where}) TO STDOUT"
        with cursor.copy(query) as copy:
            for block in copy:
                lines = (partial + bytes(block)).split(b"\n")
                partial = lines.pop()
                for line in lines:
                    pending.append(line + b"\n")
                    lines_pending += 1
                    if lines_pending == FLOOR_ROWS_PER_TRANSACTION:
                        chunks.append(b"".join(pending))
                        pending.clear()
                        lines_pending = 0
    if partial:
        pending.append(partial)
    if pending:
        chunks.append(b"".join(pending))
    return chunks


def copy_floor(
    engine: Engine,
    chunks: list[bytes],
    table: str = "ledger_postings",
    columns: Sequence[str] | None = _POSTING_COLUMNS,
) -> float:
    """Seconds to write ``chunks`` with plain COPY into a scratch ``(LIKE table INCLUDING ALL)``:
    the same columns, indexes and CHECKs, no triggers, no foreign keys; a transaction per chunk."""
    scratch = f"bench_floor_{table}_{int(time.time())}"
    with engine.begin() as connection:
        connection.execute(text(f"CREATE TABLE {scratch} (LIKE {table} INCLUDING ALL)"))
    try:
        checkpoint(engine)
        listed = "" if columns is None else f" ({', '.join(columns)})"
        statement = f"COPY {scratch}{listed} FROM STDIN"
        seconds = 0.0
        for chunk in chunks:
            started = time.perf_counter()
            with engine.begin() as connection:
                # Stored values are compressed as the run compresses them (lz4 where there is).
                connection.execute(LZ4_FOR_THIS_TRANSACTION)
                cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
                with cursor.copy(statement) as copy:
                    copy.write(chunk)
            seconds += time.perf_counter() - started
        return seconds
    finally:
        with engine.begin() as connection:
            connection.execute(text(f"DROP TABLE IF EXISTS {scratch}"))


@dataclass(frozen=True, slots=True)
class TimedMarks:
    """What tells the rows the timed part inserted from the rows that were there before it."""

    last_entry_id: int
    last_signal_id: int
    month: Month
    municipality_ids: Sequence[int]
    run_ids: Sequence[int]

    def inserted(self) -> dict[str, str]:
        """Each table the timed part inserts into, with the WHERE that selects its rows."""
        runs = ", ".join(str(int(run_id)) for run_id in self.run_ids) or "NULL"
        # The month's rows of this run's municipalities: an earlier run may have divided the
        # same month for its own municipalities in the same database.
        divided = (
            f"month = '{self.month}' AND household_id IN (SELECT id FROM households WHERE "
            f"municipality_id IN ({', '.join(str(int(m)) for m in self.municipality_ids)}))"
        )
        return {
            "ledger_postings": f"entry_id > {self.last_entry_id}",
            "ledger_entries": f"id > {self.last_entry_id}",
            "allocations": divided,
            "allocation_lines": divided,
            "leefgeld_parts": divided,
            "signals": f"id > {self.last_signal_id}",
            "payment_runs": f"id IN ({runs})",
            "payments": f"run_id IN ({runs})",
            "payment_files": f"run_id IN ({runs})",
        }


def write_floor(engine: Engine, marks: TimedMarks) -> dict[str, tuple[int, float]]:
    """``(rows, seconds)`` per table: every row the timed part inserted, written again with plain
    COPY (``copy_floor``), table by table, on one connection.

    The cheapest way the database can take what the month must leave behind, given the schema's
    indexes: no reads, no updates (of accounts, payments and incomes), no checks, no Python.
    """
    found = {}
    for table, where in marks.inserted().items():
        chunks = rows_as_copy_text(engine, table, None, where)
        rows = sum(chunk.count(b"\n") for chunk in chunks)
        found[table] = (rows, copy_floor(engine, chunks, table, None))
    return found


#: The server settings that move the figures most: recorded with them, so a reader can compare.
SERVER_SETTINGS = (
    "server_version",
    "shared_buffers",
    "work_mem",
    "max_wal_size",
    "checkpoint_timeout",
    "synchronous_commit",
    "wal_level",
    "fsync",
)


def server_settings(engine: Engine) -> dict[str, str]:
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT name, current_setting(name) FROM unnest(CAST(:names AS text[])) AS name"),
            {"names": list(SERVER_SETTINGS)},
        ).tuples()
        return dict(rows.all())


def peak_rss_mib() -> tuple[float, float]:
    # ru_maxrss is in KiB on Linux.
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def main(argv: Sequence[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    month = Month.parse(arguments.month)
    output: Path = arguments.output
    output.mkdir(parents=True, exist_ok=True)
    engine = make_engine(arguments.database, pool_size=4)
    try:
        from ontzorgen.database import upgrade

        started = time.perf_counter()
        upgrade(engine)
        region = register_region(engine, arguments.municipalities)
        say(f"setup: seeding {arguments.households} households (not timed)")
        seed(engine, region, arguments.households, month, arguments.seed)
        # What autovacuum would have done by the time a month is divided: statistics for the
        # planner and the visibility map, so the timed part does not depend on when it ran.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
        setup_seconds = time.perf_counter() - started
        say(f"setup: {setup_seconds:.1f} s")
        settings = server_settings(engine)
        say("server: " + ", ".join(f"{name} {value}" for name, value in settings.items()))
        with engine.connect() as connection:
            last_entry_id = int(
                connection.execute(text("SELECT coalesce(max(id), 0) FROM ledger_entries")).scalar()
                or 0
            )
            last_signal_id = int(
                connection.execute(text("SELECT coalesce(max(id), 0) FROM signals")).scalar() or 0
            )
        checkpoint(engine)

        say(
            f"timed: {month} for {arguments.households} households in {arguments.workers} worker(s)"
        )
        plan = MonthPlan.of(month)
        profiler = None
        if arguments.profile is not None:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        seconds, results = run_month(
            engine,
            arguments.database,
            region.municipality_ids,
            plan,
            output,
            arguments.workers,
            arguments.default_gc,
        )
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(arguments.profile)
        households = sum(result.households for result in results)
        payments = sum(result.payments for result in results)
        files = sum(result.files for result in results)
        say(f"timed: {households} households, {payments} payments in {seconds:.2f} s")

        say("floor: the same posting rows with COPY into a scratch table")
        chunks = timed_postings(engine, last_entry_id)
        postings = sum(chunk.count(b"\n") for chunk in chunks)
        floor_samples = [copy_floor(engine, chunks) for _ in range(FLOOR_SAMPLES)]
        floor_seconds = statistics.median(floor_samples)
        say(
            f"floor: {postings} postings in {floor_seconds:.2f} s (median of "
            + ", ".join(f"{sample:.2f}" for sample in floor_samples)
            + ")"
        )

        # The figures' memory is the month's and its floor's: the write floor below holds every
        # inserted row (the payment files too) in memory at once, which no run does.
        own_mib, children_mib = peak_rss_mib()
        say("write floor: every row the timed part inserted, with COPY into scratch tables")
        marks = TimedMarks(
            last_entry_id,
            last_signal_id,
            month,
            region.municipality_ids,
            [result.run_id for result in results],
        )
        written = write_floor(engine, marks)
        for table, (rows, table_seconds) in written.items():
            say(f"  {table}: {rows} rows in {table_seconds:.2f} s")
        write_floor_seconds = sum(table_seconds for _, table_seconds in written.values())
        say(f"write floor: {write_floor_seconds:.2f} s")

        started = time.perf_counter()
        with engine.connect() as connection:
            report = check_ledger(connection)
        say(report.summary())
        say(f"check took {time.perf_counter() - started:.1f} s (not timed)")
    finally:
        engine.dispose()

    worker_mib = max((result.peak_rss_mib for result in results), default=0.0)
    figures = {
        "households": households,
        "seconds": round(seconds, 3),
        "households_per_s": round(households / seconds, 1),
        "postings_per_s": round(postings / seconds, 1),
        # This process and every worker: the largest of them.
        "peak_rss_mib": round(max(own_mib, children_mib, worker_mib), 1),
        "ratio_to_floor": round(seconds / floor_seconds, 3),
        "postings": postings,
        "payments": payments,
        "payment_files": files,
        "floor_seconds": round(floor_seconds, 3),
        "floor_samples": [round(sample, 3) for sample in floor_samples],
        # Every row the timed part inserted, in every table, written with COPY (write_floor).
        "write_floor_seconds": round(write_floor_seconds, 3),
        "ratio_to_write_floor": round(seconds / write_floor_seconds, 3),
        "write_floor": {table: [rows, round(sec, 3)] for table, (rows, sec) in written.items()},
        "workers": arguments.workers,
        "gc_thresholds": None if arguments.default_gc else list(GC_THRESHOLDS),
        # Summed over municipalities (in worker-seconds when the workers overlap).
        "allocation_seconds": round(sum(r.allocation for r in results), 3),
        "prepare_seconds": round(sum(r.prepare for r in results), 3),
        "approve_seconds": round(sum(r.approve for r in results), 3),
        "execute_seconds": round(sum(r.execute for r in results), 3),
        "write_files_seconds": round(sum(r.write_files for r in results), 3),
        "main_peak_rss_mib": round(own_mib, 1),
        "children_peak_rss_mib": round(children_mib, 1),
        "setup_seconds": round(setup_seconds, 1),
        "municipalities": len(region.municipality_ids),
        "month": str(month),
        "check_passed": report.passed,
        "server_settings": settings,
    }
    print(json.dumps(figures), flush=True)
    return 0 if report.passed else 1


if __name__ == "__main__":
    sys.exit(main())
