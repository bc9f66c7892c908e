"""The domain's tables (SQLAlchemy Core), in the ledger's metadata so foreign keys resolve.

Persistence only: the domain records in the other modules know nothing of these. The migration
``0002_domain`` creates them; ``tests/test_migrations.py`` proves migration and metadata agree.
Money columns are bigint cents; months are ``YYYY-MM`` text; dates without time are ``Date``.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from ledger.schema import IdType, metadata

municipalities = Table(
    "municipalities",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("code", String(8), nullable=False, unique=True),
    Column("name", String(120), nullable=False),
    Column("policy", Text, nullable=False),  # JSON, read by ontzorgen.policy_codec
    Column("created_at", DateTime(timezone=True), nullable=False),
    # The municipality's own account, debited by its payment runs (usually at BNG Bank).
    Column("bank_account_holder", String(70), nullable=True),
    Column("bank_iban", String(34), nullable=True),
    Column("bank_bic", String(11), nullable=True),
)

kredietbanken = Table(
    "kredietbanken",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("name", String(120), nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

kredietbank_municipalities = Table(
    "kredietbank_municipalities",
    metadata,
    Column("kredietbank_id", BigInteger, ForeignKey("kredietbanken.id"), nullable=False),
    Column("municipality_id", BigInteger, ForeignKey("municipalities.id"), nullable=False),
    PrimaryKeyConstraint("kredietbank_id", "municipality_id"),
)

creditors = Table(
    "creditors",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("name", String(70), nullable=False),
    Column("iban", String(34), nullable=False),
    Column("bic", String(11), nullable=True),
    Column("kind", String(32), nullable=False),
    Column("street", String(70), nullable=False),
    Column("building_number", String(16), nullable=False),
    Column("postcode", String(16), nullable=False),
    Column("town", String(35), nullable=False),
    Column("country", String(2), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("iban", "name"),
)

households = Table(
    "households",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("municipality_id", BigInteger, ForeignKey("municipalities.id"), nullable=False),
    Column("kredietbank_id", BigInteger, ForeignKey("kredietbanken.id"), nullable=True),
    Column("name", String(120), nullable=False),
    Column("language", String(8), nullable=False),
    Column("leefgeld_iban", String(34), nullable=False),
    Column("leefgeld_account_holder", String(70), nullable=False),
    Column("minimum_leefgeld_override_cents", BigInteger, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_households_municipality_id", "municipality_id"),
    Index("ix_households_kredietbank_id", "kredietbank_id"),
)

household_members = Table(
    "household_members",
    metadata,
    Column("household_id", BigInteger, ForeignKey("households.id"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("name", String(120), nullable=False),
    Column("role", String(16), nullable=False),
    Column("born_on", Date, nullable=True),
    # Kept for matching with the bijstand administration only; never shown in a URL or a log.
    Column("bsn", String(9), nullable=True),
    PrimaryKeyConstraint("household_id", "position"),
)

minimum_leefgeld_decisions = Table(
    "minimum_leefgeld_decisions",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("household_id", BigInteger, ForeignKey("households.id"), nullable=False),
    Column("amount_cents", BigInteger, nullable=True),
    Column("decided_on", Date, nullable=False),
    Column("actor", String(120), nullable=False),
    Column("reason", String(500), nullable=False),
)

arrangements = Table(
    "arrangements",
    metadata,
    Column("household_id", BigInteger, ForeignKey("households.id"), primary_key=True),
    Column("legal_basis", String(16), nullable=False),
    Column("bijstand_start_on", Date, nullable=False),
    Column("machtiging_signed_on", Date, nullable=False),
    Column("decided_on", Date, nullable=False),
    Column("decided_by", String(120), nullable=False),
    Column("decision_reference", String(64), nullable=False),
    Column("pip_end_on", Date, nullable=True),
    Column("bijstand_end_on", Date, nullable=True),
    Column("ended_on", Date, nullable=True),
    Column("agreed_cost_types", String(200), nullable=False),  # comma-separated CostType values
)

household_accounts = Table(
    "household_accounts",
    metadata,
    # Each household has its own set of ledger accounts, so households never contend for rows.
    Column("household_id", BigInteger, ForeignKey("households.id"), nullable=False),
    Column("role", String(24), nullable=False),
    Column("obligation_id", BigInteger, nullable=False),  # 0 for the accounts of no obligation
    Column("account_id", BigInteger, ForeignKey("ledger_accounts.id"), nullable=False),
    PrimaryKeyConstraint("household_id", "role", "obligation_id"),
)

obligations = Table(
    "obligations",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("household_id", BigInteger, ForeignKey("households.id"), nullable=False),
    Column("cost_type", String(32), nullable=False),
    Column("creditor_id", BigInteger, ForeignKey("creditors.id"), nullable=False),
    Column("frequency", String(16), nullable=False),
    Column("first_due_on", Date, nullable=False),
    Column("ends_on", Date, nullable=True),
    Column("reference_kind", String(16), nullable=False),  # "kenmerk" or "text"
    Column("reference", String(140), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_obligations_household_id", "household_id"),
)

obligation_amounts = Table(
    "obligation_amounts",
    metadata,
    Column("obligation_id", BigInteger, ForeignKey("obligations.id"), nullable=False),
    Column("effective_on", Date, nullable=False),
    Column("amount_cents", BigInteger, nullable=False),
    Column("recorded_by", String(120), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("obligation_id", "effective_on"),
)

incomes = Table(
    "incomes",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("household_id", BigInteger, ForeignKey("households.id"), nullable=False),
    Column("month", String(7), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("source_reference", String(64), nullable=False),
    Column("full_month_cents", BigInteger, nullable=False),
    Column("gross_cents", BigInteger, nullable=False),
    Column("vakantietoeslag_cents", BigInteger, nullable=False),
    Column("received_on", Date, nullable=False),
    Column("entry_id", BigInteger, ForeignKey("ledger_entries.id"), nullable=False),
    # The month whose allocation divided this income; empty until then. Income that arrives late
    # for a month already allocated is divided by the next allocation.
    Column("allocated_month", String(7), nullable=True),
    UniqueConstraint("household_id", "month", "kind", "source_reference"),
    Index("ix_incomes_unallocated", "household_id", "allocated_month"),
)

# The household and ledger entry of an allocation, and the obligation of an allocation line,
# exist: checked by triggers once per statement, not by foreign keys row by row, and the rows
# referred to are kept (migration 0008).
allocations = Table(
    "allocations",
    metadata,
    Column("household_id", BigInteger, nullable=False),
    Column("month", String(7), nullable=False),
    Column("phase", Integer, nullable=False),
    Column("income_cents", BigInteger, nullable=False),
    Column("minimum_leefgeld_cents", BigInteger, nullable=False),
    Column("reserved_cents", BigInteger, nullable=False),
    Column("arrears_cents", BigInteger, nullable=False),
    Column("leefgeld_cents", BigInteger, nullable=False),
    Column("vakantietoeslag_paid_cents", BigInteger, nullable=False),
    Column("allocated_on", Date, nullable=False),
    # Empty when the month had nothing to book (no income and nothing due).
    Column("entry_id", BigInteger, nullable=True),
    PrimaryKeyConstraint("household_id", "month"),
)

allocation_lines = Table(
    "allocation_lines",
    metadata,
    Column("household_id", BigInteger, nullable=False),
    Column("month", String(7), nullable=False),
    Column("obligation_id", BigInteger, nullable=False),
    Column("cost_type", String(32), nullable=False),
    Column("need_cents", BigInteger, nullable=False),
    Column("reserved_cents", BigInteger, nullable=False),
    Column("arrear_cents", BigInteger, nullable=False),
    Column("due_on", Date, nullable=True),
    PrimaryKeyConstraint("household_id", "month", "obligation_id"),
)

leefgeld_parts = Table(
    "leefgeld_parts",
    metadata,
    Column("household_id", BigInteger, nullable=False),
    Column("month", String(7), nullable=False),
    Column("position", Integer, nullable=False),
    Column("pay_on", Date, nullable=False),
    Column("amount_cents", BigInteger, nullable=False),
    PrimaryKeyConstraint("household_id", "month", "position"),
    Index("ix_leefgeld_parts_pay_on", "pay_on"),
)

milestones = Table(
    "milestones",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("household_id", BigInteger, ForeignKey("households.id"), nullable=False),
    Column("code", String(64), nullable=False),
    Column("achieved_on", Date, nullable=False),
    Column("evidence", String(500), nullable=False),
    Column("actor", String(120), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("household_id", "code"),
)

phase_changes = Table(
    "phase_changes",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("household_id", BigInteger, ForeignKey("households.id"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("from_phase", Integer, nullable=True),
    Column("to_phase", Integer, nullable=False),
    Column("effective_on", Date, nullable=False),
    Column("decided_on", Date, nullable=False),
    Column("actor", String(120), nullable=False),
    Column("reason", String(500), nullable=False),
    Index("ix_phase_changes_household_id", "household_id"),
)

phase_proposals = Table(
    "phase_proposals",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("household_id", BigInteger, ForeignKey("households.id"), nullable=False),
    Column("from_phase", Integer, nullable=False),
    Column("to_phase", Integer, nullable=False),
    Column("proposed_on", Date, nullable=False),
    Column("status", String(16), nullable=False),  # open, approved, rejected
    Column("decided_on", Date, nullable=True),
    Column("decided_by", String(120), nullable=True),
    Column("reason", String(500), nullable=True),
    Index(
        "uq_phase_proposals_open",
        "household_id",
        unique=True,
        sqlite_where=text("status = 'open'"),
        postgresql_where=text("status = 'open'"),
    ),
)

signals = Table(
    "signals",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("household_id", BigInteger, ForeignKey("households.id"), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("subject", String(120), nullable=False),
    Column("urgency", Integer, nullable=False),
    Column("raised_on", Date, nullable=False),
    Column("message", String(500), nullable=False),
    Column("status", String(16), nullable=False),  # open, handled
    Column("handled_on", Date, nullable=True),
    Column("handled_by", String(120), nullable=True),
    Column("note", String(500), nullable=True),
    # One signal per situation: raising it again changes nothing.
    UniqueConstraint("household_id", "subject"),
    Index("ix_signals_open", "status", "urgency", "raised_on"),
)

payment_runs = Table(
    "payment_runs",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("municipality_id", BigInteger, ForeignKey("municipalities.id"), nullable=False),
    Column("execution_on", Date, nullable=False),
    Column("status", String(16), nullable=False),  # prepared, approved, executed
    Column("prepared_by", String(120), nullable=False),
    Column("prepared_at", DateTime(timezone=True), nullable=False),
    Column("approved_by", String(120), nullable=True),
    Column("approved_at", DateTime(timezone=True), nullable=True),
    Column("executed_by", String(120), nullable=True),
    Column("executed_at", DateTime(timezone=True), nullable=True),
    Column("held_back", Text, nullable=False),  # JSON: households left out, and why
    # One run per municipality and execution date: preparing twice finds the first.
    UniqueConstraint("municipality_id", "execution_on"),
)

# The run, household, obligation, creditor and ledger entries a payment refers to exist: checked
# by triggers once per statement, not by foreign keys row by row, and the rows referred to are kept
# (migration 0005). On PostgreSQL half of each page stays free (fillfactor 50), so that marking a
# payment sent is a HOT update that writes no index entries.
payments = Table(
    "payments",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("run_id", BigInteger, nullable=False),
    # What this payment pays, e.g. "obligation:12:2026-08-01" or "leefgeld:7:2026-08:0".
    # Unique across all runs, so nothing due is ever planned (and paid) twice.
    Column("source_key", String(80), nullable=False, unique=True),
    Column("household_id", BigInteger, nullable=False),
    Column("kind", String(16), nullable=False),  # creditor, leefgeld
    Column("obligation_id", BigInteger, nullable=True),
    Column("creditor_id", BigInteger, nullable=True),
    Column("cost_type", String(32), nullable=True),
    Column("due_on", Date, nullable=False),
    Column("amount_cents", BigInteger, nullable=False),
    Column("payee_name", String(70), nullable=False),  # exactly as the account holder is named
    Column("payee_iban", String(34), nullable=False),
    Column("payee_bic", String(11), nullable=True),
    Column("reference_kind", String(16), nullable=False),
    Column("reference", String(140), nullable=False),
    Column("end_to_end_id", String(35), nullable=False, unique=True),
    Column("status", String(16), nullable=False),  # planned, sent, paid, returned
    Column("entry_id", BigInteger, nullable=True),
    Column("file_message_id", String(35), nullable=True),
    Column("return_reason", String(8), nullable=True),
    Column("return_entry_id", BigInteger, nullable=True),
    Index("ix_payments_run_id", "run_id"),
    # A household's payments of one month, for its statement, without reading its history; and
    # any lookup by household alone.
    Index("ix_payments_household_id_due_on", "household_id", "due_on"),
)

payment_files = Table(
    "payment_files",
    metadata,
    Column("message_id", String(35), primary_key=True),
    Column("run_id", BigInteger, ForeignKey("payment_runs.id"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("payment_count", Integer, nullable=False),
    Column("control_sum_cents", BigInteger, nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("sha256", String(64), nullable=False),
    UniqueConstraint("run_id", "position"),
)

statement_imports = Table(
    "statement_imports",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    # The same file imported twice is recognised by its digest and changes nothing.
    Column("sha256", String(64), nullable=False, unique=True),
    Column("file_name", String(200), nullable=False),
    Column("version", String(32), nullable=False),
    Column("message_id", String(35), nullable=False),
    Column("statement_id", String(35), nullable=False),
    Column("account_iban", String(34), nullable=False),
    Column("imported_by", String(120), nullable=False),
    Column("imported_at", DateTime(timezone=True), nullable=False),
    Column("line_count", Integer, nullable=False),
)

statement_lines = Table(
    "statement_lines",
    metadata,
    Column("import_id", BigInteger, ForeignKey("statement_imports.id"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("amount_cents", BigInteger, nullable=False),
    Column("credit", Boolean, nullable=False),
    Column("booked_on", Date, nullable=False),
    Column("end_to_end_id", String(35), nullable=True),
    Column("return_reason", String(8), nullable=True),
    Column("remittance", String(500), nullable=True),
    Column("counterparty_name", String(140), nullable=True),
    Column("counterparty_iban", String(34), nullable=True),
    Column("bank_reference", String(64), nullable=True),
    # matched (confirms a payment), returned, duplicate, unmatched, matched_by_hand
    Column("match_status", String(24), nullable=False),
    Column("payment_id", BigInteger, ForeignKey("payments.id"), nullable=True),
    Column("matched_by", String(120), nullable=True),
    PrimaryKeyConstraint("import_id", "position"),
    Index("ix_statement_lines_match_status", "match_status"),
)

# Access control and the audit log live in their own module; importing it here registers them in
# the shared metadata for everyone who imports the domain's tables.
from ontzorgen import access_tables as access_tables  # noqa: E402
