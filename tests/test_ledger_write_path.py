"""The store's fast write path keeps every value exactly as the plain one would, and the database
still guards what its foreign keys on the postings used to.

Posting builds ``COPY`` text, array literals and content hashes by hand for speed; these tests hold
each of them to the straightforward definition: the model's content hash, and values that come back
from the database unchanged, however awkward their characters. A posting's account and entry are
checked by triggers rather than foreign keys (cheaper per posting); these tests show that a writer
going around the store is still refused a posting on an unknown account or one whose entry never
comes.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from ledger.check import check_ledger
from ledger.database import run_in_transaction
from ledger.errors import (
    AccountOverdrawn,
    AmountNotWholeCents,
    AmountOutOfRange,
    IdempotencyConflict,
    PostingAmountNotPositive,
    TextNotStorable,
    TextTooLong,
    UnknownAccount,
)
from ledger.model import AccountId, AccountKind, Direction, NewEntry, Posting
from ledger.money import AMOUNT_CENTS_MAX, Money
from ledger.store import LedgerStore, Transfer, _content_hash

AWKWARD = 'tab\there, newline\nand CR\r, back\\slash \\N "quoted" {braced},comma NULL é €\x0b'


#: Any character the ledger stores (it refuses NUL, which PostgreSQL cannot hold in text).
STORABLE = st.characters(exclude_characters="\x00")


@st.composite
def entries(draw: st.DrawFn) -> NewEntry:
    amounts = draw(st.lists(st.integers(1, 10**9), min_size=1, max_size=5))
    accounts = st.integers(1, 2**40).map(AccountId)
    sides = st.sampled_from(Direction)
    legs = [Posting(draw(accounts), draw(sides), Money(cents)) for cents in amounts]
    # Balance the entry with one more leg on whichever side is short.
    signed = sum(
        p.amount.cents if p.direction is Direction.DEBIT else -p.amount.cents for p in legs
    )
    if signed == 0:
        legs.append(legs[0].reversed())
        legs.append(legs[0])
    elif signed > 0:
        legs.append(Posting.credit(draw(accounts), signed))
    else:
        legs.append(Posting.debit(draw(accounts), -signed))
    return NewEntry(
        booked_on=draw(st.dates(date(1900, 1, 1), date(2200, 12, 31))),
        postings=tuple(legs),
        description=draw(st.text(STORABLE, max_size=200)),
        idempotency_key=draw(st.none() | st.text(STORABLE, max_size=128)),
    )


@given(entries())
def test_the_fast_content_hash_is_the_models_content_hash(entry: NewEntry) -> None:
    assert _content_hash(entry) == entry.content_hash()


def test_awkward_text_is_stored_exactly_and_its_key_replays(engine: Engine) -> None:
    def open_accounts(connection: Connection) -> tuple[AccountId, AccountId]:
        store = LedgerStore(connection)
        return (
            store.open_account(
                f"bank {AWKWARD}", "Bank", AccountKind.ASSET, negative_forbidden=False
            ),
            store.open_account(
                f"reserve {AWKWARD}", AWKWARD, AccountKind.LIABILITY, negative_forbidden=True
            ),
        )

    bank, reserve = run_in_transaction(engine, open_accounts)
    entry = NewEntry(
        date(2026, 1, 1),
        (Posting.debit(bank, 100), Posting.credit(reserve, 100)),
        description=AWKWARD,
        idempotency_key=f"key {AWKWARD}",
    )
    first = run_in_transaction(engine, lambda c: LedgerStore(c).post(entry))
    assert run_in_transaction(engine, lambda c: LedgerStore(c).post_batch([entry, entry])) == [
        first,
        first,
    ]
    with engine.connect() as connection:
        store = LedgerStore(connection)
        stored = store.get_entry(first)
        found = store.find_account(f"reserve {AWKWARD}")
        assert store.balance(reserve) == Money(100)
    assert stored.description == AWKWARD
    assert stored.idempotency_key == f"key {AWKWARD}"
    assert found is not None and found.account_id == reserve and found.name == AWKWARD


def rows_in(engine: Engine, table: str) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def raw(engine: Engine, *statements: str) -> None:
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))


def posting_values(account: int, seq: int, entry: int, side: str, cents: int) -> str:
    return f"({account}, {seq}, {entry}, '{side}', {cents}, {cents}, '2026-03-01')"


INSERT_POSTINGS = (
    "INSERT INTO ledger_postings (account_id, account_seq, entry_id, direction, amount_cents, "
    "balance_after_cents, booked_on) VALUES "
)


@pytest.fixture
def two_accounts(engine: Engine) -> tuple[AccountId, AccountId]:
    def work(connection: Connection) -> tuple[AccountId, AccountId]:
        store = LedgerStore(connection)
        return (
            store.open_account("bank", "Bank", AccountKind.ASSET, negative_forbidden=False),
            store.open_account(
                "reserve", "Reserve", AccountKind.LIABILITY, negative_forbidden=True
            ),
        )

    return run_in_transaction(engine, work)


def test_the_database_refuses_to_commit_postings_whose_entry_never_comes(
    engine: Engine, two_accounts: tuple[AccountId, AccountId]
) -> None:
    bank, reserve = two_accounts
    with pytest.raises(DBAPIError, match=r"(?i)foreign key"):
        raw(
            engine,
            INSERT_POSTINGS
            + posting_values(bank, 1, 77, "D", 10)
            + ", "
            + posting_values(reserve, 1, 77, "C", 10),
        )
    assert rows_in(engine, "ledger_postings") == 0


def test_the_database_refuses_a_posting_on_an_unknown_account(
    engine: Engine, two_accounts: tuple[AccountId, AccountId]
) -> None:
    bank, _ = two_accounts
    with pytest.raises(DBAPIError, match="account that does not exist"):
        raw(
            engine,
            INSERT_POSTINGS
            + posting_values(bank, 1, 78, "D", 10)
            + ", "
            + posting_values(bank + 1000, 1, 78, "C", 10),
        )


def test_the_database_keeps_an_accounts_id(
    engine: Engine, two_accounts: tuple[AccountId, AccountId]
) -> None:
    bank, _ = two_accounts
    with pytest.raises(DBAPIError, match="keeps its id"):
        raw(engine, f"UPDATE ledger_accounts SET id = {bank + 1000} WHERE id = {bank}")


def test_postings_written_around_the_store_commit_once_sealed_and_keep_accounts_current(
    engine: Engine, two_accounts: tuple[AccountId, AccountId]
) -> None:
    bank, reserve = two_accounts
    raw(
        engine,
        INSERT_POSTINGS + posting_values(bank, 1, 79, "D", 10),
        INSERT_POSTINGS + posting_values(reserve, 1, 79, "C", 10),
        "INSERT INTO ledger_entries (id, booked_on, description, content_hash, created_at) "
        "VALUES (79, '2026-03-01', 'around the store', 'x', '2026-03-01 00:00:00')",
    )
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM ledger_postings")).scalar() == 2
        assert (
            connection.execute(text("SELECT count(*) FROM ledger_unsealed_entries")).scalar() == 0
        )
        store = LedgerStore(connection)
        for account_id in (bank, reserve):
            account = store.get_account(account_id)
            assert (account.balance, account.posting_count) == (Money(10), 1)
        assert check_ledger(connection).passed


def test_a_posted_batch_leaves_no_entry_waiting(
    engine: Engine, two_accounts: tuple[AccountId, AccountId]
) -> None:
    bank, reserve = two_accounts
    batch = [
        NewEntry(date(2026, 1, 1), (Posting.debit(bank, cents), Posting.credit(reserve, cents)))
        for cents in range(1, 50)
    ]
    run_in_transaction(engine, lambda c: LedgerStore(c).post_batch(batch))
    with engine.connect() as connection:
        assert (
            connection.execute(text("SELECT count(*) FROM ledger_unsealed_entries")).scalar() == 0
        )
        assert check_ledger(connection).passed


def test_a_batch_on_accounts_that_do_not_exist_is_refused(engine: Engine) -> None:
    entry = NewEntry(
        date(2026, 1, 1), (Posting.debit(AccountId(901), 5), Posting.credit(AccountId(902), 5))
    )
    with pytest.raises(UnknownAccount):
        run_in_transaction(engine, lambda c: LedgerStore(c).post(entry))


# -- transfers: two-posting entries without a NewEntry each -------------------------------------


def as_entry(booked_on: date, transfer: Transfer) -> NewEntry:
    """The entry a transfer stands for."""
    return NewEntry(
        booked_on,
        (
            Posting.debit(transfer.debit, transfer.amount_cents),
            Posting.credit(transfer.credit, transfer.amount_cents),
        ),
        transfer.description,
        transfer.idempotency_key,
    )


def test_transfers_are_booked_as_the_entries_they_stand_for(
    engine: Engine, two_accounts: tuple[AccountId, AccountId]
) -> None:
    bank, reserve = two_accounts
    day = date(2026, 2, 2)
    transfers = [
        Transfer(reserve, bank, 250, "Betaling ONTZ-R1-P1", "payment:ONTZ-R1-P1"),
        Transfer(reserve, bank, 125, AWKWARD, f"payment {AWKWARD}"),
        Transfer(reserve, bank, 99, "zonder sleutel"),
    ]
    # The reserve is a liability that may not go below zero: fund it first.
    run_in_transaction(
        engine,
        lambda c: LedgerStore(c).post(
            NewEntry(day, (Posting.debit(bank, 500), Posting.credit(reserve, 500)))
        ),
    )
    booked = run_in_transaction(engine, lambda c: LedgerStore(c).post_transfers(day, transfers))
    with engine.connect() as connection:
        store = LedgerStore(connection)
        for entry_id, transfer in zip(booked, transfers, strict=True):
            stored = store.get_entry(entry_id)
            expected = as_entry(day, transfer)
            assert sorted(stored.postings, key=lambda p: p.account_id) == sorted(
                expected.postings, key=lambda p: p.account_id
            )
            assert (stored.booked_on, stored.description, stored.idempotency_key) == (
                day,
                transfer.description,
                transfer.idempotency_key,
            )
            stored_hash = connection.execute(
                text("SELECT content_hash FROM ledger_entries WHERE id = :id"), {"id": entry_id}
            ).scalar()
            assert stored_hash == expected.content_hash()
        assert store.balance(reserve) == Money(500 - 250 - 125 - 99)
        assert check_ledger(connection).passed
    # The same key through either door is the same entry; other content under it is refused.
    keyed = transfers[:2]
    again = run_in_transaction(
        engine,
        lambda c: (
            LedgerStore(c).post_batch([as_entry(day, t) for t in keyed])
            + LedgerStore(c).post_transfers(day, keyed)
        ),
    )
    assert again == booked[:2] + booked[:2]
    changed = Transfer(reserve, bank, 251, "Betaling ONTZ-R1-P1", "payment:ONTZ-R1-P1")
    with pytest.raises(IdempotencyConflict):
        run_in_transaction(engine, lambda c: LedgerStore(c).post_transfers(day, [changed]))


@pytest.mark.parametrize(
    ("cents", "description", "refusal"),
    [
        (10.0, "a float", AmountNotWholeCents),
        (True, "a bool", AmountNotWholeCents),
        (0, "nothing", PostingAmountNotPositive),
        (-5, "negative", PostingAmountNotPositive),
        (AMOUNT_CENTS_MAX + 1, "too much", AmountOutOfRange),
        (10, "x" * 201, TextTooLong),
        (10, "NUL \x00", TextNotStorable),
    ],
)
def test_a_transfer_is_refused_as_its_entry_would_be(
    engine: Engine,
    two_accounts: tuple[AccountId, AccountId],
    cents: Any,
    description: str,
    refusal: type[Exception],
) -> None:
    bank, reserve = two_accounts
    transfer = Transfer(bank, reserve, cents, description)
    with pytest.raises(refusal):
        as_entry(date(2026, 2, 2), transfer)
    with pytest.raises(refusal):
        run_in_transaction(
            engine, lambda c: LedgerStore(c).post_transfers(date(2026, 2, 2), [transfer])
        )
    assert rows_in(engine, "ledger_entries") == 0


def test_a_transfer_that_would_overdraw_its_account_books_nothing(
    engine: Engine, two_accounts: tuple[AccountId, AccountId]
) -> None:
    bank, reserve = two_accounts
    with pytest.raises(AccountOverdrawn):
        run_in_transaction(
            engine,
            lambda c: LedgerStore(c).post_transfers(
                date(2026, 2, 2), [Transfer(reserve, bank, 1, "meer dan er is")]
            ),
        )
    assert rows_in(engine, "ledger_postings") == 0
