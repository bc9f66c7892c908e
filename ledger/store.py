"""Reading and writing the ledger inside a caller's transaction.

``LedgerStore`` never begins, commits or rolls back: the caller's unit of work owns the transaction,
so a payment run and its ledger entries commit together or not at all (``ledger.database`` has
``run_in_transaction`` for callers that want retries on transient conflicts).

How a batch is written, and why it is safe under concurrent writers:
1. The rows of every account the batch touches are locked in ascending id order (``FOR UPDATE``),
   so two writers can never wait on each other in a cycle. On SQLite the whole database is locked
   by ``BEGIN IMMEDIATE`` instead.
2. Only then are idempotency keys looked up, so a concurrent writer with the same key is seen.
3. Every posting is checked against the locked balances (overdraft, booking date) before anything is
   written; a batch is all or nothing.
4. Postings are written first, then the entry rows that seal them (the database checks each entry
   balances at that moment). Each posting keeps the account's running balance after it, so a balance
   at a past date is one index probe. The database keeps each account's row (balance, posting count,
   last booking date) equal to its last posting: a trigger on the postings sets it, once per account
   per statement, and in doing so checks that the account exists.
On PostgreSQL postings and entries are streamed with ``COPY`` as text built here, and ids and keys
go to the database as array literals; on SQLite they are plain inserts.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Table,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.exc import DBAPIError, IntegrityError

from ledger.database import among, array_literal, is_postgresql
from ledger.errors import (
    AccountCodeTaken,
    AccountOverdrawn,
    AmountNotWholeCents,
    AmountOutOfRange,
    BatchTooLarge,
    BookingDateBeforeLastPosting,
    EntryAlreadyReversed,
    IdempotencyConflict,
    PostingAmountNotPositive,
    ReversalNotReversible,
    TextTooLong,
    UnknownAccount,
    UnknownEntry,
)
from ledger.model import (
    ACCOUNT_CODE_LENGTH_MAX,
    ACCOUNT_NAME_LENGTH_MAX,
    DESCRIPTION_LENGTH_MAX,
    IDEMPOTENCY_KEY_LENGTH_MAX,
    Account,
    AccountId,
    AccountKind,
    Direction,
    EntryId,
    JournalEntry,
    NewEntry,
    Posting,
    check_length,
    content_hash,
)
from ledger.money import AMOUNT_CENTS_MAX, Money
from ledger.schema import accounts, entries, postings

#: One transaction holds at most this many entries; bulk work is split into batches of this size.
ENTRIES_PER_BATCH_MAX = 20_000

_POSTING_COLUMNS = (
    "account_id",
    "account_seq",
    "entry_id",
    "direction",
    "amount_cents",
    "balance_after_cents",
    "booked_on",
)
_ENTRY_COLUMNS = (
    "id",
    "booked_on",
    "description",
    "idempotency_key",
    "content_hash",
    "reverses_entry_id",
    "created_at",
)


@dataclass(frozen=True, slots=True)
class AccountSpec:
    """What it takes to open an account."""

    code: str
    name: str
    kind: AccountKind
    negative_forbidden: bool

    def __post_init__(self) -> None:
        if len(self.code) > ACCOUNT_CODE_LENGTH_MAX:
            raise TextTooLong("account code", len(self.code), ACCOUNT_CODE_LENGTH_MAX)
        if len(self.name) > ACCOUNT_NAME_LENGTH_MAX:
            raise TextTooLong("account name", len(self.name), ACCOUNT_NAME_LENGTH_MAX)


@dataclass(frozen=True, slots=True)
class PostingLine:
    """One line of an account's history, with the balance right after it."""

    account_seq: int
    entry_id: EntryId
    booked_on: date
    direction: Direction
    amount: Money
    balance_after: Money


@dataclass(slots=True)
class _LockedAccounts:
    """The locked accounts' state while a batch is applied to it, one dict per field.

    No object per account: a batch locks thousands of accounts, and every object made for each of
    them is work for the allocator and the garbage collector.
    """

    balance_cents: dict[AccountId, int]
    posting_count: dict[AccountId, int]
    last_booked_on: dict[AccountId, date | None]
    #: How a debit changes the balance as the account reports it: +1 or -1 (a credit the opposite).
    debit_sign: dict[AccountId, int]
    negative_forbidden: set[AccountId]


