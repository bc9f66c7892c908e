"""The double-entry ledger: accounts, entries, postings, and the triggers that guard them.

Revision ID: 0001_ledger
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_ledger"
down_revision = None
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_SIGNED = "CASE WHEN p.direction = 'D' THEN p.amount_cents ELSE -p.amount_cents END"

# PostgreSQL: set-based checks, once per statement, over the rows the statement inserted. A
# posting's account and entry are checked here, not by foreign keys: a foreign key checks row by
# row, which costs more than writing the posting itself; these probe once per account and entry.
# The same trigger keeps each account's row (balance, posting count, last booking date) equal to
# its last posting, and finds in doing so that the account exists. Lookups are written so that the
# planner must use an index (a LATERAL sub-select with LIMIT, or an array of ids), whatever its
# statistics say: a join could turn into a scan of the whole, ever-growing table.
_POSTGRESQL = [
    # Every batch rewrites the row of each account it touches (balance, count, date). Half of each
    # page is left free so that the new row version fits beside the old one: a "HOT" update, which
    # writes no index entries and whose old version is pruned without waiting for VACUUM.
    "ALTER TABLE ledger_accounts SET (fillfactor = 50)",
    f"""
    CREATE FUNCTION ledger_entries_must_balance() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        -- One index probe per new entry: a join over all postings would read the whole table.
        IF EXISTS (
            SELECT 1 FROM new_entries e CROSS JOIN LATERAL (
                SELECT count(*) AS posting_count, coalesce(sum({_SIGNED}), 0) AS signed_cents
                FROM ledger_postings p WHERE p.entry_id = e.id
            ) s
            WHERE s.posting_count < 2 OR s.signed_cents <> 0
        ) THEN
            RAISE EXCEPTION 'journal entry does not balance or has fewer than two postings'
                USING ERRCODE = 'check_violation';
        END IF;
        -- Sealed: these entries' postings no longer wait for them (see ledger_unsealed_entries).
        DELETE FROM ledger_unsealed_entries
        WHERE entry_id = ANY (ARRAY(SELECT e.id FROM new_entries e));
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER ledger_entries_balanced AFTER INSERT ON ledger_entries
    REFERENCING NEW TABLE AS new_entries
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_entries_must_balance()
    """,
    """
    CREATE FUNCTION ledger_postings_written() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        entry_exists boolean;
        account_count bigint;
        accounts_kept_current bigint;
    BEGIN
        -- The postings' entries must not exist yet. Until their rows are written they are
        -- unsealed: should one never be, the deferred foreign key of ledger_unsealed_entries
        -- refuses the commit.
        WITH entry_ids AS MATERIALIZED (SELECT DISTINCT p.entry_id FROM new_postings p),
        unsealed AS (INSERT INTO ledger_unsealed_entries (entry_id) SELECT entry_id FROM entry_ids)
        SELECT EXISTS (
            SELECT 1 FROM entry_ids i
            CROSS JOIN LATERAL (SELECT 1 FROM ledger_entries e WHERE e.id = i.entry_id LIMIT 1) e
        ) INTO entry_exists;
        IF entry_exists THEN
            RAISE EXCEPTION 'postings cannot be added to an existing journal entry'
                USING ERRCODE = 'check_violation';
        END IF;
        -- Each account's row takes the balance, sequence number and date of its last new posting;
        -- an account that is not found to update does not exist. The ids go in as an array, so
        -- the accounts are found through their primary key, however many there are.
        WITH last_postings AS MATERIALIZED (
            SELECT DISTINCT ON (p.account_id)
                p.account_id, p.account_seq, p.balance_after_cents, p.booked_on
            FROM new_postings p
            ORDER BY p.account_id, p.account_seq DESC
        ),
        kept_current AS (
            UPDATE ledger_accounts a
            SET balance_cents = l.balance_after_cents,
                posting_count = l.account_seq,
                last_booked_on = l.booked_on
            FROM last_postings l
            WHERE a.id = l.account_id
              AND a.id = ANY (ARRAY(SELECT l.account_id FROM last_postings l))
            RETURNING a.id
        )
        SELECT (SELECT count(*) FROM last_postings), (SELECT count(*) FROM kept_current)
        INTO account_count, accounts_kept_current;
        IF accounts_kept_current < account_count THEN
            RAISE EXCEPTION 'a posting refers to an account that does not exist'
                USING ERRCODE = 'foreign_key_violation';
        END IF;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER ledger_postings_written AFTER INSERT ON ledger_postings
    REFERENCING NEW TABLE AS new_postings
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_postings_written()
    """,
    """
    CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '% is append-only: post a reversal instead of changing history',
            TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
    END $$
    """,
    """
    CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only()
    """,
    """
    CREATE TRIGGER ledger_postings_append_only BEFORE UPDATE OR DELETE ON ledger_postings
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only()
    """,
    """
    CREATE TRIGGER ledger_accounts_kept BEFORE DELETE ON ledger_accounts
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only()
    """,
    # Postings refer to their account by id, without a foreign key to keep it: so it never changes.
    """
    CREATE FUNCTION ledger_account_id_kept() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'an account keeps its id: postings refer to it'
            USING ERRCODE = 'insufficient_privilege';
    END $$
    """,
    """
    CREATE TRIGGER ledger_accounts_id_kept BEFORE UPDATE OF id ON ledger_accounts
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_account_id_kept()
    """,
]

# SQLite has only row triggers. Postings are written before the entry row that seals them, so the
# entry's insert is the moment to check that it balances. As on PostgreSQL, triggers check that a
# posting's account exists and keep the account's row equal to its last posting, and
# ledger_unsealed_entries makes sure that the posting's entry row follows.
_SQLITE = [
    f"""
    CREATE TRIGGER ledger_entries_balanced AFTER INSERT ON ledger_entries
    WHEN (SELECT count(*) FROM ledger_postings p WHERE p.entry_id = NEW.id) < 2
      OR (SELECT coalesce(sum({_SIGNED}), 0) FROM ledger_postings p WHERE p.entry_id = NEW.id) <> 0
    BEGIN
        SELECT RAISE(ABORT, 'journal entry does not balance or has fewer than two postings');
    END
    """,
    """
    CREATE TRIGGER ledger_postings_sealed BEFORE INSERT ON ledger_postings
    WHEN EXISTS (SELECT 1 FROM ledger_entries e WHERE e.id = NEW.entry_id)
    BEGIN
        SELECT RAISE(ABORT, 'postings cannot be added to an existing journal entry');
    END
    """,
    """
    CREATE TRIGGER ledger_postings_account_known BEFORE INSERT ON ledger_postings
    WHEN NOT EXISTS (SELECT 1 FROM ledger_accounts a WHERE a.id = NEW.account_id)
    BEGIN
        SELECT RAISE(ABORT, 'a posting refers to an account that does not exist');
    END
    """,
    """
    CREATE TRIGGER ledger_postings_keep_account_current AFTER INSERT ON ledger_postings
    BEGIN
        UPDATE ledger_accounts
        SET balance_cents = NEW.balance_after_cents,
            posting_count = NEW.account_seq,
            last_booked_on = NEW.booked_on
        WHERE id = NEW.account_id;
    END
    """,
    """
    CREATE TRIGGER ledger_postings_await_entry AFTER INSERT ON ledger_postings
    BEGIN
        INSERT INTO ledger_unsealed_entries (entry_id) VALUES (NEW.entry_id);
    END
    """,
    """
    CREATE TRIGGER ledger_entries_seal_postings AFTER INSERT ON ledger_entries
    BEGIN
        DELETE FROM ledger_unsealed_entries WHERE entry_id = NEW.id;
    END
    """,
    """
    CREATE TRIGGER ledger_accounts_id_kept BEFORE UPDATE OF id ON ledger_accounts
    BEGIN
        SELECT RAISE(ABORT, 'an account keeps its id: postings refer to it');
    END
    """,
    *[
        f"""
        CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table}
        BEGIN
            SELECT RAISE(ABORT, '{table} is append-only: post a reversal instead');
        END
        """
        for table in ("ledger_entries", "ledger_postings")
        for action in ("UPDATE", "DELETE")
    ],
    """
    CREATE TRIGGER ledger_accounts_no_delete BEFORE DELETE ON ledger_accounts
    BEGIN
        SELECT RAISE(ABORT, 'ledger accounts are kept forever');
    END
    """,
]


def upgrade() -> None:
    op.create_table(
        "ledger_accounts",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("code", sa.String(120), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("negative_forbidden", sa.Boolean, nullable=False),
        sa.Column("balance_cents", sa.BigInteger, nullable=False),
        sa.Column("posting_count", sa.BigInteger, nullable=False),
        sa.Column("last_booked_on", sa.Date, nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ledger_accounts"),
        sa.UniqueConstraint("code", name="uq_ledger_accounts_code"),
        sa.CheckConstraint(
            "kind IN ('asset', 'liability', 'equity', 'income', 'expense')",
            name="ck_ledger_accounts_kind_known",
        ),
        sa.CheckConstraint(
            "NOT negative_forbidden OR balance_cents >= 0",
            name="ck_ledger_accounts_balance_not_negative",
        ),
        sa.CheckConstraint(
            "posting_count >= 0", name="ck_ledger_accounts_posting_count_not_negative"
        ),
    )
    op.create_table(
        "ledger_entries",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("booked_on", sa.Date, nullable=False),
        sa.Column("description", sa.String(200), nullable=False),
        sa.Column("idempotency_key", sa.String(128), nullable=True),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("reverses_entry_id", sa.BigInteger, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ledger_entries"),
        sa.UniqueConstraint("idempotency_key", name="uq_ledger_entries_idempotency_key"),
        sa.UniqueConstraint("reverses_entry_id", name="uq_ledger_entries_reverses_entry_id"),
        sa.ForeignKeyConstraint(
            ["reverses_entry_id"],
            ["ledger_entries.id"],
            name="fk_ledger_entries_reverses_entry_id_ledger_entries",
        ),
    )
    op.create_table(
        "ledger_postings",
        sa.Column("account_id", sa.BigInteger, nullable=False),
        sa.Column("account_seq", sa.BigInteger, nullable=False),
        sa.Column("entry_id", sa.BigInteger, nullable=False),
        sa.Column("direction", sa.String(1), nullable=False),
        sa.Column("amount_cents", sa.BigInteger, nullable=False),
        sa.Column("balance_after_cents", sa.BigInteger, nullable=False),
        sa.Column("booked_on", sa.Date, nullable=False),
        sa.PrimaryKeyConstraint("account_id", "account_seq", name="pk_ledger_postings"),
        sa.CheckConstraint("direction IN ('D', 'C')", name="ck_ledger_postings_direction_known"),
        sa.CheckConstraint("amount_cents > 0", name="ck_ledger_postings_amount_positive"),
    )
    # The entries that postings of the current transaction wait for: a row comes with the postings
    # and goes with the entry row that seals them. Should the entry row never come, the deferred
    # foreign key refuses the commit. Empty outside a transaction that is writing postings, so on
    # PostgreSQL it need not be written to the WAL (UNLOGGED: after a crash it is empty, as it was).
    op.create_table(
        "ledger_unsealed_entries",
        sa.Column("entry_id", sa.BigInteger, nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["ledger_entries.id"],
            name="fk_ledger_unsealed_entries_entry_id_ledger_entries",
            deferrable=True,
            initially="DEFERRED",
        ),
        prefixes=["UNLOGGED"] if op.get_bind().dialect.name == "postgresql" else [],
    )
    op.create_index("ix_ledger_unsealed_entries_entry_id", "ledger_unsealed_entries", ["entry_id"])
    op.create_index("ix_ledger_postings_entry_id", "ledger_postings", ["entry_id"])
    op.create_index(
        "ix_ledger_postings_account_booked",
        "ledger_postings",
        ["account_id", "booked_on", "account_seq"],
    )
    dialect = op.get_bind().dialect.name
    for statement in _POSTGRESQL if dialect == "postgresql" else _SQLITE:
        op.execute(statement)


def downgrade() -> None:
    raise NotImplementedError("The ledger is never dropped by a migration; restore a backup.")
