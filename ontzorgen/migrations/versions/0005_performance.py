"""Payments: what a payment refers to is checked once per statement, and its rows leave room.

A payment run writes tens of thousands of payments at once (prepare) and then rewrites each of
them once (execute: sent, its ledger entry, its file). Six foreign keys checked every row one by
one: about 14 µs per payment for the six, four times writing the row itself. They are replaced
by checks that run once per statement over the rows it wrote, as the ledger checks its postings:

- a payment's run, household, obligation, creditor, ledger entry and return entry exist when
  the payment is written or changed (only values new to the statement are looked up, each by
  its primary key);
- a run, household, obligation or creditor that a payment refers to cannot be deleted, nor can
  its id change; ledger entries can be neither deleted nor changed at all (0001).

On PostgreSQL each payments page also keeps half free (fillfactor 50), so that marking a payment
sent writes its new version beside the old one: a "HOT" update, which adds nothing to the
indexes of payments. SQLite gets the same checks as row triggers.

Revision ID: 0005_performance
Revises: 0006_statement_indexes (0006 took the place after 0004_access first; one chain, one head)
Create Date: 2026-11-23
"""

from __future__ import annotations

from alembic import op

revision = "0005_performance"
down_revision = "0006_statement_indexes"
branch_labels = None
depends_on = None

#: ``(column of payments, table it refers to)``; every one refers to the table's ``id``.
_REFERENCES = (
    ("run_id", "payment_runs"),
    ("household_id", "households"),
    ("obligation_id", "obligations"),
    ("creditor_id", "creditors"),
    ("entry_id", "ledger_entries"),
    ("return_entry_id", "ledger_entries"),
)
#: The tables whose rows must stay while a payment refers to them (ledger entries always stay).
_KEPT = (
    ("payment_runs", "run_id"),
    ("households", "household_id"),
    ("obligations", "obligation_id"),
    ("creditors", "creditor_id"),
)
_FOREIGN_KEYS = (
    "fk_payments_run_id_payment_runs",
    "fk_payments_household_id_households",
    "fk_payments_obligation_id_obligations",
    "fk_payments_creditor_id_creditors",
    "fk_payments_entry_id_ledger_entries",
    "fk_payments_return_entry_id_ledger_entries",
)
_MISSING = "a payment refers to a {what} that does not exist"
_REFERRED = "{table} row {id} cannot be removed or renumbered: payments refer to it"


def _check_function(name: str, rows: str, is_new: str) -> str:
    """A trigger function that refuses the statement when a value of a reference column that
    ``is_new`` (a condition on ``n``, the new row, with ``{column}``) is not the id of a row of
    the table it refers to. One pass over ``rows`` gathers each column's values, then each table
    is probed once per value through its primary key. The array of ids goes in through a
    sub-select, so the planner cannot see its length and always probes the index: seeing
    thousands of ids, it could rather scan the whole table, which on a large ledger costs more
    with every run."""
    gathered = ",\n            ".join(
        f"array_agg(DISTINCT n.{column}) FILTER (WHERE n.{column} IS NOT NULL "
        f"AND {is_new.format(column=column)})"
        for column, _ in _REFERENCES
    )
    variables = ", ".join(f"{column}s" for column, _ in _REFERENCES)
    declared = "\n        ".join(f"{column}s bigint[];" for column, _ in _REFERENCES)
    missing = "\n            OR ".join(
        f"(SELECT count(*) FROM {table} t WHERE t.id = ANY (CAST((SELECT {column}s) AS bigint[]))) "
        f"< coalesce(cardinality({column}s), 0)"
        for column, table in _REFERENCES
    )
    what = "run, household, obligation, creditor or ledger entry"
    return f"""
    CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        {declared}
    BEGIN
        SELECT {gathered}
        INTO {variables}
        FROM {rows};
        IF {missing} THEN
            RAISE EXCEPTION '{_MISSING.format(what=what)}'
                USING ERRCODE = 'foreign_key_violation';
        END IF;
        RETURN NULL;
    END $$
    """


