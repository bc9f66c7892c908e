"""The rows behind a household's monthly statement (maandoverzicht): six queries, one round trip.

Every query is an index lookup or an index range scan bounded by the month asked for (or by
today, for what comes next), so a statement costs the same after one month of history as after
sixty:
1. the header: the household, its municipality's policy, its kredietbank, the month's
   allocation and the phase in force today (primary keys, ``ix_phase_changes_household_id``);
2. the accounts: the household's ledger accounts with the balance at the start of the month
   (one probe of ``ix_ledger_postings_account_booked`` each) and the month's postings (a range
   scan of the same index per account);
3. the dues: the month's allocation lines and leefgeld parts, and those due after today
   (primary-key ranges of ``allocation_lines`` and ``leefgeld_parts`` from today's month on;
   for quarterly and yearly bills, a probe per such obligation over the twelve months before);
4. the income for the month or divided in it (two index lookups on ``incomes``);
5. the payments due between the month's first and last due date, or after today
   (``ix_payments_household_id_due_on``; the two dates are read by the query itself);
6. the progress: the milestones recorded and the arrears of the last ``RECENT_MONTHS_MAX``
   allocations (unique index on ``milestones``, primary key of ``allocations``).

No query needs another's answer, so ``statement_rows`` sends all six at once. On the API's
PostgreSQL request connection (autocommit) they go in one write to the server
(``ledger.database.read_in_one_round_trip``), inside one read-only REPEATABLE READ transaction
with the generic plans (``_PIPELINE``): one round trip for the whole statement, and no
per-query work of SQLAlchemy's. Anywhere else (SQLite; a caller's transaction)
they run one after the other through SQLAlchemy, the same SQL. Read-only: nothing here writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (
    BigInteger,
    Connection,
    Date,
    String,
    and_,
    bindparam,
    cast,
    exists,
    func,
    literal_column,
    null,
    select,
    union_all,
)

from ledger.database import DriverStatement, in_autocommit_on_postgresql, read_in_one_round_trip
from ledger.schema import accounts as ledger_accounts
from ledger.schema import entries as ledger_entries
from ledger.schema import postings as ledger_postings
from ontzorgen.arrangement import Arrangement, Decision, LegalBasis
from ontzorgen.months import Month
from ontzorgen.obligations import Frequency
from ontzorgen.policy import MONTHS_WITHOUT_ARREARS_MAX
from ontzorgen.tables import (
    allocation_lines,
    allocations,
    arrangements,
    creditors,
    household_accounts,
    households,
    incomes,
    kredietbanken,
    leefgeld_parts,
    milestones,
    municipalities,
    obligations,
    payment_runs,
    payments,
    phase_changes,
)
from ontzorgen.views.ledger import POSTING_COLUMNS

#: Allocation lines due after today can stand in months up to this many months back: a yearly
#: bill is reserved over the twelve months up to and including its due month.
RESERVATION_MONTHS_MAX = 12


@dataclass(frozen=True, slots=True)
class HeaderRow:
    household_id: int
    household_name: str
    language: str
    leefgeld_account_holder: str
    municipality_id: int
    policy_json: str
    kredietbank_id: int | None
    kredietbank_name: str | None
    current_phase: int | None
    arrangement: Arrangement | None  # when one was recorded
    allocation: AllocationRow | None  # when the month was divided


@dataclass(frozen=True, slots=True)
class AllocationRow:
    month: str
    phase: int
    income_cents: int
    minimum_leefgeld_cents: int
    reserved_cents: int
    arrears_cents: int
    leefgeld_cents: int
    vakantietoeslag_paid_cents: int
    allocated_on: date


@dataclass(frozen=True, slots=True)
class PostingRow:
    account_seq: int
    booked_on: date
    direction: str  # "D" or "C"
    amount_cents: int
    balance_after_cents: int
    entry_id: int
    description: str


@dataclass(frozen=True, slots=True)
class AccountRow:
    account_id: int
    role: str
    obligation_id: int
    kind: str  # the ledger account kind: asset or liability
    name: str
    balance_cents: int  # now
    opening_cents: int  # at the end of the day before the month
    cost_type: str | None
    creditor_name: str | None
    postings: tuple[PostingRow, ...]  # booked in the month, in order


@dataclass(frozen=True, slots=True)
class DueRow:
    """An allocation line (``kind`` "obligation") or a leefgeld part (``kind`` "leefgeld")."""

    kind: str
    month: str
    key: int  # the obligation id, or the leefgeld part's position
    cost_type: str | None
    creditor_name: str | None
    need_cents: int
    amount_cents: int  # reserved, or the part's amount
    arrear_cents: int
    on: date | None  # due date, or the day the part is paid


@dataclass(frozen=True, slots=True)
class IncomeRow:
    income_id: int
    month: str
    kind: str
    received_on: date
    gross_cents: int
    vakantietoeslag_cents: int
    allocated_month: str | None


@dataclass(frozen=True, slots=True)
class PaymentRow:
    payment_id: int
    source_key: str
    kind: str
    due_on: date
    amount_cents: int
    status: str
    return_reason: str | None
    payee_name: str
    execution_on: date


@dataclass(frozen=True, slots=True)
class ProgressRows:
    milestones: tuple[tuple[str, date], ...]  # code, achieved on
    recent_arrears: tuple[tuple[str, int], ...]  # month, arrears cents; newest first


@dataclass(frozen=True, slots=True)
class StatementRows:
    """What ``statement_rows`` read: the header (None for an unknown household) and the rest."""

    header: HeaderRow | None
    accounts: list[AccountRow]
    dues: list[DueRow]
    incomes: list[IncomeRow]
    payments: list[PaymentRow]
    progress: ProgressRows


#: The progress query reads the arrears of this many most recent allocations: as many as a
#: policy may ask months without arrears (``ontzorgen.policy.MONTHS_WITHOUT_ARREARS_MAX``).
RECENT_MONTHS_MAX = MONTHS_WITHOUT_ARREARS_MAX

# The statements are built once, with bound parameters: building and keying a statement of this
# size costs more Python than reading its rows, and one SQL text per statement lets the driver
# prepare it on the server. All six take their values from one set of parameters.
_HOUSEHOLD = bindparam("household_id", type_=BigInteger)
_MONTH = bindparam("month", type_=String)
_TODAY = bindparam("today", type_=Date)
_THIS_MONTH = bindparam("this_month", type_=String)
_FIRST_DAY = bindparam("first_day", type_=Date)
_LAST_DAY = bindparam("last_day", type_=Date)

_PHASE_NOW = (
    select(phase_changes.c.to_phase)
    .where(phase_changes.c.household_id == households.c.id, phase_changes.c.effective_on <= _TODAY)
    .order_by(phase_changes.c.effective_on.desc(), phase_changes.c.decided_on.desc())
    .limit(1)
    .scalar_subquery()
)
_HEADER = (
    select(
        households.c.id,
        households.c.name,
        households.c.language,
        households.c.leefgeld_account_holder,
        households.c.municipality_id,
        municipalities.c.policy,
        households.c.kredietbank_id,
        kredietbanken.c.name.label("kredietbank_name"),
        _PHASE_NOW.label("current_phase"),
        *[column.label(f"allocation_{column.name}") for column in allocations.c],
        *[column.label(f"arrangement_{column.name}") for column in arrangements.c],
    )
    .select_from(
        households.join(municipalities, municipalities.c.id == households.c.municipality_id)
        .outerjoin(kredietbanken, kredietbanken.c.id == households.c.kredietbank_id)
        .outerjoin(arrangements, arrangements.c.household_id == households.c.id)
        .outerjoin(
            allocations,
            and_(allocations.c.household_id == households.c.id, allocations.c.month == _MONTH),
        )
    )
    .where(households.c.id == _HOUSEHOLD)
)
#: Where each column of the header stands in its row (rows are read by position: a psycopg
#: tuple and a SQLAlchemy row alike).
_AT = {name: index for index, name in enumerate(_HEADER.selected_columns.keys())}


def _header(rows: Sequence[Sequence[Any]], household_id: int) -> HeaderRow | None:
    if not rows:
        return None
    row = rows[0]
    allocation = (
        None
        if row[_AT["allocation_month"]] is None
        else AllocationRow(*[row[_AT[f"allocation_{name}"]] for name in AllocationRow.__slots__])
    )
    arrangement = (
        None
        if row[_AT["arrangement_household_id"]] is None
        else Arrangement(
            household_id=household_id,
            legal_basis=LegalBasis(row[_AT["arrangement_legal_basis"]]),
            bijstand_start_on=row[_AT["arrangement_bijstand_start_on"]],
            machtiging_signed_on=row[_AT["arrangement_machtiging_signed_on"]],
            decision=Decision(
                row[_AT["arrangement_decided_on"]],
                row[_AT["arrangement_decided_by"]],
                row[_AT["arrangement_decision_reference"]],
            ),
            pip_end_on=row[_AT["arrangement_pip_end_on"]],
            bijstand_end_on=row[_AT["arrangement_bijstand_end_on"]],
            ended_on=row[_AT["arrangement_ended_on"]],
        )
    )
    return HeaderRow(
        row[0],
        row[1],
        row[2],
        row[3],
        row[4],
        row[5],
        row[6],
        row[7],
        row[8],
        arrangement,
        allocation,
    )


_EARLIER = ledger_postings.alias("earlier")
# The balance at the end of the day before the month: the running balance of the last posting
# before it, one probe of the index (account_id, booked_on, account_seq).
_OPENING = (
    select(_EARLIER.c.balance_after_cents)
    .where(
        _EARLIER.c.account_id == household_accounts.c.account_id,
        _EARLIER.c.booked_on < _FIRST_DAY,
    )
    .order_by(_EARLIER.c.booked_on.desc(), _EARLIER.c.account_seq.desc())
    .limit(1)
    .correlate(household_accounts)
    .scalar_subquery()
)
_ACCOUNT_ROWS = select(
    household_accounts.c.account_id,
    household_accounts.c.role,
    household_accounts.c.obligation_id,
    ledger_accounts.c.kind,
    ledger_accounts.c.name,
    ledger_accounts.c.balance_cents,
    _OPENING.label("opening_cents"),
    obligations.c.cost_type,
    creditors.c.name.label("creditor_name"),
    cast(null(), BigInteger).label("account_seq"),
    cast(null(), Date).label("booked_on"),
    cast(null(), String).label("direction"),
    cast(null(), BigInteger).label("amount_cents"),
    cast(null(), BigInteger).label("balance_after_cents"),
    cast(null(), BigInteger).label("entry_id"),
    cast(null(), String).label("description"),
).select_from(
    household_accounts.join(
        ledger_accounts, ledger_accounts.c.id == household_accounts.c.account_id
    )
    .outerjoin(obligations, obligations.c.id == household_accounts.c.obligation_id)
    .outerjoin(creditors, creditors.c.id == obligations.c.creditor_id)
)
_POSTING_ROWS = select(
    household_accounts.c.account_id,
    *[cast(null(), column.type).label(column.name) for column in _ACCOUNT_ROWS.selected_columns][
        1:9
    ],
    *POSTING_COLUMNS,
).select_from(
    household_accounts.join(
        ledger_postings,
        and_(
            ledger_postings.c.account_id == household_accounts.c.account_id,
            ledger_postings.c.booked_on >= _FIRST_DAY,
            ledger_postings.c.booked_on <= _LAST_DAY,
        ),
    ).join(ledger_entries, ledger_entries.c.id == ledger_postings.c.entry_id)
)
# The accounts (one row each, its opening balance probed once) and their postings of the month
# (one row each), apart: joined in one select, the opening probe and the account's own lookups
# would run again for every posting.
_ACCOUNTS = union_all(
    _ACCOUNT_ROWS.where(household_accounts.c.household_id == _HOUSEHOLD),
    _POSTING_ROWS.where(household_accounts.c.household_id == _HOUSEHOLD),
)


def _accounts(rows: Sequence[Sequence[Any]]) -> list[AccountRow]:
    """The accounts in id order, each with its postings of the month in order."""
    heads: list[Sequence[Any]] = []
    postings: dict[int, list[PostingRow]] = {}
    for row in rows:
        if row[1] is not None:  # an account's row: it has a role
            heads.append(row)
        else:
            postings.setdefault(row[0], []).append(PostingRow(*row[9:16]))
    heads.sort(key=lambda head: head[0])
    return [
        AccountRow(
            head[0],
            head[1],
            head[2],
            head[3],
            head[4],
            head[5],
            head[6] or 0,
            head[7],
            head[8],
            tuple(sorted(postings.get(head[0], ()), key=lambda posting: posting.account_seq)),
        )
        for head in heads
    ]


def _lines(*conditions: Any) -> Any:
    return (
        select(
            literal_column("'obligation'", String).label("kind"),
            allocation_lines.c.month,
            allocation_lines.c.obligation_id.label("key"),
            allocation_lines.c.cost_type,
            creditors.c.name.label("creditor_name"),
            allocation_lines.c.need_cents,
            allocation_lines.c.reserved_cents.label("amount_cents"),
            allocation_lines.c.arrear_cents,
            allocation_lines.c.due_on.label("on"),
        )
        .select_from(
            allocation_lines.join(
                obligations, obligations.c.id == allocation_lines.c.obligation_id
            ).join(creditors, creditors.c.id == obligations.c.creditor_id)
        )
        .where(allocation_lines.c.household_id == _HOUSEHOLD, *conditions)
    )


def _parts(*conditions: Any) -> Any:
    return select(
        literal_column("'leefgeld'", String).label("kind"),
        leefgeld_parts.c.month,
        cast(leefgeld_parts.c.position, BigInteger).label("key"),
        cast(null(), String).label("cost_type"),
        cast(null(), String).label("creditor_name"),
        leefgeld_parts.c.amount_cents.label("need_cents"),
        leefgeld_parts.c.amount_cents,
        cast(literal_column("0"), BigInteger).label("arrear_cents"),
        leefgeld_parts.c.pay_on.label("on"),
    ).where(leefgeld_parts.c.household_id == _HOUSEHOLD, *conditions)


_LONGER_BILL = obligations.alias("longer_bill")
_STILL_DUE = (allocation_lines.c.due_on > _TODAY, allocation_lines.c.reserved_cents > 0)
_DUES = union_all(
    _lines(allocation_lines.c.month == _MONTH),
    # A monthly bill is reserved in its due month, so what is due after today stands in this
    # month or later: a short range whatever the history.
    _lines(allocation_lines.c.month >= _THIS_MONTH, *_STILL_DUE),
    # A quarterly or yearly bill is reserved over the months before its due month too. The
    # uncorrelated EXISTS is evaluated once, so a household with monthly bills only (the common
    # case) skips this range altogether.
    _lines(
        exists().where(
            _LONGER_BILL.c.household_id == _HOUSEHOLD,
            _LONGER_BILL.c.frequency != Frequency.MONTHLY.value,
        ),
        obligations.c.frequency != Frequency.MONTHLY.value,
        allocation_lines.c.month >= bindparam("earliest_month", type_=String),
        allocation_lines.c.month < _THIS_MONTH,
        *_STILL_DUE,
    ),
    _parts(leefgeld_parts.c.month == _MONTH),
    # A part is paid within its own month, so later parts stand in this month or after.
    _parts(leefgeld_parts.c.month >= _THIS_MONTH, leefgeld_parts.c.pay_on > _TODAY),
)


def _dues(rows: Sequence[Sequence[Any]]) -> list[DueRow]:
    """The month's allocation lines and leefgeld parts, and every one due after today; a line
    or part in both sets is returned once."""
    seen: set[tuple[str, str, int]] = set()
    found = []
    for row in rows:
        identity = (row[0], row[1], row[2])
        if identity in seen:
            continue
        seen.add(identity)
        found.append(
            DueRow(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], _as_date(row[8]))
        )
    return found


def _as_date(value: Any) -> date | None:
    # In a UNION SQLite hands back the stored text of a date; PostgreSQL a date.
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _date(value: Any) -> date:
    found = _as_date(value)
    assert found is not None
    return found


def _incomes(*conditions: Any) -> Any:
    return select(
        incomes.c.id,
        incomes.c.month,
        incomes.c.kind,
        incomes.c.received_on,
        incomes.c.gross_cents,
        incomes.c.vakantietoeslag_cents,
        incomes.c.allocated_month,
    ).where(incomes.c.household_id == _HOUSEHOLD, *conditions)


_INCOMES = union_all(
    _incomes(incomes.c.month == _MONTH), _incomes(incomes.c.allocated_month == _MONTH)
)


def _income_rows(rows: Sequence[Sequence[Any]]) -> list[IncomeRow]:
    """Income for the month, and income divided by the month's allocation (late income)."""
    found = {
        row[0]: IncomeRow(row[0], row[1], row[2], _date(row[3]), row[4], row[5], row[6])
        for row in rows
    }
    return sorted(found.values(), key=lambda income: (income.received_on, income.income_id))


