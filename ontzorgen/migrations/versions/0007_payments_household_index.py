"""One index on a payment's household instead of two.

``ix_payments_household_id_due_on`` (0006) starts with the household, so it answers every lookup
``ix_payments_household_id`` answered; the older index only cost a second index entry for every
payment a run plans.

Revision ID: 0007_payments_household_index
Revises: 0005_performance
Create Date: 2026-11-24
"""

from __future__ import annotations

from alembic import op

revision = "0007_payments_household_index"
down_revision = "0005_performance"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_payments_household_id", table_name="payments")


def downgrade() -> None:
    op.create_index("ix_payments_household_id", "payments", ["household_id"], unique=False)
