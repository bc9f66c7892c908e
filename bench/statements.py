"""Benchmark of the monthly statement over HTTP: ``GET /v1/households/{id}/statements/{YYYY-MM}``.

What is measured
----------------
Setup (not timed, done once per database): the database is migrated; ``--municipalities``
municipalities (default policy), a kredietbank and the region's creditors are registered through
the services, N households are drawn by ``bench.payment_run.generate_household`` and registered
with ``ontzorgen.bulk.add_households``; then ``bench.statement_history`` writes their history
set-based with ``COPY`` (see its docstring for exactly what a month holds): 90% of households have
sixty months of history (2021-11 to 2026-10: bijstand, allocation, every creditor and leefgeld
payment paid, a few returned and paid again, phase steps and milestones), 10% started in 2026-10
and have one month. Of the sixty-month households 10% stayed in phase 1 (four bills withheld,
weekly leefgeld), the others stepped to phase 2 (huur and zorgverzekering) and most of those to 3
(only huur). ``VACUUM ANALYZE`` follows. The seed is kept in the database; the table
``bench_statement_seed`` marks it finished, so later runs skip seeding (``--households`` must then
match). Afterwards, unless ``--no-check``, ``ledger.check.check_ledger`` audits the whole ledger
(untimed; its duration is reported).

Before the timed part, unless ``--cold``, every household's statement is read once, untimed,
through the statement's own six queries on four connections
(``read_every_statement_once``): the pages statements need come into memory, as they are on a
server that has been answering for a while. Only what fits stays: with PostgreSQL's default
``shared_buffers`` of 128 MB the statements are read mostly through the operating system's page
cache, which this machine keeps small and empties now and then, so the benchmark then measures
the disk. The server's ``shared_buffers`` is printed (and in the JSON); see README.md for the
setting the figures were taken with.

Timed: the app (``api.app.create_app``) served by ``--workers`` uvicorn processes (default 2,
httptools and uvloop, no access log), each with a listening socket of its own, as ``ontzorgen
serve --workers`` runs them (``api.serving``: the kernel spreads the clients' connections), and
a load generator in another process: an asyncio HTTP/1.1 client on raw sockets (cheaper than
httpx, so less of the two cores goes to the load) with ``--clients`` connections (default 20),
each kept alive and sending one request after the other. Every request asks for the statement of
``STATEMENT_MONTH`` of a household drawn at random, with the bearer token of an income officer of
the household's municipality (each request is authenticated, authorised and written to the audit
log, as in production; the argon2 check of a token is remembered per process, and the warm-up
pays it). Every response must be 200.

1. warm-up: ``--warmup`` seconds (default 5), not counted;
2. ``all``: ``--duration`` seconds (default 20) over all households: ``requests_per_s`` is the
   number of responses divided by the measured seconds, ``p50_ms``/``p99_ms`` are taken from the
   latencies of all of them (time from writing the request to reading the whole response, on the
   client);
3. ``1 month`` and ``60 months``: ``--duration / 2`` seconds each, the same way, over the
   one-month households and over the sixty-month households that stayed in phase 1: the same
   request shape (phase 1, the same four bills, weekly leefgeld), only the length of history
   differs. ``p99_ms_1_month`` / ``p99_ms_60_months`` (and the p50s) come from these.

The machine's load (``os.getloadavg``) before and after is printed, since the two cores are shared,
and so is the CPU each part spent per request in the ``all`` phase (``/proc`` of the uvicorn
processes and of the PostgreSQL backends of this database, a lower bound as a backend that closes
during the phase is not counted; the load generator's rusage): on a
machine busy with other work these say more than the throughput does.

How to run
----------
    createdb -h 127.0.0.1 -U postgres ontzorgen_bench_statements
    .venv/bin/python bench/statements.py \\
        --database postgresql+psycopg://postgres@127.0.0.1:5432/ontzorgen_bench_statements

The first run seeds 100,000 households: 31.5 million ledger entries, 81 million postings, 35 GB,
about 22 minutes on the 2-core machine (the history is written by two processes, with the big
tables' secondary indexes built once at the end), then the ledger check about 5 minutes; later runs
reuse the seed and take about a minute. Progress
goes to stderr; the last line printed is one JSON object with ``requests_per_s``, ``p50_ms``,
``p99_ms``, ``p99_ms_1_month`` and ``p99_ms_60_months`` and more. Target: at least 400
statements/s with p99 under 100 ms, and history length changes the latency by at most 20%.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import resource
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

# Run as a script, this file's folder comes first on sys.path; the project root goes in front.
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine, text  # noqa: E402

from api.serving import Workers  # noqa: E402
from bench import statement_history  # noqa: E402
from bench.statement_history import STATEMENT_MONTH, say  # noqa: E402
from ledger.database import make_engine  # noqa: E402

DEFAULT_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:5432/ontzorgen_bench_statements"
DATABASE_VARIABLE = "BENCH_STATEMENTS_DATABASE"
POOL_VARIABLE = "BENCH_STATEMENTS_POOL"
OFFICER = "bench-officer-{}"


def parse_arguments(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Benchmark the monthly statement over HTTP on PostgreSQL.",
        epilog="The last line printed is one JSON object with the figures.",
    )
    parser.add_argument("--database", default=DEFAULT_DATABASE, help=f"default {DEFAULT_DATABASE}")
    parser.add_argument("--households", type=int, default=100_000, help="default 100000")
    parser.add_argument("--municipalities", type=int, default=10, help="default 10")
    parser.add_argument("--seed", type=int, default=20261123, help="random seed of the data")
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients (default 20)")
    parser.add_argument("--duration", type=float, default=20.0, help="measured seconds (20)")
    parser.add_argument("--warmup", type=float, default=5.0, help="warm-up seconds (default 5)")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers (default 2)")
    parser.add_argument("--pool", type=int, default=10, help="connections per worker (10)")
    parser.add_argument("--port", type=int, default=0, help="port to serve on (default: free)")
    parser.add_argument(
        "--no-check", action="store_true", help="skip the whole-ledger check after seeding"
    )
    parser.add_argument(
        "--cold",
        action="store_true",
        help="do not read every household's statement once before the warm-up (see the docstring)",
    )
    parser.add_argument(
        "--seed-only", action="store_true", help="seed (and check), then stop without serving"
    )
    # Internal: the load generator runs as a second process of this script.
    parser.add_argument("--load", help=argparse.SUPPRESS)
    arguments = parser.parse_args(argv)
    if not arguments.database.startswith("postgresql"):
        parser.error("--database must be a PostgreSQL URL (the seed uses COPY)")
    return arguments


# -- the served app --------------------------------------------------------------------------------


def app() -> Any:
    """The app factory uvicorn's workers call (``bench.statements:app --factory``)."""
    from api.app import create_app

    engine = make_engine(
        os.environ[DATABASE_VARIABLE], pool_size=int(os.environ.get(POOL_VARIABLE, "10"))
    )
    return create_app(engine)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve(database: str, port: int, workers: int, pool: int) -> Workers:
    """The app on ``port``: ``workers`` uvicorn processes, a listening socket each
    (``api.serving``, as ``ontzorgen serve --workers`` runs them)."""
    environment = {**os.environ, DATABASE_VARIABLE: database, POOL_VARIABLE: str(pool)}
    try:
        return Workers("bench.statements:app", "127.0.0.1", port, workers, environment=environment)
    except RuntimeError as failed:
        raise SystemExit(f"uvicorn: {failed}") from None