def _payments(*conditions: Any) -> Any:
    return (
        select(
            payments.c.id,
            payments.c.source_key,
            payments.c.kind,
            payments.c.due_on,
            payments.c.amount_cents,
            payments.c.status,
            payments.c.return_reason,
            payments.c.payee_name,
            payment_runs.c.execution_on,
        )
        .select_from(payments.join(payment_runs, payment_runs.c.id == payments.c.run_id))
        .where(payments.c.household_id == _HOUSEHOLD, *conditions)
    )


def _month_due_date(aggregate: Any) -> Any:
    """The first (``func.min``) or last (``func.max``) due date of the month's allocation lines
    and leefgeld parts; NULL when the month has none (and then no payment is between them). Two
    scalar subqueries, each evaluated once: as a joined range PostgreSQL's generic plan scans all
    of the household's payments instead of a range of its index."""
    dates = union_all(
        select(allocation_lines.c.due_on.label("on")).where(
            allocation_lines.c.household_id == _HOUSEHOLD,
            allocation_lines.c.month == _MONTH,
            allocation_lines.c.due_on.is_not(None),
        ),
        select(leefgeld_parts.c.pay_on.label("on")).where(
            leefgeld_parts.c.household_id == _HOUSEHOLD, leefgeld_parts.c.month == _MONTH
        ),
    ).subquery()
    return select(aggregate(dates.c.on)).scalar_subquery()


