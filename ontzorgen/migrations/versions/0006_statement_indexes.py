"""The index a monthly statement needs: a household's payments by due date.

A statement looks up the payments of one month's due dates and those due after today. With only
``ix_payments_household_id`` that reads every payment the household ever had, so a statement
would slow down month after month; ``(household_id, due_on)`` makes it a range scan bounded by
the month.

Revision ID: 0006_statement_indexes
Revises: 0004_access
Create Date: 2026-11-24
"""

from __future__ import annotations

from alembic import op

revision = "0006_statement_indexes"
down_revision = "0004_access"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_payments_household_id_due_on", "payments", ["household_id", "due_on"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_payments_household_id_due_on", table_name="payments")