_POSTGRESQL = [
    *[f"ALTER TABLE payments DROP CONSTRAINT {name}" for name in _FOREIGN_KEYS],
    "ALTER TABLE payments SET (fillfactor = 50)",
    # Every value an insert writes is checked. An update checks only the values it changes: a
    # value the row had already was checked when it was written, and what it refers to is kept.
    # A row whose id changes is checked whole.
    _check_function("payments_inserted_refer_to_existing_rows", "new_payments n", "true"),
    _check_function(
        "payments_updated_refer_to_existing_rows",
        "new_payments n LEFT JOIN old_payments o ON o.id = n.id",
        "(o.id IS NULL OR n.{column} IS DISTINCT FROM o.{column})",
    ),
    """
    CREATE TRIGGER payments_inserted_refer_to_existing_rows AFTER INSERT ON payments
    REFERENCING NEW TABLE AS new_payments
    FOR EACH STATEMENT EXECUTE FUNCTION payments_inserted_refer_to_existing_rows()
    """,
    """
    CREATE TRIGGER payments_updated_refer_to_existing_rows AFTER UPDATE ON payments
    REFERENCING OLD TABLE AS old_payments NEW TABLE AS new_payments
    FOR EACH STATEMENT EXECUTE FUNCTION payments_updated_refer_to_existing_rows()
    """,
    # The other side: a row that payments refer to stays, as a foreign key would keep it. A
    # deletion is checked once per statement; an id is never changed, so that is checked per row,
    # only when a statement sets it.
    f"""
    CREATE FUNCTION payments_keep_referred_rows() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        referred bigint;
    BEGIN
        EXECUTE format(
            'SELECT p.%1$I FROM payments p '
            'WHERE p.%1$I = ANY (ARRAY(SELECT o.id FROM removed_rows o)) LIMIT 1',
            TG_ARGV[0]
        ) INTO referred;
        IF referred IS NOT NULL THEN
            RAISE EXCEPTION '{_REFERRED.format(table="%", id="%")}', TG_TABLE_NAME, referred
                USING ERRCODE = 'foreign_key_violation';
        END IF;
        RETURN NULL;
    END $$
    """,
    f"""
    CREATE FUNCTION payments_keep_referred_id() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        referred boolean;
    BEGIN
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM payments p WHERE p.%I = $1)', TG_ARGV[0])
            INTO referred USING OLD.id;
        IF referred THEN
            RAISE EXCEPTION '{_REFERRED.format(table="%", id="%")}', TG_TABLE_NAME, OLD.id
                USING ERRCODE = 'foreign_key_violation';
        END IF;
        RETURN NEW;
    END $$
    """,
    *[
        statement
        for table, column in _KEPT
        for statement in (
            f"""
            CREATE TRIGGER {table}_referred_by_payments_kept AFTER DELETE ON {table}
            REFERENCING OLD TABLE AS removed_rows
            FOR EACH STATEMENT EXECUTE FUNCTION payments_keep_referred_rows('{column}')
            """,
            f"""
            CREATE TRIGGER {table}_referred_by_payments_keep_id BEFORE UPDATE OF id ON {table}
            FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id)
            EXECUTE FUNCTION payments_keep_referred_id('{column}')
            """,
        )
    ],
]


def _sqlite_missing(row: str) -> str:
    return "\n      OR ".join(
        f"({row}.{column} IS NOT NULL AND NOT EXISTS "
        f"(SELECT 1 FROM {table} t WHERE t.id = {row}.{column}))"
        for column, table in _REFERENCES
    )


_SQLITE = [
    *[
        f"""
        CREATE TRIGGER payments_{action.lower()}_refer_to_existing_rows BEFORE {action} ON payments
        WHEN {_sqlite_missing("NEW")}
        BEGIN
            SELECT RAISE(ABORT, '{_MISSING.format(what="row")}');
        END
        """
        for action in ("INSERT", "UPDATE")
    ],
    *[
        statement
        for table, column in _KEPT
        for statement in (
            f"""
            CREATE TRIGGER {table}_referred_by_payments_kept BEFORE DELETE ON {table}
            WHEN EXISTS (SELECT 1 FROM payments p WHERE p.{column} = OLD.id)
            BEGIN
                SELECT RAISE(ABORT, '{table} rows that payments refer to are kept');
            END
            """,
            f"""
            CREATE TRIGGER {table}_referred_by_payments_keep_id BEFORE UPDATE OF id ON {table}
            WHEN NEW.id IS NOT OLD.id
              AND EXISTS (SELECT 1 FROM payments p WHERE p.{column} = OLD.id)
            BEGIN
                SELECT RAISE(ABORT, '{table} rows that payments refer to keep their id');
            END
            """,
        )
    ],
]


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in _POSTGRESQL:
            op.execute(statement)
        return
    # SQLite cannot drop a constraint: the table is rebuilt without the foreign keys.
    with op.batch_alter_table("payments", recreate="always") as batch:
        for name in _FOREIGN_KEYS:
            batch.drop_constraint(name, type_="foreignkey")
    for statement in _SQLITE:
        op.execute(statement)


def downgrade() -> None:
    raise NotImplementedError("Payments are never rewritten by a migration; restore a backup.")
