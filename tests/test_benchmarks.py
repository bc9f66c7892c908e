"""The payment-run benchmark still runs end to end: a few households on a private PostgreSQL
database, its figures and its SEPA files as ``bench/payment_run.py`` promises them.

Nothing here is timed: the benchmark's speed is read from its own figures, not asserted.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import payment_run
from ontzorgen.sepa import validate_payment_file
from tests.databases import private_postgres_database


def test_the_payment_run_benchmark_prints_its_figures_and_writes_valid_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "files"
    with private_postgres_database() as url:
        status = payment_run.main(
            [
                "--households",
                "30",
                "--municipalities",
                "2",
                "--workers",
                "1",
                "--database",
                url,
                "--output",
                str(output),
            ]
        )
    figures = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert status == 0 and figures["check_passed"] is True
    assert figures["households"] == 30 and figures["municipalities"] == 2
    for name in ("seconds", "households_per_s", "postings_per_s", "peak_rss_mib", "ratio_to_floor"):
        assert figures[name] > 0
    # Every household's bills and leefgeld: at least one creditor payment each.
    assert figures["payments"] >= 30
    # The write floor writes every inserted row again: the floor's postings, the payments, ...
    written = figures["write_floor"]
    assert written["ledger_postings"][0] == figures["postings"]
    assert written["payments"][0] == figures["payments"]
    assert written["payment_files"][0] == figures["payment_files"]
    assert written["allocations"][0] == 30
    assert figures["write_floor_seconds"] > figures["floor_seconds"] > 0
    assert len(figures["floor_samples"]) == payment_run.FLOOR_SAMPLES
    assert (
        sorted(figures["floor_samples"])[payment_run.FLOOR_SAMPLES // 2] == figures["floor_seconds"]
    )
    files = sorted(output.glob("*.xml"))
    assert len(files) == figures["payment_files"] >= 2  # a file per municipality at least
    for path in files:
        validate_payment_file(path.read_bytes())
    assert figures["server_settings"]["shared_buffers"]
