"""The ledger's tables, as SQLAlchemy Core metadata.

The migration in ``ontzorgen/migrations`` creates these tables and the triggers that make the
database itself keep the ledger's rules, independently of this code:
- every journal entry has two or more postings and balances (checked when the entry row is inserted,
  after its postings; postings cannot be added to an entry that already exists);
- a posting's account exists, and so does its entry by the time the transaction commits. Triggers
  check this once per account and per entry of a statement (``ledger_unsealed_entries`` and its
  deferred foreign key hold the entries that postings still wait for): foreign keys on the postings
  would check it once per posting, which costs more than writing the posting itself;
- each account's row (balance, posting count, last booking date) is set from its last new posting by
  the postings' trigger, and an account's id never changes;
- entries and postings are append-only: any UPDATE or DELETE is refused;
- an account that forbids a negative balance cannot hold one (CHECK constraint);
- an entry is reversed at most once (UNIQUE on ``reverses_entry_id``).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
)

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

# SQLite only auto-increments an "INTEGER PRIMARY KEY"; PostgreSQL gets a bigint identity.
IdType = BigInteger().with_variant(Integer(), "sqlite")

accounts = Table(
    "ledger_accounts",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("code", String(120), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("negative_forbidden", Boolean, nullable=False),
    # The balance as the account's kind reports it (debit-normal or credit-normal), kept current
    # under the account's row lock, so reading it never sums history.
    Column("balance_cents", BigInteger, nullable=False),
    Column("posting_count", BigInteger, nullable=False),
    Column("last_booked_on", Date, nullable=True),
    Column("opened_at", DateTime(timezone=True), nullable=False),
    CheckConstraint(
        "kind IN ('asset', 'liability', 'equity', 'income', 'expense')", name="kind_known"
    ),
    CheckConstraint("NOT negative_forbidden OR balance_cents >= 0", name="balance_not_negative"),
    CheckConstraint("posting_count >= 0", name="posting_count_not_negative"),
    # On PostgreSQL half of each page stays free (fillfactor 50), so that rewriting a balance is a
    # HOT update: see the migration.
)

entries = Table(
    "ledger_entries",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("booked_on", Date, nullable=False),
    Column("description", String(200), nullable=False),
    Column("idempotency_key", String(128), nullable=True, unique=True),
    Column("content_hash", String(64), nullable=False),
    Column(
        "reverses_entry_id",
        BigInteger,
        ForeignKey("ledger_entries.id"),
        nullable=True,
        unique=True,
    ),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

postings = Table(
    "ledger_postings",
    metadata,
    # The account and the entry exist: checked by triggers, see the module docstring.
    Column("account_id", BigInteger, primary_key=True),
    # 1, 2, 3, ... per account without gaps: the account's own history in order.
    Column("account_seq", BigInteger, primary_key=True),
    Column("entry_id", BigInteger, nullable=False, index=True),
    Column("direction", String(1), nullable=False),
    Column("amount_cents", BigInteger, nullable=False),
    Column("balance_after_cents", BigInteger, nullable=False),
    Column("booked_on", Date, nullable=False),
    CheckConstraint("direction IN ('D', 'C')", name="direction_known"),
    CheckConstraint("amount_cents > 0", name="amount_positive"),
    # Booking dates never go back within an account, so the last posting on or before a date
    # holds the balance at that date: one index probe, whatever the length of the history.
    Index("ix_ledger_postings_account_booked", "account_id", "booked_on", "account_seq"),
)

# The entries that postings of the current transaction still wait for: a row comes with the postings
# and goes with the entry row that seals them (both by triggers). Should that entry row never come,
# the deferred foreign key refuses the commit. Empty outside a transaction that is writing postings.
unsealed_entries = Table(
    "ledger_unsealed_entries",
    metadata,
    Column(
        "entry_id",
        BigInteger,
        # Deferred, because an entry's postings are written before the entry row that seals them.
        ForeignKey("ledger_entries.id", deferrable=True, initially="DEFERRED"),
        nullable=False,
        index=True,
    ),
)