# -- tokens and households -------------------------------------------------------------------------


def officer_tokens(engine: Engine) -> dict[int, str]:
    """A new bearer token for an income officer of each municipality (made once)."""
    from ontzorgen import users
    from ontzorgen.access import Role
    from ontzorgen.unit_of_work import UnitOfWork

    with engine.connect() as connection:
        municipality_ids = [
            int(value)
            for value in connection.execute(
                text("SELECT DISTINCT municipality_id FROM bench_statement_households")
            ).scalars()
        ]
    tokens = {}
    for municipality_id in municipality_ids:
        name = OFFICER.format(municipality_id)
        with contextlib.suppress(users.UserExists):
            users.add_user(
                UnitOfWork(engine), name, Role.INCOME_OFFICER, municipality_id=municipality_id
            )
        tokens[municipality_id] = users.issue_token(UnitOfWork(engine), name)
    return tokens


def household_groups(engine: Engine) -> dict[str, list[tuple[int, int]]]:
    """(household, municipality) pairs: all, one month of history, sixty months in phase 1."""
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT household_id, municipality_id, history_months, shape "
                "FROM bench_statement_households ORDER BY household_id"
            )
        ).all()
    groups: dict[str, list[tuple[int, int]]] = {"all": [], "1 month": [], "60 months": []}
    for household_id, municipality_id, months, shape in rows:
        pair = (int(household_id), int(municipality_id))
        groups["all"].append(pair)
        if months == 1:
            groups["1 month"].append(pair)
        elif months == statement_history.HISTORY_MONTHS and shape == "phase-1":
            groups["60 months"].append(pair)
    return groups