#: How a debit changes the balance of each kind of account, by the kind's stored name.
_DEBIT_SIGNS = {
    kind.value: 1 if kind.normal_side is Direction.DEBIT else -1 for kind in AccountKind
}

#: Locks the accounts in ascending id order; the ids go in as one array literal, through a
#: sub-select (see ``ledger.database.among``).
_LOCK_ACCOUNTS = (
    "SELECT id, kind, negative_forbidden, balance_cents, posting_count, last_booked_on "
    "FROM ledger_accounts WHERE id = ANY (CAST((SELECT CAST(%s AS text)) AS bigint[])) "
    "ORDER BY id FOR UPDATE"
)


@dataclass(frozen=True, slots=True)
class Transfer:
    """An entry of exactly two postings: ``amount_cents`` debited to ``debit`` and credited to
    ``credit`` (see ``LedgerStore.post_transfers``)."""

    debit: AccountId
    credit: AccountId
    amount_cents: int
    description: str
    idempotency_key: str | None = None


#: One posting of a pending entry: account, side ("D" or "C") and cents, in the entry's order.
_Leg = tuple[AccountId, str, int]


@dataclass(slots=True)
class _Pending:
    """An entry on its way into the database, as plain values: no ``Posting`` or ``Money`` per leg.

    Built from a checked ``NewEntry`` (``of``) or from a checked ``Transfer``.
    """

    booked_on: date
    legs: tuple[_Leg, ...]
    description: str
    idempotency_key: str | None
    reverses_entry_id: EntryId | None
    #: Computed when first needed (``digest``): most entries need it only for their row.
    content_hash: str | None = None

    @classmethod
    def of(
        cls, entry: NewEntry, reverses_entry_id: EntryId | None = None, digest: str | None = None
    ) -> _Pending:
        return cls(
            entry.booked_on,
            tuple((p.account_id, p.direction.value, p.amount.cents) for p in entry.postings),
            entry.description,
            entry.idempotency_key,
            reverses_entry_id,
            digest,
        )

    def digest(self) -> str:
        if self.content_hash is None:
            self.content_hash = _legs_hash(self.booked_on, self.description, self.legs)
        return self.content_hash


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _content_hash(entry: NewEntry) -> str:
    """``entry.content_hash()``, computed the way the write path computes it."""
    return _Pending.of(entry).digest()


def _legs_hash(booked_on: date, description: str, legs: tuple[_Leg, ...]) -> str:
    """``ledger.model.content_hash`` of an entry that reverses nothing: the same digest of the same
    canonical JSON, built faster.

    Posting a batch hashes every entry, so this is on the write path's hot loop.
    ``tests/test_ledger_write_path.py`` holds it to the model's definition.
    """
    ordered = sorted(legs)
    if len(ordered) == 2:
        # A transfer: a payment run books one per payment, so its two legs are written out
        # without a loop (about 1.5 µs instead of 3.5 µs an entry).
        (first, first_side, first_cents), (second, second_side, second_cents) = ordered
        if type(first) is int and type(second) is int:
            postings = (
                f'{first},"{first_side}",{first_cents}],[{second},"{second_side}",{second_cents}'
            )
            return _canonical_hash(booked_on, description, postings)
    if any(type(account_id) is not int for account_id, _, _ in ordered):
        postings_of = tuple(Posting(a, Direction(side), Money(cents)) for a, side, cents in legs)
        return content_hash(booked_on, description, postings_of, reverses=None)
    return _canonical_hash(
        booked_on,
        description,
        "],[".join([f'{account_id},"{side}",{cents}' for account_id, side, cents in ordered]),
    )