_PAYMENTS = union_all(
    _payments(payments.c.due_on > _TODAY),
    _payments(
        payments.c.due_on >= _month_due_date(func.min),
        payments.c.due_on <= _month_due_date(func.max),
    ),
)


def _payment_rows(rows: Sequence[Sequence[Any]]) -> list[PaymentRow]:
    """Payments due between the month's first and last due date, and every one due after
    today."""
    found = {
        row[0]: PaymentRow(
            row[0], row[1], row[2], _date(row[3]), row[4], row[5], row[6], row[7], _date(row[8])
        )
        for row in rows
    }
    return sorted(found.values(), key=lambda payment: payment.payment_id)


_RECENT = (
    select(allocations.c.month, allocations.c.arrears_cents)
    .where(allocations.c.household_id == _HOUSEHOLD, allocations.c.month <= _THIS_MONTH)
    .order_by(allocations.c.month.desc())
    .limit(RECENT_MONTHS_MAX)
    .subquery()
)
_PROGRESS = union_all(
    select(
        literal_column("'milestone'", String).label("kind"),
        milestones.c.code.label("code"),
        milestones.c.achieved_on.label("on"),
        cast(null(), BigInteger).label("cents"),
    ).where(milestones.c.household_id == _HOUSEHOLD),
    select(
        literal_column("'allocation'", String).label("kind"),
        _RECENT.c.month.label("code"),
        cast(null(), Date).label("on"),
        _RECENT.c.arrears_cents.label("cents"),
    ),
)