# -- the page cache -------------------------------------------------------------------------------


def read_every_statement_once(database: str, household_ids: Sequence[int], threads: int) -> float:
    """Read the rows of every household's statement once, through the statement's own six
    queries (``ontzorgen.views.statements.statement_rows``) on ``threads`` connections: the pages
    a statement needs come into memory, as they are for a server that has been answering for a
    while. Returns the seconds it took."""
    from concurrent.futures import ThreadPoolExecutor

    from ontzorgen.views.statements import statement_rows

    engine = make_engine(database, pool_size=threads)
    today = datetime.now(ZoneInfo("Europe/Amsterdam")).date()  # the app's "today"
    done = [0]

    def read(share: Sequence[int]) -> None:
        with engine.connect() as connection:
            autocommit = connection.execution_options(isolation_level="AUTOCOMMIT")
            for household_id in share:
                statement_rows(autocommit, household_id, STATEMENT_MONTH, today)
                done[0] += 1

    started = time.perf_counter()
    shares = [household_ids[number::threads] for number in range(threads)]
    try:
        with ThreadPoolExecutor(threads) as pool:
            futures = [pool.submit(read, share) for share in shares]
            while not all(future.done() for future in futures):
                time.sleep(5)
                say(f"  {done[0]} / {len(household_ids)} statements read")
            for future in futures:
                future.result()
    finally:
        engine.dispose()
    return time.perf_counter() - started


# -- the load generator ----------------------------------------------------------------------------


async def _client(
    port: int,
    requests: list[bytes],
    stop_at: float,
    latencies: list[float],
    failures: list[str],
    rng: random.Random,
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.perf_counter() < stop_at:
            request = requests[rng.randrange(len(requests))]
            started = time.perf_counter()
            writer.write(request)
            status_line = await reader.readline()
            length = 0
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b""):
                    break
                name, _, value = line.partition(b":")
                if name.lower() == b"content-length":
                    length = int(value)
            body = await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            if not status_line.startswith(b"HTTP/1.1 200"):
                failures.append(status_line.decode().strip() + " " + body[:300].decode())
    finally:
        writer.close()


async def _load(
    port: int, requests: list[bytes], clients: int, seconds: float, seed: int
) -> dict[str, Any]:
    latencies: list[float] = []
    failures: list[str] = []
    started = time.perf_counter()
    stop_at = started + seconds
    await asyncio.gather(
        *(
            _client(port, requests, stop_at, latencies, failures, random.Random(seed + number))
            for number in range(clients)
        )
    )
    elapsed = time.perf_counter() - started
    return {
        "latencies": latencies,
        "failures": failures[:5],
        "failed": len(failures),
        "seconds": elapsed,
    }


def load_main(spec_path: str) -> int:
    """The load generator's process: reads its task, prints its result as JSON."""
    spec = json.loads(Path(spec_path).read_text())
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    requests = [
        (
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
            "Accept: application/json\r\n\r\n"
        ).encode()
        for path, token in spec["requests"]
    ]
    result = asyncio.run(
        _load(spec["port"], requests, spec["clients"], spec["seconds"], spec["seed"])
    )
    print(json.dumps(result))
    return 0


