"""Service-level tests of the ledger store on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Connection, Engine

from ledger.check import check_ledger
from ledger.database import run_in_transaction
from ledger.errors import (
    AccountOverdrawn,
    BookingDateBeforeLastPosting,
    EntryAlreadyReversed,
    IdempotencyConflict,
    ReversalNotReversible,
)
from ledger.model import AccountId, AccountKind, EntryId, NewEntry, Posting
from ledger.money import Money
from ledger.store import LedgerStore

JAN_1 = date(2026, 1, 1)
FEB_1 = date(2026, 2, 1)
MAR_1 = date(2026, 3, 1)


def open_household(engine: Engine) -> dict[str, AccountId]:
    def work(connection: Connection) -> dict[str, AccountId]:
        store = LedgerStore(connection)
        return {
            "bank": store.open_account("bank", "Bank", AccountKind.ASSET, negative_forbidden=False),
            "income": store.open_account(
                "hh1/income", "Income", AccountKind.LIABILITY, negative_forbidden=True
            ),
            "rent": store.open_account(
                "hh1/reserve/huur", "Rent reserve", AccountKind.LIABILITY, negative_forbidden=True
            ),
            "living": store.open_account(
                "hh1/leefgeld", "Leefgeld", AccountKind.LIABILITY, negative_forbidden=True
            ),
        }

    return run_in_transaction(engine, work)


def post(engine: Engine, entry: NewEntry) -> EntryId:
    return run_in_transaction(engine, lambda connection: LedgerStore(connection).post(entry))


def balance(engine: Engine, account_id: AccountId, on: date | None = None) -> int:
    with engine.connect() as connection:
        store = LedgerStore(connection)
        found = store.balance(account_id) if on is None else store.balance_on(account_id, on)
        return found.cents


def test_an_allocation_moves_income_to_reserves_and_leefgeld(engine: Engine) -> None:
    a = open_household(engine)
    post(
        engine,
        NewEntry(JAN_1, (Posting.debit(a["bank"], 130061), Posting.credit(a["income"], 130061))),
    )
    post(
        engine,
        NewEntry(
            JAN_1,
            (
                Posting.debit(a["income"], 130061),
                Posting.credit(a["rent"], 65000),
                Posting.credit(a["living"], 65061),
            ),
        ),
    )
    assert balance(engine, a["income"]) == 0
    assert balance(engine, a["rent"]) == 65000
    assert balance(engine, a["living"]) == 65061
    assert balance(engine, a["bank"]) == 130061
    with engine.connect() as connection:
        assert check_ledger(connection).passed


def test_the_balance_at_a_past_date_comes_from_the_running_balance(engine: Engine) -> None:
    a = open_household(engine)
    for booked_on, cents in ((JAN_1, 1000), (FEB_1, 250), (MAR_1, 5)):
        post(
            engine,
            NewEntry(
                booked_on, (Posting.debit(a["bank"], cents), Posting.credit(a["rent"], cents))
            ),
        )
    assert balance(engine, a["rent"], date(2025, 12, 31)) == 0
    assert balance(engine, a["rent"], JAN_1) == 1000
    assert balance(engine, a["rent"], date(2026, 2, 15)) == 1250
    assert balance(engine, a["rent"], date(2027, 1, 1)) == 1255


def test_an_overdraft_of_a_protected_account_is_refused_and_writes_nothing(engine: Engine) -> None:
    a = open_household(engine)
    post(engine, NewEntry(JAN_1, (Posting.debit(a["bank"], 100), Posting.credit(a["rent"], 100))))
    with pytest.raises(AccountOverdrawn) as refused:
        post(
            engine, NewEntry(JAN_1, (Posting.debit(a["rent"], 101), Posting.credit(a["bank"], 101)))
        )
    assert refused.value.account_id == a["rent"]
    assert balance(engine, a["rent"]) == 100
    with engine.connect() as connection:
        assert check_ledger(connection).entry_count == 1


def test_a_replayed_key_returns_the_first_entry_and_other_content_is_refused(
    engine: Engine,
) -> None:
    a = open_household(engine)
    entry = NewEntry(
        JAN_1,
        (Posting.debit(a["bank"], 100), Posting.credit(a["rent"], 100)),
        idempotency_key="pay-1",
    )
    first = post(engine, entry)
    assert post(engine, entry) == first
    assert balance(engine, a["rent"]) == 100
    other = NewEntry(
        JAN_1,
        (Posting.debit(a["bank"], 999), Posting.credit(a["rent"], 999)),
        idempotency_key="pay-1",
    )
    with pytest.raises(IdempotencyConflict) as refused:
        post(engine, other)
    assert refused.value.entry_id == first


def test_an_entry_is_reversed_once_and_a_reversal_is_not_reversed(engine: Engine) -> None:
    a = open_household(engine)
    first = post(
        engine, NewEntry(JAN_1, (Posting.debit(a["bank"], 700), Posting.credit(a["rent"], 700)))
    )
    reversal = run_in_transaction(engine, lambda c: LedgerStore(c).reverse(first, FEB_1))
    assert balance(engine, a["rent"]) == 0
    assert balance(engine, a["rent"], JAN_1) == 700
    with pytest.raises(EntryAlreadyReversed):
        run_in_transaction(engine, lambda c: LedgerStore(c).reverse(first, FEB_1))
    with pytest.raises(ReversalNotReversible):
        run_in_transaction(engine, lambda c: LedgerStore(c).reverse(reversal, FEB_1))
    with engine.connect() as connection:
        report = check_ledger(connection)
    assert report.passed and report.entry_count == 2


def test_booking_before_an_accounts_last_posting_is_refused(engine: Engine) -> None:
    a = open_household(engine)
    post(engine, NewEntry(FEB_1, (Posting.debit(a["bank"], 1), Posting.credit(a["rent"], 1))))
    with pytest.raises(BookingDateBeforeLastPosting):
        post(engine, NewEntry(JAN_1, (Posting.debit(a["bank"], 1), Posting.credit(a["rent"], 1))))


def test_a_batch_is_all_or_nothing(engine: Engine) -> None:
    a = open_household(engine)
    good = NewEntry(JAN_1, (Posting.debit(a["bank"], 500), Posting.credit(a["rent"], 500)))
    bad = NewEntry(JAN_1, (Posting.debit(a["living"], 1), Posting.credit(a["bank"], 1)))
    with pytest.raises(AccountOverdrawn):
        run_in_transaction(engine, lambda c: LedgerStore(c).post_batch([good, bad]))
    assert balance(engine, a["rent"]) == 0
    ids = run_in_transaction(engine, lambda c: LedgerStore(c).post_batch([good, good]))
    assert len(set(ids)) == 2
    assert balance(engine, a["rent"]) == 1000
    assert Money(balance(engine, a["bank"])) == Money(1000)
