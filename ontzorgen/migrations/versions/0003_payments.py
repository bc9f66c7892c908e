"""Payment runs, payments, SEPA payment files, bank statement imports; the municipality's account.

Revision ID: 0003_payments
Revises: 0002_domain
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_payments"
down_revision = "0002_domain"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "statement_imports",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.Column("message_id", sa.String(length=35), nullable=False),
        sa.Column("statement_id", sa.String(length=35), nullable=False),
        sa.Column("account_iban", sa.String(length=34), nullable=False),
        sa.Column("imported_by", sa.String(length=120), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("line_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statement_imports")),
        sa.UniqueConstraint("sha256", name=op.f("uq_statement_imports_sha256")),
    )
    op.create_table(
        "payment_runs",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("municipality_id", sa.BigInteger(), nullable=False),
        sa.Column("execution_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("prepared_by", sa.String(length=120), nullable=False),
        sa.Column("prepared_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approved_by", sa.String(length=120), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("executed_by", sa.String(length=120), nullable=True),
        sa.Column("executed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("held_back", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipalities.id"],
            name=op.f("fk_payment_runs_municipality_id_municipalities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_runs")),
        sa.UniqueConstraint(
            "municipality_id",
            "execution_on",
            name=op.f("uq_payment_runs_municipality_id_execution_on"),
        ),
    )
    op.create_table(
        "payment_files",
        sa.Column("message_id", sa.String(length=35), nullable=False),
        sa.Column("run_id", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("payment_count", sa.Integer(), nullable=False),
        sa.Column("control_sum_cents", sa.BigInteger(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["payment_runs.id"], name=op.f("fk_payment_files_run_id_payment_runs")
        ),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_payment_files")),
        sa.UniqueConstraint("run_id", "position", name=op.f("uq_payment_files_run_id_position")),
    )
    op.create_table(
        "payments",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("run_id", sa.BigInteger(), nullable=False),
        sa.Column("source_key", sa.String(length=80), nullable=False),
        sa.Column("household_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("obligation_id", sa.BigInteger(), nullable=True),
        sa.Column("creditor_id", sa.BigInteger(), nullable=True),
        sa.Column("cost_type", sa.String(length=32), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("payee_name", sa.String(length=70), nullable=False),
        sa.Column("payee_iban", sa.String(length=34), nullable=False),
        sa.Column("payee_bic", sa.String(length=11), nullable=True),
        sa.Column("reference_kind", sa.String(length=16), nullable=False),
        sa.Column("reference", sa.String(length=140), nullable=False),
        sa.Column("end_to_end_id", sa.String(length=35), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("entry_id", sa.BigInteger(), nullable=True),
        sa.Column("file_message_id", sa.String(length=35), nullable=True),
        sa.Column("return_reason", sa.String(length=8), nullable=True),
        sa.Column("return_entry_id", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["creditor_id"], ["creditors.id"], name=op.f("fk_payments_creditor_id_creditors")
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["ledger_entries.id"], name=op.f("fk_payments_entry_id_ledger_entries")
        ),
        sa.ForeignKeyConstraint(
            ["household_id"], ["households.id"], name=op.f("fk_payments_household_id_households")
        ),
        sa.ForeignKeyConstraint(
            ["obligation_id"],
            ["obligations.id"],
            name=op.f("fk_payments_obligation_id_obligations"),
        ),
        sa.ForeignKeyConstraint(
            ["return_entry_id"],
            ["ledger_entries.id"],
            name=op.f("fk_payments_return_entry_id_ledger_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["payment_runs.id"], name=op.f("fk_payments_run_id_payment_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
        sa.UniqueConstraint("end_to_end_id", name=op.f("uq_payments_end_to_end_id")),
        sa.UniqueConstraint("source_key", name=op.f("uq_payments_source_key")),
    )
    op.create_index("ix_payments_household_id", "payments", ["household_id"], unique=False)
    op.create_index("ix_payments_run_id", "payments", ["run_id"], unique=False)
    op.create_table(
        "statement_lines",
        sa.Column("import_id", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("credit", sa.Boolean(), nullable=False),
        sa.Column("booked_on", sa.Date(), nullable=False),
        sa.Column("end_to_end_id", sa.String(length=35), nullable=True),
        sa.Column("return_reason", sa.String(length=8), nullable=True),
        sa.Column("remittance", sa.String(length=500), nullable=True),
        sa.Column("counterparty_name", sa.String(length=140), nullable=True),
        sa.Column("counterparty_iban", sa.String(length=34), nullable=True),
        sa.Column("bank_reference", sa.String(length=64), nullable=True),
        sa.Column("match_status", sa.String(length=24), nullable=False),
        sa.Column("payment_id", sa.BigInteger(), nullable=True),
        sa.Column("matched_by", sa.String(length=120), nullable=True),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["statement_imports.id"],
            name=op.f("fk_statement_lines_import_id_statement_imports"),
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["payments.id"], name=op.f("fk_statement_lines_payment_id_payments")
        ),
        sa.PrimaryKeyConstraint("import_id", "position", name=op.f("pk_statement_lines")),
    )
    op.create_index(
        "ix_statement_lines_match_status", "statement_lines", ["match_status"], unique=False
    )
    op.add_column(
        "municipalities", sa.Column("bank_account_holder", sa.String(length=70), nullable=True)
    )
    op.add_column("municipalities", sa.Column("bank_iban", sa.String(length=34), nullable=True))
    op.add_column("municipalities", sa.Column("bank_bic", sa.String(length=11), nullable=True))
    # ### end Alembic commands ###


def downgrade() -> None:
    raise NotImplementedError("Payment history is never dropped by a migration; restore a backup.")