def run_load(
    port: int,
    pairs: Sequence[tuple[int, int]],
    tokens: dict[int, str],
    clients: int,
    seconds: float,
    seed: int,
    spec_path: Path,
) -> dict[str, Any]:
    spec = {
        "port": port,
        "clients": clients,
        "seconds": seconds,
        "seed": seed,
        "requests": [
            [f"/v1/households/{household}/statements/{STATEMENT_MONTH}", tokens[municipality]]
            for household, municipality in pairs
        ],
    }
    spec_path.write_text(json.dumps(spec))
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    output = subprocess.run(
        [sys.executable, __file__, "--load", str(spec_path)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    result: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    result["load_cpu_seconds"] = (
        children_after.ru_utime
        - children_before.ru_utime
        + children_after.ru_stime
        - children_before.ru_stime
    )
    if result["failed"]:
        raise SystemExit(f"{result['failed']} responses were not 200, e.g. {result['failures']}")
    return result


# -- where the CPU goes ----------------------------------------------------------------------------


def _cpu_seconds(pid: int) -> float:
    """User plus system CPU seconds of one process (Linux /proc), 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    try:
        found = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    return [int(child) for child in found]


class CpuMeter:
    """CPU seconds of the server (uvicorn and its workers) and of the database's backends serving
    this database, between ``start`` and ``stop``; the load generator's comes from its rusage."""

    def __init__(self, server_pids: Sequence[int], database: str) -> None:
        self.server_pids, self.database = server_pids, database
        self.before: dict[str, dict[int, float]] = {}

    def _backends(self) -> list[int]:
        engine = make_engine(self.database, pool_size=1)
        try:
            with engine.connect() as connection:
                return [
                    int(pid)
                    for pid in connection.execute(
                        text(
                            "SELECT pid FROM pg_stat_activity "
                            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                        )
                    ).scalars()
                ]
        finally:
            engine.dispose()

    def _sample(self) -> dict[str, dict[int, float]]:
        server = [child for pid in self.server_pids for child in (pid, *_children(pid))]
        return {
            "server": {pid: _cpu_seconds(pid) for pid in server},
            "postgres": {pid: _cpu_seconds(pid) for pid in self._backends()},
        }

    def start(self) -> None:
        self.before = self._sample()

    def stop(self) -> dict[str, float]:
        after = self._sample()
        return {
            part: sum(seconds - self.before[part].get(pid, 0.0) for pid, seconds in now.items())
            for part, now in after.items()
        }


def percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[index]


def summary(result: dict[str, Any]) -> dict[str, float]:
    latencies = result["latencies"]
    return {
        "requests": len(latencies),
        "requests_per_s": round(len(latencies) / result["seconds"], 1),
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 2),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 2),
    }


