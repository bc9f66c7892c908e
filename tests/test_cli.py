"""The ``ontzorgen`` command on both databases: migrate, check, and fail loudly on corruption."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Connection, Engine, text

from api.cli import main
from ledger.database import run_in_transaction
from ledger.model import AccountKind, NewEntry, Posting
from ledger.store import LedgerStore


@pytest.fixture
def database_url(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> str:
    url = engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("ONTZORGEN_DATABASE_URL", url)
    return url


def seed(engine: Engine) -> None:
    def work(connection: Connection) -> None:
        store = LedgerStore(connection)
        bank = store.open_account("bank", "Bank", AccountKind.ASSET, negative_forbidden=False)
        rent = store.open_account("rent", "Rent", AccountKind.LIABILITY, negative_forbidden=True)
        store.post(
            NewEntry(date(2026, 1, 1), (Posting.debit(bank, 65000), Posting.credit(rent, 65000)))
        )

    run_in_transaction(engine, work)


def test_db_upgrade_is_idempotent(database_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "upgrade"]) == 0
    assert main(["db", "upgrade"]) == 0
    from ledger.database import make_engine
    from ontzorgen.database import head_revision

    head = head_revision(make_engine(database_url))
    assert head is not None
    assert capsys.readouterr().out.count(f"database at revision {head}") == 2


def test_ledger_check_passes_on_a_sound_ledger(
    engine: Engine, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(engine)
    assert main(["ledger", "check"]) == 0
    out = capsys.readouterr().out
    assert "2 accounts, 1 entries, 2 postings" in out
    assert "ledger check passed" in out


def test_ledger_check_fails_when_a_balance_was_tampered_with(
    engine: Engine, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(engine)
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE ledger_accounts SET balance_cents = balance_cents + 1 WHERE code = 'bank'")
        )
    assert main(["ledger", "check"]) == 1
    out = capsys.readouterr().out
    assert "FAIL  balances_sum_to_zero" in out
    assert "FAIL  balance_equals_postings" in out
    assert "ledger check FAILED" in out
