"""Allocations: what they refer to is checked once per statement, not row by row.

Dividing a month writes one ``allocations`` row per household and one ``allocation_lines`` row per
withheld bill: some 40,000 rows per 10,000 households. Their three foreign keys (the household and
the ledger entry of an allocation, the obligation of a line) were checked row by row, each check a
query that also locks the row it finds: about 0.2 of the database's 1.3 CPU-seconds for dividing
the month of 10,000 households. As for payments (0005), they are replaced by checks that run once
per statement over the rows it wrote:

- an allocation's household and ledger entry, and an allocation line's obligation, exist when the
  row is written or changed: each table is probed once per distinct value, by its primary key;
- a household or obligation that an allocation refers to cannot be deleted, nor can its id
  change; ledger entries can be neither deleted nor changed at all (0001).

The PostgreSQL functions are written once for any table: the trigger's arguments name the columns
and the tables they refer to. SQLite gets the same checks as row triggers.

Revision ID: 0008_allocation_references
Revises: 0007_payments_household_index
Create Date: 2026-11-24
"""

from __future__ import annotations

from alembic import op

revision = "0008_allocation_references"
down_revision = "0007_payments_household_index"
branch_labels = None
depends_on = None

#: Per table: ``(column, table whose id it holds, name of the foreign key it had)``.
_REFERENCES = {
    "allocations": (
        ("household_id", "households", "fk_allocations_household_id_households"),
        ("entry_id", "ledger_entries", "fk_allocations_entry_id_ledger_entries"),
    ),
    "allocation_lines": (
        ("obligation_id", "obligations", "fk_allocation_lines_obligation_id_obligations"),
    ),
}
#: ``(table referred to, referring table, its column)``: rows that must stay while referred to.
#: Ledger entries always stay (0001).
_KEPT = (
    ("households", "allocations", "household_id"),
    ("obligations", "allocation_lines", "obligation_id"),
)
_MISSING = "a row of {table} refers to a row of {referred} that does not exist ({column})"
_REFERRED = "{table} row {id} cannot be removed or renumbered: {referring} refers to it"

_POSTGRESQL_FUNCTIONS = [
    # TG_ARGV holds pairs: a column of the new rows, and the table whose id it holds. Each column's
    # distinct values are gathered in one pass; the table is then probed once per value through its
    # primary key. The ids go in through a sub-select, so that the planner cannot see how many
    # there are and always probes the index (see 0005).
    f"""
    CREATE FUNCTION refer_to_existing_rows() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        ids bigint[];
        found bigint;
    BEGIN
        FOR pair IN 0 .. TG_NARGS / 2 - 1 LOOP
            EXECUTE format(
                'SELECT ARRAY(SELECT DISTINCT n.%1$I FROM new_rows n WHERE n.%1$I IS NOT NULL)',
                TG_ARGV[2 * pair]
            ) INTO ids;
            EXECUTE format(
                'SELECT count(*) FROM %I t WHERE t.id = ANY (CAST((SELECT $1) AS bigint[]))',
                TG_ARGV[2 * pair + 1]
            ) INTO found USING ids;
            IF found < cardinality(ids) THEN
                RAISE EXCEPTION '{_MISSING.format(table="%", referred="%", column="%")}',
                    TG_TABLE_NAME, TG_ARGV[2 * pair + 1], TG_ARGV[2 * pair]
                    USING ERRCODE = 'foreign_key_violation';
            END IF;
        END LOOP;
        RETURN NULL;
    END $$
    """,
    # TG_ARGV: the referring table and its column that holds this table's id.
    f"""
    CREATE FUNCTION keep_referred_rows() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        referred bigint;
    BEGIN
        EXECUTE format(
            'SELECT r.%2$I FROM %1$I r '
            'WHERE r.%2$I = ANY (ARRAY(SELECT o.id FROM removed_rows o)) LIMIT 1',
            TG_ARGV[0], TG_ARGV[1]
        ) INTO referred;
        IF referred IS NOT NULL THEN
            RAISE EXCEPTION '{_REFERRED.format(table="%", id="%", referring="%")}',
                TG_TABLE_NAME, referred, TG_ARGV[0]
                USING ERRCODE = 'foreign_key_violation';
        END IF;
        RETURN NULL;
    END $$
    """,
    f"""
    CREATE FUNCTION keep_referred_id() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        referred boolean;
    BEGIN
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I r WHERE r.%I = $1)', TG_ARGV[0], TG_ARGV[1])
            INTO referred USING OLD.id;
        IF referred THEN
            RAISE EXCEPTION '{_REFERRED.format(table="%", id="%", referring="%")}',
                TG_TABLE_NAME, OLD.id, TG_ARGV[0]
                USING ERRCODE = 'foreign_key_violation';
        END IF;
        RETURN NEW;
    END $$
    """,
]


