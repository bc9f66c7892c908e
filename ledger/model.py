"""The ledger's records: accounts, postings and journal entries, as plain immutable values.

Invariants kept here, at construction, before anything reaches a database:
- a posting moves a positive whole number of cents in an explicit direction;
- an entry has two or more postings and its debits equal its credits;
- texts stay within their column limits.
The database checks the balance of every entry a second time (see ``ledger.schema``).
"""

from __future__ import annotations

import enum
import hashlib
import json
from dataclasses import dataclass
from datetime import date
from typing import NewType

from ledger.errors import (
    PostingAmountNotPositive,
    TextNotStorable,
    TextTooLong,
    TooFewPostings,
    TooManyPostings,
    UnbalancedEntry,
)
from ledger.money import Money

AccountId = NewType("AccountId", int)
EntryId = NewType("EntryId", int)

POSTINGS_PER_ENTRY_MAX = 64
DESCRIPTION_LENGTH_MAX = 200
ACCOUNT_CODE_LENGTH_MAX = 120
ACCOUNT_NAME_LENGTH_MAX = 200
IDEMPOTENCY_KEY_LENGTH_MAX = 128


class Direction(enum.Enum):
    DEBIT = "D"
    CREDIT = "C"

    def opposite(self) -> Direction:
        return Direction.CREDIT if self is Direction.DEBIT else Direction.DEBIT


class AccountKind(enum.Enum):
    """The five classic kinds; the kind fixes on which side an account's balance grows."""

    ASSET = "asset"
    LIABILITY = "liability"
    EQUITY = "equity"
    INCOME = "income"
    EXPENSE = "expense"

    @property
    def normal_side(self) -> Direction:
        if self in (AccountKind.ASSET, AccountKind.EXPENSE):
            return Direction.DEBIT
        return Direction.CREDIT

    def balance_change_cents(self, direction: Direction, amount_cents: int) -> int:
        """How a posting changes the balance as this kind of account reports it."""
        return amount_cents if direction is self.normal_side else -amount_cents


@dataclass(frozen=True, slots=True)
class Account:
    account_id: AccountId
    code: str
    name: str
    kind: AccountKind
    negative_forbidden: bool
    balance: Money
    posting_count: int


def check_length(field: str, text: str, limit: int) -> None:
    if len(text) > limit:
        raise TextTooLong(field, len(text), limit)
    if "\x00" in text:
        raise TextNotStorable(field)


@dataclass(frozen=True, slots=True)
class Posting:
    """One leg of an entry: an amount moved on one account, on one side."""

    account_id: AccountId
    direction: Direction
    amount: Money

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Money):
            # Accept nothing but Money so that a float can never slip in as an amount.
            Money(self.amount)  # raises AmountNotWholeCents for floats and the like
            raise TypeError(f"Posting amount must be Money, got {type(self.amount).__name__}")
        if self.amount.cents <= 0:
            raise PostingAmountNotPositive(self.account_id, self.amount.cents)

    @classmethod
    def debit(cls, account_id: AccountId, cents: int) -> Posting:
        return cls(account_id, Direction.DEBIT, Money(cents))

    @classmethod
    def credit(cls, account_id: AccountId, cents: int) -> Posting:
        return cls(account_id, Direction.CREDIT, Money(cents))

    def reversed(self) -> Posting:
        return Posting(self.account_id, self.direction.opposite(), self.amount)


def _check_postings(postings: tuple[Posting, ...]) -> None:
    if len(postings) < 2:
        raise TooFewPostings(len(postings))
    if len(postings) > POSTINGS_PER_ENTRY_MAX:
        raise TooManyPostings(len(postings), POSTINGS_PER_ENTRY_MAX)
    debit_cents = sum(p.amount.cents for p in postings if p.direction is Direction.DEBIT)
    credit_cents = sum(p.amount.cents for p in postings if p.direction is Direction.CREDIT)
    if debit_cents != credit_cents:
        raise UnbalancedEntry(debit_cents, credit_cents)


@dataclass(frozen=True, slots=True)
class NewEntry:
    """An entry ready to post. It cannot be built unbalanced.

    ``idempotency_key`` makes posting safe to repeat: a replay with the same content returns the
    entry posted first; the same key with other content is refused.
    """

    booked_on: date
    postings: tuple[Posting, ...]
    description: str = ""
    idempotency_key: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "postings", tuple(self.postings))
        _check_postings(self.postings)
        check_length("description", self.description, DESCRIPTION_LENGTH_MAX)
        if self.idempotency_key is not None:
            check_length("idempotency key", self.idempotency_key, IDEMPOTENCY_KEY_LENGTH_MAX)

    def content_hash(self) -> str:
        """A digest of everything that makes this entry what it is, apart from its key."""
        return content_hash(self.booked_on, self.description, self.postings, reverses=None)


def content_hash(
    booked_on: date, description: str, postings: tuple[Posting, ...], reverses: EntryId | None
) -> str:
    canonical = json.dumps(
        {
            "bookedOn": booked_on.isoformat(),
            "description": description,
            "reverses": reverses,
            # Posting order carries no meaning, so it must not change the hash.
            "postings": sorted([p.account_id, p.direction.value, p.amount.cents] for p in postings),
        },
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """An entry as the ledger holds it: immutable, with its id and what it reverses, if anything."""

    entry_id: EntryId
    booked_on: date
    postings: tuple[Posting, ...]
    description: str
    idempotency_key: str | None
    reverses_entry_id: EntryId | None

    def __post_init__(self) -> None:
        # Checked again on the way out: a record that does not balance means a corrupted store.
        _check_postings(self.postings)
