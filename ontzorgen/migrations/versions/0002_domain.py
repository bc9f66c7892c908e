"""The ontzorgen domain: municipalities, kredietbanken, households, arrangements, creditors,
obligations, income, allocations, milestones, phases and signals.

Revision ID: 0002_domain
Revises: 0001_ledger
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_domain"
down_revision = "0001_ledger"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "creditors",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("name", sa.String(length=70), nullable=False),
        sa.Column("iban", sa.String(length=34), nullable=False),
        sa.Column("bic", sa.String(length=11), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("street", sa.String(length=70), nullable=False),
        sa.Column("building_number", sa.String(length=16), nullable=False),
        sa.Column("postcode", sa.String(length=16), nullable=False),
        sa.Column("town", sa.String(length=35), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_creditors")),
        sa.UniqueConstraint("iban", "name", name=op.f("uq_creditors_iban_name")),
    )
    op.create_table(
        "kredietbanken",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kredietbanken")),
        sa.UniqueConstraint("name", name=op.f("uq_kredietbanken_name")),
    )
    op.create_table(
        "leefgeld_parts",
        sa.Column("household_id", sa.BigInteger(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("pay_on", sa.Date(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "household_id", "month", "position", name=op.f("pk_leefgeld_parts")
        ),
    )
    op.create_index("ix_leefgeld_parts_pay_on", "leefgeld_parts", ["pay_on"], unique=False)
    op.create_table(
        "municipalities",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("policy", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_municipalities")),
        sa.UniqueConstraint("code", name=op.f("uq_municipalities_code")),
    )
    op.create_table(
        "households",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("municipality_id", sa.BigInteger(), nullable=False),
        sa.Column("kredietbank_id", sa.BigInteger(), nullable=True),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("leefgeld_iban", sa.String(length=34), nullable=False),
        sa.Column("leefgeld_account_holder", sa.String(length=70), nullable=False),
        sa.Column("minimum_leefgeld_override_cents", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["kredietbank_id"],
            ["kredietbanken.id"],
            name=op.f("fk_households_kredietbank_id_kredietbanken"),
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipalities.id"],
            name=op.f("fk_households_municipality_id_municipalities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_households")),
    )
    op.create_index("ix_households_kredietbank_id", "households", ["kredietbank_id"], unique=False)
    op.create_index(
        "ix_households_municipality_id", "households", ["municipality_id"], unique=False
    )
    op.create_table(
        "kredietbank_municipalities",
        sa.Column("kredietbank_id", sa.BigInteger(), nullable=False),
        sa.Column("municipality_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["kredietbank_id"],
            ["kredietbanken.id"],
            name=op.f("fk_kredietbank_municipalities_kredietbank_id_kredietbanken"),
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipalities.id"],
            name=op.f("fk_kredietbank_municipalities_municipality_id_municipalities"),
        ),
        sa.PrimaryKeyConstraint(
            "kredietbank_id", "municipality_id", name=op.f("pk_kredietbank_municipalities")
        ),
    )
    op.create_table(
        "allocations",
        sa.Column("household_id", sa.BigInteger(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("phase", sa.Integer(), nullable=False),
        sa.Column("income_cents", sa.BigInteger(), nullable=False),
        sa.Column("minimum_leefgeld_cents", sa.BigInteger(), nullable=False),
        sa.Column("reserved_cents", sa.BigInteger(), nullable=False),
        sa.Column("arrears_cents", sa.BigInteger(), nullable=False),
        sa.Column("leefgeld_cents", sa.BigInteger(), nullable=False),
        sa.Column("vakantietoeslag_paid_cents", sa.BigInteger(), nullable=False),
        sa.Column("allocated_on", sa.Date(), nullable=False),
        sa.Column("entry_id", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["ledger_entries.id"], name=op.f("fk_allocations_entry_id_ledger_entries")
        ),
        sa.ForeignKeyConstraint(
            ["household_id"], ["households.id"], name=op.f("fk_allocations_household_id_households")
        ),
        sa.PrimaryKeyConstraint("household_id", "month", name=op.f("pk_allocations")),
    )
    op.create_table(
        "arrangements",
        sa.Column("household_id", sa.BigInteger(), nullable=False),
        sa.Column("legal_basis", sa.String(length=16), nullable=False),
        sa.Column("bijstand_start_on", sa.Date(), nullable=False),
        sa.Column("machtiging_signed_on", sa.Date(), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("decided_by", sa.String(length=120), nullable=False),
        sa.Column("decision_reference", sa.String(length=64), nullable=False),
        sa.Column("pip_end_on", sa.Date(), nullable=True),
        sa.Column("bijstand_end_on", sa.Date(), nullable=True),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("agreed_cost_types", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["households.id"],
            name=op.f("fk_arrangements_household_id_households"),
        ),
        sa.PrimaryKeyConstraint("household_id", name=op.f("pk_arrangements")),
    )
    op.create_table(
        "household_members",
        sa.Column("household_id", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("born_on", sa.Date(), nullable=True),
        sa.Column("bsn", sa.String(length=9), nullable=True),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["households.id"],
            name=op.f("fk_household_members_household_id_households"),
        ),
        sa.PrimaryKeyConstraint("household_id", "position", name=op.f("pk_household_members")),
    )
    op.create_table(
        "incomes",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("household_id", sa.BigInteger(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("source_reference", sa.String(length=64), nullable=False),
        sa.Column("full_month_cents", sa.BigInteger(), nullable=False),
        sa.Column("gross_cents", sa.BigInteger(), nullable=False),
        sa.Column("vakantietoeslag_cents", sa.BigInteger(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("entry_id", sa.BigInteger(), nullable=False),
        sa.Column("allocated_month", sa.String(length=7), nullable=True),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["ledger_entries.id"], name=op.f("fk_incomes_entry_id_ledger_entries")
        ),
        sa.ForeignKeyConstraint(
            ["household_id"], ["households.id"], name=op.f("fk_incomes_household_id_households")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incomes")),
        sa.UniqueConstraint(
            "household_id",
            "month",
            "kind",
            "source_reference",
            name=op.f("uq_incomes_household_id_month_kind_source_reference"),
        ),
    )
    op.create_index(
        "ix_incomes_unallocated", "incomes", ["household_id", "allocated_month"], unique=False
    )
    op.create_table(
        "milestones",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("household_id", sa.BigInteger(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("achieved_on", sa.Date(), nullable=False),
        sa.Column("evidence", sa.String(length=500), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["household_id"], ["households.id"], name=op.f("fk_milestones_household_id_households")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_milestones")),
        sa.UniqueConstraint("household_id", "code", name=op.f("uq_milestones_household_id_code")),
    )
    op.create_table(
        "minimum_leefgeld_decisions",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("household_id", sa.BigInteger(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["households.id"],
            name=op.f("fk_minimum_leefgeld_decisions_household_id_households"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_minimum_leefgeld_decisions")),
    )
    op.create_table(
        "household_accounts",
        sa.Column("household_id", sa.BigInteger(), nullable=False),
        sa.Column("role", sa.String(length=24), nullable=False),
        sa.Column("obligation_id", sa.BigInteger(), nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["ledger_accounts.id"],
            name=op.f("fk_household_accounts_account_id_ledger_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["households.id"],
            name=op.f("fk_household_accounts_household_id_households"),
        ),
        sa.PrimaryKeyConstraint(
            "household_id", "role", "obligation_id", name=op.f("pk_household_accounts")
        ),
    )
    op.create_table(
        "obligations",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("household_id", sa.BigInteger(), nullable=False),
        sa.Column("cost_type", sa.String(length=32), nullable=False),
        sa.Column("creditor_id", sa.BigInteger(), nullable=False),
        sa.Column("frequency", sa.String(length=16), nullable=False),
        sa.Column("first_due_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("reference_kind", sa.String(length=16), nullable=False),
        sa.Column("reference", sa.String(length=140), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["creditor_id"], ["creditors.id"], name=op.f("fk_obligations_creditor_id_creditors")
        ),
        sa.ForeignKeyConstraint(
            ["household_id"], ["households.id"], name=op.f("fk_obligations_household_id_households")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_obligations")),
    )
    op.create_index("ix_obligations_household_id", "obligations", ["household_id"], unique=False)
    op.create_table(
        "phase_changes",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("household_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("from_phase", sa.Integer(), nullable=True),
        sa.Column("to_phase", sa.Integer(), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["households.id"],
            name=op.f("fk_phase_changes_household_id_households"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phase_changes")),
    )
    op.create_index(
        "ix_phase_changes_household_id", "phase_changes", ["household_id"], unique=False
    )
    op.create_table(
        "phase_proposals",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("household_id", sa.BigInteger(), nullable=False),
        sa.Column("from_phase", sa.Integer(), nullable=False),
        sa.Column("to_phase", sa.Integer(), nullable=False),
        sa.Column("proposed_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("decided_by", sa.String(length=120), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["households.id"],
            name=op.f("fk_phase_proposals_household_id_households"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phase_proposals")),
    )
    op.create_index(
        "uq_phase_proposals_open",
        "phase_proposals",
        ["household_id"],
        unique=True,
        sqlite_where=sa.text("status = 'open'"),
        postgresql_where=sa.text("status = 'open'"),
    )
    op.create_table(
        "signals",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("household_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=120), nullable=False),
        sa.Column("urgency", sa.Integer(), nullable=False),
        sa.Column("raised_on", sa.Date(), nullable=False),
        sa.Column("message", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("handled_on", sa.Date(), nullable=True),
        sa.Column("handled_by", sa.String(length=120), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["household_id"], ["households.id"], name=op.f("fk_signals_household_id_households")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signals")),
        sa.UniqueConstraint(
            "household_id", "subject", name=op.f("uq_signals_household_id_subject")
        ),
    )
    op.create_index("ix_signals_open", "signals", ["status", "urgency", "raised_on"], unique=False)
    op.create_table(
        "allocation_lines",
        sa.Column("household_id", sa.BigInteger(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("obligation_id", sa.BigInteger(), nullable=False),
        sa.Column("cost_type", sa.String(length=32), nullable=False),
        sa.Column("need_cents", sa.BigInteger(), nullable=False),
        sa.Column("reserved_cents", sa.BigInteger(), nullable=False),
        sa.Column("arrear_cents", sa.BigInteger(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["obligation_id"],
            ["obligations.id"],
            name=op.f("fk_allocation_lines_obligation_id_obligations"),
        ),
        sa.PrimaryKeyConstraint(
            "household_id", "month", "obligation_id", name=op.f("pk_allocation_lines")
        ),
    )
    op.create_table(
        "obligation_amounts",
        sa.Column("obligation_id", sa.BigInteger(), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("recorded_by", sa.String(length=120), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["obligation_id"],
            ["obligations.id"],
            name=op.f("fk_obligation_amounts_obligation_id_obligations"),
        ),
        sa.PrimaryKeyConstraint(
            "obligation_id", "effective_on", name=op.f("pk_obligation_amounts")
        ),
    )
    # ### end Alembic commands ###


def downgrade() -> None:
    raise NotImplementedError("Domain history is never dropped by a migration; restore a backup.")