def _progress(rows: Sequence[Sequence[Any]]) -> ProgressRows:
    """The milestones recorded, and the arrears of the most recent allocated months up to this
    month, newest first."""
    recorded = []
    arrears = []
    for kind, code, on, cents in rows:
        if kind == "milestone":
            recorded.append((code, _date(on)))
        else:
            arrears.append((code, int(cents)))
    arrears.sort(reverse=True)
    return ProgressRows(tuple(recorded), tuple(arrears))


#: The six queries, in the order ``statement_rows`` reads them.
_QUERIES = (_HEADER, _ACCOUNTS, _DUES, _INCOMES, _PAYMENTS, _PROGRESS)


def statement_rows(
    connection: Connection, household_id: int, month: Month, today: date
) -> StatementRows:
    """The rows of ``month``'s statement as they stand on ``today``: six queries at once."""
    this_month = Month.of(today)
    parameters = {
        "household_id": household_id,
        "month": str(month),
        "today": today,
        "this_month": str(this_month),
        "earliest_month": str(this_month.plus(1 - RESERVATION_MONTHS_MAX)),
        "first_day": month.first_day,
        "last_day": month.last_day,
    }
    results: Sequence[Sequence[Sequence[Any]]]
    if connection.dialect.name != "postgresql":
        results = [connection.execute(query, parameters).all() for query in _QUERIES]
    elif not in_autocommit_on_postgresql(connection):
        # Inside the caller's transaction: the generic plans for the rest of it (see _PIPELINE).
        connection.exec_driver_sql("SET LOCAL plan_cache_mode = force_generic_plan")
        results = [connection.execute(query, parameters).all() for query in _QUERIES]
    else:
        results = _pipelined(connection, parameters)
    header_rows, account_rows, due_rows, income_rows, payment_rows, progress_rows = results
    return StatementRows(
        header=_header(header_rows, household_id),
        accounts=_accounts(account_rows),
        dues=_dues(due_rows),
        incomes=_income_rows(income_rows),
        payments=_payment_rows(payment_rows),
        progress=_progress(progress_rows),
    )


