"""The payment commands end to end on the demo: prepare, refuse self-approval, approve, execute."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine

from api.cli import main
from ontzorgen.demo import seed_demo
from ontzorgen.sepa import validate_payment_file

TODAY = date(2026, 11, 23)


@pytest.fixture
def demo_database(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Engine:
    monkeypatch.setenv("ONTZORGEN_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    seed_demo(engine, TODAY)
    return engine


def test_a_run_is_prepared_approved_by_another_and_executed_from_the_command_line(
    demo_database: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 1 December 2026 is a Tuesday: rent due on the 1st goes out that day.
    assert (
        main(
            [
                "runs",
                "prepare",
                "--municipality",
                "0599",
                "--date",
                "2026-12-01",
                "--as",
                "w.devries@rotterdam.nl",
            ]
        )
        == 0
    )
    prepared = capsys.readouterr().out
    assert "run 1:" in prepared and "prepared" in prepared and "huur" in prepared
    assert main(["runs", "approve", "1", "--as", "w.devries@rotterdam.nl"]) == 1
    assert "another person must approve" in capsys.readouterr().err
    assert main(["runs", "approve", "1", "--as", "a.bakker@rotterdam.nl"]) == 0
    capsys.readouterr()
    assert (
        main(["runs", "execute", "1", "--as", "a.bakker@rotterdam.nl", "--output", str(tmp_path)])
        == 0
    )
    executed = capsys.readouterr()
    assert "executed" in executed.out and "booking payments" in executed.err
    files = sorted(tmp_path.glob("*.xml"))
    assert files
    for file in files:
        validate_payment_file(file.read_bytes())
    assert main(["ledger", "check"]) == 0
