"""Every way the ledger refuses work, one class each.

Each error carries the ids involved so a caller can act on it without parsing the message, and each
message tells the reader what to do. All derive from ``LedgerError``.
"""

from __future__ import annotations

from datetime import date
from typing import Any


class LedgerError(Exception):
    """Base class: the ledger refused an operation and wrote nothing."""


class AmountNotWholeCents(LedgerError, TypeError):
    """An amount was not an int number of cents (a float, Decimal, bool or malformed text)."""

    def __init__(self, value: Any) -> None:
        super().__init__(
            f"Amounts are whole cents as int; got {value!r} ({type(value).__name__}). "
            "Convert euros to cents exactly before booking."
        )
        self.value = value


class AmountOutOfRange(LedgerError, ValueError):
    """An amount is larger than the ledger's limit."""

    def __init__(self, cents: int, limit_cents: int) -> None:
        super().__init__(f"Amount {cents} cents exceeds the limit of {limit_cents} cents.")
        self.cents, self.limit_cents = cents, limit_cents


class PostingAmountNotPositive(LedgerError, ValueError):
    """A posting's amount was zero or negative; the direction carries the sign."""

    def __init__(self, account_id: int, cents: int) -> None:
        super().__init__(
            f"Posting on account {account_id} has amount {cents} cents; amounts must be positive. "
            "Use the direction (debit or credit) to express the sign."
        )
        self.account_id, self.cents = account_id, cents


class UnbalancedEntry(LedgerError, ValueError):
    """An entry's debits and credits differ."""

    def __init__(self, debit_cents: int, credit_cents: int) -> None:
        super().__init__(
            f"Entry does not balance: debits {debit_cents} cents, credits {credit_cents} cents."
        )
        self.debit_cents, self.credit_cents = debit_cents, credit_cents


class TooFewPostings(LedgerError, ValueError):
    """An entry has fewer than two postings."""

    def __init__(self, posting_count: int) -> None:
        super().__init__(f"An entry needs at least two postings; got {posting_count}.")
        self.posting_count = posting_count


class TooManyPostings(LedgerError, ValueError):
    """An entry has more postings than the ledger allows."""

    def __init__(self, posting_count: int, limit: int) -> None:
        super().__init__(f"An entry may have at most {limit} postings; got {posting_count}.")
        self.posting_count, self.limit = posting_count, limit


class TextTooLong(LedgerError, ValueError):
    """A description, code or key is longer than its column allows."""

    def __init__(self, field: str, length: int, limit: int) -> None:
        super().__init__(f"{field} is {length} characters long; the limit is {limit}.")
        self.field, self.length, self.limit = field, length, limit


class TextNotStorable(LedgerError, ValueError):
    """A text holds a NUL character, which PostgreSQL cannot store in a text column."""

    def __init__(self, field: str) -> None:
        super().__init__(f"{field} contains a NUL character; remove it before booking.")
        self.field = field


class BatchTooLarge(LedgerError, ValueError):
    """A batch holds more entries than one transaction may carry."""

    def __init__(self, entry_count: int, limit: int) -> None:
        super().__init__(
            f"A batch may hold at most {limit} entries; got {entry_count}. Split it into chunks."
        )
        self.entry_count, self.limit = entry_count, limit


class UnknownAccount(LedgerError, LookupError):
    """A posting names an account that does not exist."""

    def __init__(self, account_id: int) -> None:
        super().__init__(f"Account {account_id} does not exist. Open it before posting to it.")
        self.account_id = account_id


class AccountCodeTaken(LedgerError, ValueError):
    """An account with this code already exists."""

    def __init__(self, code: str) -> None:
        super().__init__(f"An account with code {code!r} already exists; codes are unique.")
        self.code = code


class UnknownEntry(LedgerError, LookupError):
    """An entry id does not exist."""

    def __init__(self, entry_id: int) -> None:
        super().__init__(f"Journal entry {entry_id} does not exist.")
        self.entry_id = entry_id


class AccountOverdrawn(LedgerError):
    """A posting would take an account that forbids a negative balance below zero."""

    def __init__(self, account_id: int, balance_cents: int, posting_cents: int) -> None:
        super().__init__(
            f"Account {account_id} forbids a negative balance: it holds {balance_cents} cents and "
            f"the posting would take {posting_cents} cents out. Fund it first or post less."
        )
        self.account_id, self.balance_cents, self.posting_cents = (
            account_id,
            balance_cents,
            posting_cents,
        )


class BookingDateBeforeLastPosting(LedgerError):
    """An entry is booked on a date before the last posting of one of its accounts."""

    def __init__(self, account_id: int, booked_on: date, last_booked_on: date) -> None:
        super().__init__(
            f"Account {account_id} already has a posting booked on {last_booked_on}; an entry "
            f"booked on {booked_on} would rewrite its past. Book it on {last_booked_on} or later."
        )
        self.account_id, self.booked_on, self.last_booked_on = account_id, booked_on, last_booked_on


class IdempotencyConflict(LedgerError):
    """An idempotency key was reused for an entry with different content."""

    def __init__(self, idempotency_key: str, entry_id: int | None) -> None:
        holder = "an earlier entry of the same batch" if entry_id is None else f"entry {entry_id}"
        super().__init__(
            f"Idempotency key {idempotency_key!r} already belongs to {holder} with other "
            "content. Use a new key for a new entry."
        )
        self.idempotency_key, self.entry_id = idempotency_key, entry_id


class EntryAlreadyReversed(LedgerError):
    """An entry was reversed before; an entry is reversed at most once."""

    def __init__(self, entry_id: int, reversal_entry_id: int) -> None:
        super().__init__(
            f"Entry {entry_id} was already reversed by entry {reversal_entry_id}. "
            "Post a new entry to correct further."
        )
        self.entry_id, self.reversal_entry_id = entry_id, reversal_entry_id


class ReversalNotReversible(LedgerError):
    """A reversal entry cannot itself be reversed; post a new entry instead."""

    def __init__(self, entry_id: int) -> None:
        super().__init__(
            f"Entry {entry_id} is a reversal and cannot be reversed. Post the intended entry anew."
        )
        self.entry_id = entry_id