#: The six queries as psycopg takes them, compiled once.
_DRIVER_QUERIES = tuple(DriverStatement(query) for query in _QUERIES)

#: How the round trip begins: one read-only REPEATABLE READ transaction, so the statement is read
#: from one snapshot, with the prepared queries' generic plans (``plan_cache_mode``, for this
#: transaction only). Left to itself PostgreSQL plans ``_ACCOUNTS``, ``_DUES`` and ``_PAYMENTS``
#: anew on every execution (their generic plan looks dearer to the estimator, which has no values
#: for the month's date range), about 2 ms of its CPU per statement, while the generic plan is the
#: same index walk (measured on the benchmark's database: 2.4-3.4 ms of server CPU per statement
#: before, 0.7-1.2 ms after).
_PIPELINE = (
    "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY",
    "SET LOCAL plan_cache_mode = force_generic_plan",
)


def _pipelined(connection: Connection, parameters: dict[str, Any]) -> list[list[Any]]:
    """The six queries in one transaction on the connection's driver connection (in autocommit,
    so no transaction of SQLAlchemy's is open on it): BEGIN, the queries and COMMIT go to the
    server in one write and their answers come back in one read."""
    return read_in_one_round_trip(connection, _DRIVER_QUERIES, parameters, begin=_PIPELINE)


@dataclass(frozen=True, slots=True)
class StatementMonthRow:
    month: str
    phase: int
    income_cents: int
    reserved_cents: int
    arrears_cents: int
    leefgeld_cents: int
    allocated_on: date


def statement_months_of(
    connection: Connection, household_id: int, *, before: Month | None, limit: int
) -> list[StatementMonthRow]:
    """The months with a statement (an allocation), newest first, before ``before`` when given."""
    query = (
        select(
            allocations.c.month,
            allocations.c.phase,
            allocations.c.income_cents,
            allocations.c.reserved_cents,
            allocations.c.arrears_cents,
            allocations.c.leefgeld_cents,
            allocations.c.allocated_on,
        )
        .where(allocations.c.household_id == household_id)
        .order_by(allocations.c.month.desc())
        .limit(limit)
    )
    if before is not None:
        query = query.where(allocations.c.month < str(before))
    return [
        StatementMonthRow(
            row.month,
            row.phase,
            row.income_cents,
            row.reserved_cents,
            row.arrears_cents,
            row.leefgeld_cents,
            row.allocated_on,
        )
        for row in connection.execute(query)
    ]