def _postgresql() -> list[str]:
    statements = list(_POSTGRESQL_FUNCTIONS)
    for table, references in _REFERENCES.items():
        statements += [f"ALTER TABLE {table} DROP CONSTRAINT {key}" for _, _, key in references]
        arguments = ", ".join(f"'{column}', '{referred}'" for column, referred, _ in references)
        # A trigger with transition tables serves one event, so inserts and updates get one each.
        # An update checks every row it wrote: allocations are rewritten rarely, and never in bulk.
        statements += [
            f"""
            CREATE TRIGGER {table}_{event.lower()}_refer_to_existing_rows AFTER {event} ON {table}
            REFERENCING NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION refer_to_existing_rows({arguments})
            """
            for event in ("INSERT", "UPDATE")
        ]
    for table, referring, column in _KEPT:
        statements += [
            f"""
            CREATE TRIGGER {table}_referred_by_{referring}_kept AFTER DELETE ON {table}
            REFERENCING OLD TABLE AS removed_rows
            FOR EACH STATEMENT EXECUTE FUNCTION keep_referred_rows('{referring}', '{column}')
            """,
            f"""
            CREATE TRIGGER {table}_referred_by_{referring}_keep_id BEFORE UPDATE OF id ON {table}
            FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id)
            EXECUTE FUNCTION keep_referred_id('{referring}', '{column}')
            """,
        ]
    return statements


def _sqlite() -> list[str]:
    statements = []
    for table, references in _REFERENCES.items():
        missing = "\n              OR ".join(
            f"(NEW.{column} IS NOT NULL AND NOT EXISTS "
            f"(SELECT 1 FROM {referred} t WHERE t.id = NEW.{column}))"
            for column, referred, _ in references
        )
        statements += [
            f"""
            CREATE TRIGGER {table}_{event.lower()}_refer_to_existing_rows BEFORE {event} ON {table}
            WHEN {missing}
            BEGIN
                SELECT RAISE(ABORT, 'a row of {table} refers to a row that does not exist');
            END
            """
            for event in ("INSERT", "UPDATE")
        ]
    for table, referring, column in _KEPT:
        statements += [
            f"""
            CREATE TRIGGER {table}_referred_by_{referring}_kept BEFORE DELETE ON {table}
            WHEN EXISTS (SELECT 1 FROM {referring} r WHERE r.{column} = OLD.id)
            BEGIN
                SELECT RAISE(ABORT, '{table} rows that {referring} refer to are kept');
            END
            """,
            f"""
            CREATE TRIGGER {table}_referred_by_{referring}_keep_id BEFORE UPDATE OF id ON {table}
            WHEN NEW.id IS NOT OLD.id
              AND EXISTS (SELECT 1 FROM {referring} r WHERE r.{column} = OLD.id)
            BEGIN
                SELECT RAISE(ABORT, '{table} rows that {referring} refer to keep their id');
            END
            """,
        ]
    return statements


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in _postgresql():
            op.execute(statement)
        return
    # SQLite cannot drop a constraint: the tables are rebuilt without the foreign keys.
    for table, references in _REFERENCES.items():
        with op.batch_alter_table(table, recreate="always") as batch:
            for _, _, key in references:
                batch.drop_constraint(key, type_="foreignkey")
    for statement in _sqlite():
        op.execute(statement)


def downgrade() -> None:
    raise NotImplementedError("Allocations are never rewritten by a migration; restore a backup.")
