"""Bad input is refused with a named error and nothing is written.

Also: the database keeps the ledger's rules by itself, for writers that bypass ``LedgerStore``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from ledger.check import check_ledger
from ledger.database import run_in_transaction
from ledger.errors import (
    AccountCodeTaken,
    AccountOverdrawn,
    AmountNotWholeCents,
    AmountOutOfRange,
    BatchTooLarge,
    PostingAmountNotPositive,
    TextNotStorable,
    TextTooLong,
    TooFewPostings,
    UnbalancedEntry,
    UnknownAccount,
    UnknownEntry,
)
from ledger.model import AccountId, AccountKind, Direction, EntryId, NewEntry, Posting
from ledger.money import Money
from ledger.store import ENTRIES_PER_BATCH_MAX, LedgerStore

ON = date(2026, 3, 1)


def snapshot(engine: Engine) -> tuple[int, int, int, tuple[tuple[int, int], ...]]:
    with engine.connect() as connection:
        report = check_ledger(connection)
        balances = connection.execute(
            text("SELECT id, balance_cents FROM ledger_accounts ORDER BY id")
        ).all()
    assert report.passed, report.summary()
    return (
        report.account_count,
        report.entry_count,
        report.posting_count,
        tuple((row[0], row[1]) for row in balances),
    )


@pytest.fixture
def funded(engine: Engine) -> tuple[AccountId, AccountId]:
    """A bank (may go negative) and a protected reserve holding 500 cents."""

    def work(connection: Connection) -> tuple[AccountId, AccountId]:
        store = LedgerStore(connection)
        bank = store.open_account("bank", "Bank", AccountKind.ASSET, negative_forbidden=False)
        reserve = store.open_account(
            "reserve", "Reserve", AccountKind.LIABILITY, negative_forbidden=True
        )
        store.post(NewEntry(ON, (Posting.debit(bank, 500), Posting.credit(reserve, 500))))
        return bank, reserve

    return run_in_transaction(engine, work)


def test_an_unbalanced_entry_cannot_be_built() -> None:
    with pytest.raises(UnbalancedEntry) as refused:
        NewEntry(ON, (Posting.debit(AccountId(1), 100), Posting.credit(AccountId(2), 99)))
    assert (refused.value.debit_cents, refused.value.credit_cents) == (100, 99)


@pytest.mark.parametrize("amount", [1.5, 100.0, Decimal("1.00"), True, "100"])
def test_an_amount_that_is_not_whole_cents_is_refused(amount: Any) -> None:
    with pytest.raises(AmountNotWholeCents):
        Money(amount)
    with pytest.raises(AmountNotWholeCents):
        Posting(AccountId(1), Direction.DEBIT, amount)


@pytest.mark.parametrize("cents", [0, -1, -65000])
def test_a_zero_or_negative_posting_is_refused(cents: int) -> None:
    with pytest.raises(PostingAmountNotPositive) as refused:
        Posting.debit(AccountId(7), cents)
    assert refused.value.account_id == 7


def test_limits_are_enforced() -> None:
    with pytest.raises(AmountOutOfRange):
        Money(10**15)
    with pytest.raises(TooFewPostings):
        NewEntry(ON, (Posting.debit(AccountId(1), 1),))
    with pytest.raises(TextTooLong):
        NewEntry(
            ON,
            (Posting.debit(AccountId(1), 1), Posting.credit(AccountId(2), 1)),
            description="x" * 201,
        )
    with pytest.raises(TextNotStorable):
        NewEntry(
            ON,
            (Posting.debit(AccountId(1), 1), Posting.credit(AccountId(2), 1)),
            description="huur\x00",
        )


def test_money_parses_and_prints_decimal_strings_exactly() -> None:
    assert Money.parse("650.00") == Money(65000)
    assert Money.parse("-3.5") == Money(-350)
    assert str(Money(34661)) == "346.61"
    assert str(Money(-5)) == "-0.05"
    with pytest.raises(AmountNotWholeCents):
        Money.parse("1.005")


def test_a_posting_to_an_unknown_account_writes_nothing(
    engine: Engine, funded: tuple[AccountId, AccountId]
) -> None:
    bank, _ = funded
    before = snapshot(engine)
    with pytest.raises(UnknownAccount) as refused:
        run_in_transaction(
            engine,
            lambda c: LedgerStore(c).post(
                NewEntry(ON, (Posting.debit(bank, 1), Posting.credit(AccountId(999_999), 1)))
            ),
        )
    assert refused.value.account_id == 999_999
    assert snapshot(engine) == before


def test_an_overdraft_in_a_batch_writes_none_of_the_batch(
    engine: Engine, funded: tuple[AccountId, AccountId]
) -> None:
    bank, reserve = funded
    before = snapshot(engine)
    fine = NewEntry(ON, (Posting.debit(reserve, 400), Posting.credit(bank, 400)))
    with pytest.raises(AccountOverdrawn) as refused:
        run_in_transaction(engine, lambda c: LedgerStore(c).post_batch([fine, fine]))
    assert (refused.value.account_id, refused.value.balance_cents) == (reserve, 100)
    assert snapshot(engine) == before


def test_reusing_an_account_code_is_refused(engine: Engine) -> None:
    run_in_transaction(
        engine,
        lambda c: LedgerStore(c).open_account(
            "a", "A", AccountKind.ASSET, negative_forbidden=False
        ),
    )
    before = snapshot(engine)
    with pytest.raises(AccountCodeTaken):
        run_in_transaction(
            engine,
            lambda c: LedgerStore(c).open_account(
                "a", "A again", AccountKind.ASSET, negative_forbidden=False
            ),
        )
    assert snapshot(engine) == before


def test_an_unknown_entry_cannot_be_reversed(engine: Engine) -> None:
    with pytest.raises(UnknownEntry):
        run_in_transaction(engine, lambda c: LedgerStore(c).reverse(EntryId(42), ON))


def test_a_batch_over_the_limit_is_refused_before_touching_the_database(engine: Engine) -> None:
    entry = NewEntry(ON, (Posting.debit(AccountId(1), 1), Posting.credit(AccountId(2), 1)))
    with pytest.raises(BatchTooLarge), engine.connect() as connection:
        LedgerStore(connection).post_batch([entry] * (ENTRIES_PER_BATCH_MAX + 1))


# -- the database's own guards ----------------------------------------------------------------


def raw(engine: Engine, *statements: str) -> None:
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))


def test_the_database_refuses_an_unbalanced_entry_written_around_the_store(
    engine: Engine, funded: tuple[AccountId, AccountId]
) -> None:
    bank, reserve = funded
    before = snapshot(engine)
    with pytest.raises(DBAPIError, match="does not balance"):
        raw(
            engine,
            "INSERT INTO ledger_postings (account_id, account_seq, entry_id, direction, "
            f"amount_cents, balance_after_cents, booked_on) VALUES ({bank}, 2, 90, 'D', 10, 510, "
            f"'2026-03-01'), ({reserve}, 2, 90, 'C', 9, 509, '2026-03-01')",
            "INSERT INTO ledger_entries (id, booked_on, description, content_hash, created_at) "
            "VALUES (90, '2026-03-01', 'bypass', 'x', '2026-03-01 00:00:00')",
        )
    assert snapshot(engine) == before


def test_the_database_refuses_postings_added_to_an_existing_entry(
    engine: Engine, funded: tuple[AccountId, AccountId]
) -> None:
    bank, reserve = funded
    with pytest.raises(DBAPIError, match="existing journal entry"):
        raw(
            engine,
            "INSERT INTO ledger_postings (account_id, account_seq, entry_id, direction, "
            f"amount_cents, balance_after_cents, booked_on) VALUES ({bank}, 2, 1, 'D', 10, 510, "
            f"'2026-03-01'), ({reserve}, 2, 1, 'C', 10, 510, '2026-03-01')",
        )


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger_postings SET amount_cents = 1",
        "DELETE FROM ledger_postings",
        "UPDATE ledger_entries SET description = 'changed'",
        "DELETE FROM ledger_entries",
        "DELETE FROM ledger_accounts",
    ],
)
def test_the_database_keeps_history_append_only(
    engine: Engine, funded: tuple[AccountId, AccountId], statement: str
) -> None:
    before = snapshot(engine)
    with pytest.raises(DBAPIError):
        raw(engine, statement)
    assert snapshot(engine) == before


def test_the_database_refuses_a_negative_balance_on_a_protected_account(
    engine: Engine, funded: tuple[AccountId, AccountId]
) -> None:
    _, reserve = funded
    with pytest.raises(DBAPIError):
        raw(engine, f"UPDATE ledger_accounts SET balance_cents = -1 WHERE id = {reserve}")