def _canonical_hash(booked_on: date, description: str, postings: str) -> str:
    """The digest of the canonical JSON of an entry that reverses nothing, given its postings as
    JSON arrays without the outer brackets (``1,"D",500],[2,"C",500``)."""
    canonical = (
        f'{{"bookedOn":"{booked_on.isoformat()}","description":{_json_string(description)},'
        f'"reverses":null,"postings":[[{postings}]]}}'
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _json_string(text: str) -> str:
    """``json.dumps(text)``; printable ASCII without a quote or backslash needs no escaping."""
    if text.isascii() and text.isprintable() and '"' not in text and "\\" not in text:
        return f'"{text}"'
    return json.dumps(text)


class LedgerStore:
    """The ledger as seen through one database connection and its current transaction."""

    def __init__(self, connection: Connection, now: Callable[[], datetime] = _utc_now) -> None:
        self._connection = connection
        self._now = now
        self._postgresql = is_postgresql(connection)

    # -- accounts -----------------------------------------------------------------------------

    def open_account(
        self, code: str, name: str, kind: AccountKind, *, negative_forbidden: bool
    ) -> AccountId:
        return self.open_accounts([AccountSpec(code, name, kind, negative_forbidden)])[0]

    def open_accounts(self, specs: Sequence[AccountSpec]) -> list[AccountId]:
        """Open many accounts at once; their ids come back in the order of ``specs``."""
        if not specs:
            return []
        codes = [spec.code for spec in specs]
        seen: set[str] = set()
        for code in codes:
            if code in seen:
                raise AccountCodeTaken(code)
            seen.add(code)
        taken = self._connection.execute(
            select(accounts.c.code).where(self._among(accounts.c.code, codes)).limit(1)
        ).scalar()
        if taken is not None:
            raise AccountCodeTaken(taken)
        opened_at = self._now()
        rows = [
            {
                "code": spec.code,
                "name": spec.name,
                "kind": spec.kind.value,
                "negative_forbidden": spec.negative_forbidden,
                "balance_cents": 0,
                "posting_count": 0,
                "last_booked_on": None,
                "opened_at": opened_at,
            }
            for spec in specs
        ]
        try:
            result = self._connection.execute(
                insert(accounts).returning(accounts.c.id, sort_by_parameter_order=True), rows
            )
        except IntegrityError as error:
            # A concurrent writer opened the same code between our check and our insert.
            raise AccountCodeTaken(str(error.orig)) from error
        return [AccountId(row_id) for row_id in result.scalars().all()]

    def get_account(self, account_id: AccountId) -> Account:
        row = self._connection.execute(
            select(accounts).where(accounts.c.id == account_id)
        ).one_or_none()
        if row is None:
            raise UnknownAccount(account_id)
        return _account_from_row(row)

    def find_account(self, code: str) -> Account | None:
        row = self._connection.execute(
            select(accounts).where(accounts.c.code == code)
        ).one_or_none()
        return None if row is None else _account_from_row(row)

    def balance(self, account_id: AccountId) -> Money:
        """The current balance, read from the account row: no summing of history."""
        return self.get_account(account_id).balance

    def balance_on(self, account_id: AccountId, on: date) -> Money:
        """The balance at the end of ``on``: the running balance of the last posting up to then."""
        self.get_account(account_id)
        cents = self._connection.execute(
            select(postings.c.balance_after_cents)
            .where(postings.c.account_id == account_id, postings.c.booked_on <= on)
            .order_by(postings.c.booked_on.desc(), postings.c.account_seq.desc())
            .limit(1)
        ).scalar()
        return Money(cents or 0)

    def history(
        self, account_id: AccountId, *, after_seq: int = 0, limit: int = 100
    ) -> list[PostingLine]:
        """The account's postings in order, from just after ``after_seq``, at most ``limit``."""
        rows = self._connection.execute(
            select(postings)
            .where(postings.c.account_id == account_id, postings.c.account_seq > after_seq)
            .order_by(postings.c.account_seq)
            .limit(min(limit, 1000))
        ).all()
        return [
            PostingLine(
                account_seq=row.account_seq,
                entry_id=EntryId(row.entry_id),
                booked_on=row.booked_on,
                direction=Direction(row.direction),
                amount=Money(row.amount_cents),
                balance_after=Money(row.balance_after_cents),
            )
            for row in rows
        ]

    # -- entries ------------------------------------------------------------------------------

    def get_entry(self, entry_id: EntryId) -> JournalEntry:
        row = self._connection.execute(
            select(entries).where(entries.c.id == entry_id)
        ).one_or_none()
        if row is None:
            raise UnknownEntry(entry_id)
        posting_rows = self._connection.execute(
            select(postings.c.account_id, postings.c.direction, postings.c.amount_cents)
            .where(postings.c.entry_id == entry_id)
            .order_by(postings.c.account_id, postings.c.account_seq)
        ).all()
        return JournalEntry(
            entry_id=EntryId(row.id),
            booked_on=row.booked_on,
            postings=tuple(
                Posting(AccountId(p.account_id), Direction(p.direction), Money(p.amount_cents))
                for p in posting_rows
            ),
            description=row.description,
            idempotency_key=row.idempotency_key,
            reverses_entry_id=None
            if row.reverses_entry_id is None
            else EntryId(row.reverses_entry_id),
        )

    def reversal_of(self, entry_id: EntryId) -> EntryId | None:
        found = self._connection.execute(
            select(entries.c.id).where(entries.c.reverses_entry_id == entry_id)
        ).scalar()
        return None if found is None else EntryId(found)

    def post(self, entry: NewEntry) -> EntryId:
        """Post one entry, or return the entry already posted under its idempotency key."""
        return self.post_batch([entry])[0]

    def post_batch(self, new_entries: Sequence[NewEntry]) -> list[EntryId]:
        """Post many entries in the caller's transaction: all of them, or none and an error."""
        return self._post([_Pending.of(entry) for entry in new_entries])

    def post_transfers(self, booked_on: date, transfers: Sequence[Transfer]) -> list[EntryId]:
        """``post_batch`` for entries of two postings each, all booked on ``booked_on``.

        Each transfer is the entry ``NewEntry(booked_on, (Posting.debit(debit, amount),
        Posting.credit(credit, amount)), description, idempotency_key)`` would be, checked by the
        same rules and written as the same rows under the same content hash, without a
        ``NewEntry``, two ``Posting`` and two ``Money`` objects per entry: a payment run books
        hundreds of thousands of them.
        """
        pending = []
        for transfer in transfers:
            cents = transfer.amount_cents
            if type(cents) is not int:
                raise AmountNotWholeCents(cents)
            if cents <= 0:
                raise PostingAmountNotPositive(transfer.debit, cents)
            if cents > AMOUNT_CENTS_MAX:
                raise AmountOutOfRange(cents, AMOUNT_CENTS_MAX)
            check_length("description", transfer.description, DESCRIPTION_LENGTH_MAX)
            key = transfer.idempotency_key
            if key is not None:
                check_length("idempotency key", key, IDEMPOTENCY_KEY_LENGTH_MAX)
            pending.append(
                _Pending(
                    booked_on,
                    ((transfer.debit, "D", cents), (transfer.credit, "C", cents)),
                    transfer.description,
                    key,
                    None,
                )
            )
        return self._post(pending)

    def reverse(
        self,
        entry_id: EntryId,
        booked_on: date,
        *,
        description: str | None = None,
        idempotency_key: str | None = None,
    ) -> EntryId:
        """Post the mirror image of an entry. An entry is reversed at most once."""
        original = self.get_entry(entry_id)
        reversal = NewEntry(
            booked_on=booked_on,
            postings=tuple(posting.reversed() for posting in original.postings),
            description=description if description is not None else f"Reversal of entry {entry_id}",
            idempotency_key=idempotency_key,
        )
        digest = content_hash(
            reversal.booked_on, reversal.description, reversal.postings, reverses=entry_id
        )
        return self._post([_Pending.of(reversal, entry_id, digest)])[0]

    # -- the write path -----------------------------------------------------------------------

    def _among(self, column: ColumnElement[Any], values: Sequence[Any]) -> ColumnElement[bool]:
        # The ledger's tables only grow: every lookup probes the index, whatever the count.
        return among(self._connection, column, values, count_hidden=True)

    def _post(self, pending: Sequence[_Pending]) -> list[EntryId]:
        if len(pending) > ENTRIES_PER_BATCH_MAX:
            raise BatchTooLarge(len(pending), ENTRIES_PER_BATCH_MAX)
        if not pending:
            return []
        locked = self._lock_accounts(
            {account_id for item in pending for account_id, _, _ in item.legs}
        )
        results, to_write = self._resolve_idempotency(pending)
        items = [item for _, item in to_write]
        self._check_reversals(items)
        entry_ids = self._allocate_entry_ids(len(items))
        # Every posting is checked against the locked balances before anything is written.
        seqs_and_balances = _apply_postings(items, locked)
        created_at = self._now()
        if not items:
            pass  # every entry of the batch was posted before: nothing to write
        elif self._postgresql:
            entry_lines = "".join(_entry_lines(entry_ids, items, created_at))
            # Postings before entries: the entry row's insert is where the database checks balance.
            self._copy(
                postings.name, _POSTING_COLUMNS, _posting_lines(entry_ids, items, seqs_and_balances)
            )
            self._copy(entries.name, _ENTRY_COLUMNS, [entry_lines])
        else:
            entry_rows = [
                (
                    entry_id,
                    item.booked_on,
                    item.description,
                    item.idempotency_key,
                    item.digest(),
                    item.reverses_entry_id,
                    created_at,
                )
                for entry_id, item in zip(entry_ids, items, strict=True)
            ]
            self._insert_rows(
                postings, _POSTING_COLUMNS, _posting_rows(entry_ids, items, seqs_and_balances)
            )
            self._insert_rows(entries, _ENTRY_COLUMNS, entry_rows)
        for entry_id, (index, _) in zip(entry_ids, to_write, strict=True):
            results[index] = entry_id
        # Entries in the batch that repeat an earlier key of the same batch share its id.
        by_key: dict[str, EntryId] = {}
        answers: list[EntryId] = []
        for item, result in zip(pending, results, strict=True):
            key = item.idempotency_key
            if result is None:
                assert key is not None, "only a key repeated within the batch leaves no id"
                result = by_key[key]
            elif key is not None:
                by_key.setdefault(key, result)
            answers.append(result)
        return answers

    def _lock_accounts(self, account_ids: Iterable[AccountId]) -> _LockedAccounts:
        ordered = sorted(account_ids)
        rows: Sequence[Sequence[Any]]
        if self._postgresql:
            # Thousands of rows: the driver's plain tuples, without SQLAlchemy's result rows.
            rows = self._driver_rows(_LOCK_ACCOUNTS, (array_literal(ordered),))
        else:
            rows = self._connection.execute(
                select(
                    accounts.c.id,
                    accounts.c.kind,
                    accounts.c.negative_forbidden,
                    accounts.c.balance_cents,
                    accounts.c.posting_count,
                    accounts.c.last_booked_on,
                )
                .where(self._among(accounts.c.id, ordered))
                .order_by(accounts.c.id)
                .with_for_update()
            ).all()
        columns = list(zip(*rows, strict=True)) or [()] * 6
        ids, kinds, protected, balances, counts, last_dates = columns
        locked = _LockedAccounts(
            balance_cents=dict(zip(ids, balances, strict=True)),
            posting_count=dict(zip(ids, counts, strict=True)),
            last_booked_on=dict(zip(ids, last_dates, strict=True)),
            debit_sign=dict(zip(ids, [_DEBIT_SIGNS[kind] for kind in kinds], strict=True)),
            negative_forbidden={
                i for i, forbidden in zip(ids, protected, strict=True) if forbidden
            },
        )
        for account_id in ordered:
            if account_id not in locked.balance_cents:
                raise UnknownAccount(account_id)
        return locked

    def _resolve_idempotency(
        self, pending: Sequence[_Pending]
    ) -> tuple[list[EntryId | None], list[tuple[int, _Pending]]]:
        keys = {item.idempotency_key for item in pending} - {None}
        known: dict[str, tuple[EntryId, str]] = {}
        if keys:
            rows = self._connection.execute(
                select(entries.c.idempotency_key, entries.c.id, entries.c.content_hash).where(
                    self._among(entries.c.idempotency_key, list(keys))
                )
            ).all()
            known = {row.idempotency_key: (EntryId(row.id), row.content_hash) for row in rows}
        results: list[EntryId | None] = [None] * len(pending)
        to_write: list[tuple[int, _Pending]] = []
        first_in_batch: dict[str, _Pending] = {}
        for index, item in enumerate(pending):
            key = item.idempotency_key
            if key is None:
                to_write.append((index, item))
                continue
            if key in known:
                entry_id, digest = known[key]
                if digest != item.digest():
                    raise IdempotencyConflict(key, entry_id)
                results[index] = entry_id
            elif key in first_in_batch:
                if first_in_batch[key].digest() != item.digest():
                    raise IdempotencyConflict(key, None)
            else:
                first_in_batch[key] = item
                to_write.append((index, item))
        return results, to_write

    def _check_reversals(self, items: Sequence[_Pending]) -> None:
        targets = [item.reverses_entry_id for item in items if item.reverses_entry_id is not None]
        if not targets:
            return
        rows = self._connection.execute(
            select(entries.c.id, entries.c.reverses_entry_id).where(
                entries.c.id.in_(targets) | entries.c.reverses_entry_id.in_(targets)
            )
        ).all()
        for row in rows:
            if row.id in targets and row.reverses_entry_id is not None:
                raise ReversalNotReversible(EntryId(row.id))
            if row.reverses_entry_id in targets:
                raise EntryAlreadyReversed(EntryId(row.reverses_entry_id), EntryId(row.id))

    def _allocate_entry_ids(self, count: int) -> list[EntryId]:
        if count == 0:
            return []
        if self._postgresql:
            # The sequence is looked up once: looked up for every id, it costs more than nextval.
            rows = self._connection.execute(
                text(
                    "WITH s AS MATERIALIZED (SELECT CAST(pg_get_serial_sequence("
                    "'ledger_entries', 'id') AS regclass) AS sequence) "
                    "SELECT nextval(s.sequence) FROM s CROSS JOIN generate_series(1, :count)"
                ),
                {"count": count},
            ).scalars()
            return [EntryId(value) for value in rows.all()]
        # SQLite: BEGIN IMMEDIATE holds the database's write lock, so nobody else can take ids.
        highest = self._connection.execute(select(func.max(entries.c.id))).scalar() or 0
        return [EntryId(highest + offset) for offset in range(1, count + 1)]

    def _driver_rows(self, statement: str, parameters: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        """Run a statement on the driver's own cursor (PostgreSQL) and fetch all its rows."""
        driver_connection = self._connection.connection.driver_connection
        try:
            with driver_connection.cursor() as cursor:  # type: ignore[union-attr]
                cursor.execute(statement, parameters)
                rows: list[tuple[Any, ...]] = cursor.fetchall()
                return rows
        except self._connection.dialect.loaded_dbapi.Error as error:
            # Wrapped as SQLAlchemy wraps it, so that run_in_transaction can retry a deadlock.
            raise _wrapped_driver_error(statement, error, self._connection) from error

    def _copy(self, table_name: str, columns: tuple[str, ...], chunks: Iterable[str]) -> None:
        """Stream rows, made in ``COPY`` text format, into a PostgreSQL table, chunk by chunk.

        The database takes in each chunk while the next one is made: the two processes overlap.
        """
        cursor = self._connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        statement = f"COPY {table_name} ({', '.join(columns)}) FROM STDIN"
        dbapi_error = self._connection.dialect.loaded_dbapi.Error
        try:
            with cursor.copy(statement) as copy:
                for chunk in chunks:
                    copy.write(chunk)
        except dbapi_error as error:
            # The driver's own cursor bypasses SQLAlchemy's wrapping of driver errors. Wrap them
            # the same way here, so that run_in_transaction sees (and retries) a deadlock or a
            # concurrent writer's idempotency key during COPY as it would during any statement.
            raise _wrapped_driver_error(statement, error, self._connection) from error

    def _insert_rows(
        self, table: Table, columns: tuple[str, ...], rows: list[tuple[Any, ...]]
    ) -> None:
        if rows:
            self._connection.execute(
                insert(table), [dict(zip(columns, row, strict=True)) for row in rows]
            )


def _wrapped_driver_error(statement: str, error: Exception, connection: Connection) -> DBAPIError:
    """A driver error as the ``DBAPIError`` subclass SQLAlchemy raises for it on ``execute``."""
    wrapped = DBAPIError.instance(
        statement, None, error, connection.dialect.loaded_dbapi.Error, dialect=connection.dialect
    )
    assert isinstance(wrapped, DBAPIError)
    return wrapped


def _apply_postings(items: Sequence[_Pending], locked: _LockedAccounts) -> list[int]:
    """Apply the entries to the locked account states, checking every posting on the way.

    Returns each posting's sequence number and running balance, flat and in order (``seq, balance,
    seq, balance, ...``). Raises before returning if any posting would break a rule, so a refused
    batch writes nothing. This loop runs once per posting: it is kept free of needless calls.
    """
    seqs_and_balances: list[int] = []
    append = seqs_and_balances.append
    balances = locked.balance_cents
    counts = locked.posting_count
    last_dates = locked.last_booked_on
    debit_signs = locked.debit_sign
    protected = locked.negative_forbidden
    for item in items:
        booked_on = item.booked_on
        for account_id, side, cents in item.legs:
            last_booked_on = last_dates[account_id]
            if last_booked_on is not None and booked_on < last_booked_on:
                raise BookingDateBeforeLastPosting(account_id, booked_on, last_booked_on)
            balance_cents = balances[account_id]
            if side == "D":
                new_balance_cents = balance_cents + debit_signs[account_id] * cents
            else:
                new_balance_cents = balance_cents - debit_signs[account_id] * cents
            if new_balance_cents < 0 and account_id in protected:
                raise AccountOverdrawn(account_id, balance_cents, cents)
            if not -AMOUNT_CENTS_MAX <= new_balance_cents <= AMOUNT_CENTS_MAX:
                Money(new_balance_cents)  # raises: the balance left the ledger's range
            account_seq = counts[account_id] + 1
            balances[account_id] = new_balance_cents
            counts[account_id] = account_seq
            last_dates[account_id] = booked_on
            append(account_seq)
            append(new_balance_cents)
    return seqs_and_balances


def _posting_rows(
    entry_ids: Sequence[EntryId], items: Sequence[_Pending], seqs_and_balances: list[int]
) -> list[tuple[Any, ...]]:
    """The posting rows, as tuples in the order of ``_POSTING_COLUMNS``."""
    after = iter(seqs_and_balances)
    return [
        (account_id, next(after), entry_id, side, cents, next(after), item.booked_on)
        for entry_id, item in zip(entry_ids, items, strict=True)
        for account_id, side, cents in item.legs
    ]


#: Posting lines go to the database in chunks of about this many, each sent while the next is made.
_POSTING_LINES_PER_CHUNK = 3000


def _posting_lines(
    entry_ids: Sequence[EntryId], items: Sequence[_Pending], seqs_and_balances: list[int]
) -> Iterator[str]:
    """The posting rows in ``COPY`` text format, in chunks of many lines."""
    after = iter(seqs_and_balances)
    lines: list[str] = []
    append = lines.append
    for entry_id, item in zip(entry_ids, items, strict=True):
        # The parts an entry's postings share are formatted once.
        entry_part = f"\t{entry_id}\t"
        day_part = f"\t{item.booked_on.isoformat()}\n"
        for account_id, side, cents in item.legs:
            account_seq = next(after)
            append(
                f"{account_id}\t{account_seq}{entry_part}{side}\t{cents}\t{next(after)}{day_part}"
            )
        if len(lines) >= _POSTING_LINES_PER_CHUNK:
            yield "".join(lines)
            lines.clear()
    if lines:
        yield "".join(lines)


def _entry_lines(
    entry_ids: Sequence[EntryId], items: Sequence[_Pending], created_at: datetime
) -> list[str]:
    """The entry rows as lines in ``COPY`` text format, in the order of ``_ENTRY_COLUMNS``."""
    created_at_text = created_at.isoformat()
    return [
        f"{entry_id}\t{item.booked_on.isoformat()}\t{_copy_field(item.description)}\t"
        f"{_copy_field(item.idempotency_key)}\t{item.digest()}\t"
        f"{_COPY_NULL if item.reverses_entry_id is None else item.reverses_entry_id}\t"
        f"{created_at_text}\n"
        for entry_id, item in zip(entry_ids, items, strict=True)
    ]


_COPY_NULL = "\\N"
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_field(value: str | None) -> str:
    """A text value as a field of ``COPY`` text format: backslash, tab, newline and CR escaped."""
    if value is None:
        return _COPY_NULL
    # isprintable() is False for tab, newline and CR, so most values skip the translation.
    if value.isprintable() and "\\" not in value:
        return value
    return value.translate(_COPY_ESCAPES)


def _account_from_row(row: Any) -> Account:
    return Account(
        account_id=AccountId(row.id),
        code=row.code,
        name=row.name,
        kind=AccountKind(row.kind),
        negative_forbidden=row.negative_forbidden,
        balance=Money(row.balance_cents),
        posting_count=row.posting_count,
    )