def check_response(port: int, household: int, token: str) -> None:
    """One request by an ordinary client: 200 and a JSON statement of the month asked."""
    import httpx

    response = httpx.get(
        f"http://127.0.0.1:{port}/v1/households/{household}/statements/{STATEMENT_MONTH}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    if response.status_code != 200:
        raise SystemExit(f"statement request: {response.status_code} {response.text[:500]}")
    response.json()


# -- main ------------------------------------------------------------------------------------------


def load_average() -> list[float]:
    return [round(value, 2) for value in os.getloadavg()]


def main(argv: Sequence[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    if arguments.load:
        return load_main(arguments.load)
    engine = make_engine(arguments.database, pool_size=2)
    check_passed: bool | None = None
    check_seconds: float | None = None
    try:
        from ontzorgen.database import upgrade

        upgrade(engine)
        marker = statement_history.seeded(engine)
        if marker is None:
            say(f"setup: seeding {arguments.households} households (not timed)")
            marker = statement_history.seed(
                engine, arguments.households, arguments.municipalities, arguments.seed
            )
            say(f"setup: seeded in {marker['seconds']:.0f} s")
            if not arguments.no_check:
                started = time.perf_counter()
                with engine.connect() as connection:
                    from ledger.check import check_ledger

                    report = check_ledger(connection)
                check_seconds = round(time.perf_counter() - started, 1)
                check_passed = report.passed
                say(report.summary())
                say(f"check took {check_seconds} s (not timed)")
                if not report.passed:
                    return 1
        elif marker["households"] != arguments.households:
            raise SystemExit(
                f"the database was seeded with {marker['households']} households, not "
                f"{arguments.households}: use another database or --households "
                f"{marker['households']}"
            )
        else:
            say(f"setup: reusing the seed of {marker['seeded_at']} ({marker['postings']} postings)")
        if arguments.seed_only:
            return 0
        with engine.connect() as connection:
            database_size = connection.execute(
                text("SELECT pg_size_pretty(pg_database_size(current_database()))")
            ).scalar_one()
            shared_buffers = connection.execute(text("SHOW shared_buffers")).scalar_one()
        say(f"database: {database_size}; PostgreSQL shared_buffers {shared_buffers}")
        tokens = officer_tokens(engine)
        groups = household_groups(engine)
    finally:
        engine.dispose()

    cache_seconds = None
    if not arguments.cold:
        say("page cache: every household's statement read once (not timed)")
        household_ids = [household for household, _ in groups["all"]]
        random.Random(arguments.seed).shuffle(household_ids)
        cache_seconds = round(read_every_statement_once(arguments.database, household_ids, 4), 1)
        say(f"  took {cache_seconds} s")

    port = arguments.port or free_port()
    spec_path = Path(f"/tmp/bench_statements_{os.getpid()}.json")
    load_before = load_average()
    say(f"serving: uvicorn, {arguments.workers} worker(s) on port {port}; load {load_before}")
    server = serve(arguments.database, port, arguments.workers, arguments.pool)
    try:
        household, municipality = groups["all"][0]
        check_response(port, household, tokens[municipality])
        say(f"warm-up: {arguments.warmup} s")
        run_load(port, groups["all"], tokens, arguments.clients, arguments.warmup, 1, spec_path)
        say(f"timed: {arguments.duration} s, {arguments.clients} clients, all households")
        meter = CpuMeter(server.pids, arguments.database)
        meter.start()
        measured = run_load(
            port, groups["all"], tokens, arguments.clients, arguments.duration, 2, spec_path
        )
        cpu = meter.stop()
        overall = summary(measured)
        count = max(overall["requests"], 1)
        cpu_ms = {
            "server_cpu_ms_per_request": round(cpu["server"] * 1000 / count, 2),
            "postgres_cpu_ms_per_request": round(cpu["postgres"] * 1000 / count, 2),
            "load_generator_cpu_ms_per_request": round(
                measured["load_cpu_seconds"] * 1000 / count, 2
            ),
        }
        say(f"  CPU per request: {cpu_ms}")
        say(f"  {overall}")
        by_history = {}
        for name in ("1 month", "60 months"):
            say(f"timed: {arguments.duration / 2} s, {len(groups[name])} households with {name}")
            by_history[name] = summary(
                run_load(
                    port,
                    groups[name],
                    tokens,
                    arguments.clients,
                    arguments.duration / 2,
                    3,
                    spec_path,
                )
            )
            say(f"  {by_history[name]}")
    finally:
        server.stop()
        spec_path.unlink(missing_ok=True)
    load_after = load_average()
    say(f"load average before {load_before}, after {load_after}")
    one, sixty = by_history["1 month"], by_history["60 months"]
    figures = {
        "requests_per_s": overall["requests_per_s"],
        "p50_ms": overall["p50_ms"],
        "p99_ms": overall["p99_ms"],
        "p99_ms_1_month": one["p99_ms"],
        "p99_ms_60_months": sixty["p99_ms"],
        "p50_ms_1_month": one["p50_ms"],
        "p50_ms_60_months": sixty["p50_ms"],
        "requests": overall["requests"],
        **cpu_ms,
        "history_p99_ratio": round(sixty["p99_ms"] / one["p99_ms"], 3),
        "households": arguments.households,
        "statement_month": str(STATEMENT_MONTH),
        "clients": arguments.clients,
        "workers": arguments.workers,
        "seconds": arguments.duration,
        "postings": marker["postings"],
        "database_size": database_size,
        "shared_buffers": shared_buffers,
        "load_average_before": load_before,
        "load_average_after": load_after,
        "statements_read_before_s": cache_seconds,
        "check_passed": check_passed,
        "check_seconds": check_seconds,
        "target_met": overall["requests_per_s"] >= 400
        and overall["p99_ms"] < 100
        and abs(sixty["p99_ms"] / one["p99_ms"] - 1) <= 0.20,
    }
    print(json.dumps(figures), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
