"""The rows behind a household's monthly statement (maandoverzicht), in six queries.

Every query is an index lookup or an index range scan bounded by the month asked for (or by
today, for what comes next), so a statement costs the same after one month of history as after
sixty:
1. ``header_of``: the household, its municipality's policy, its kredietbank, the month's
   allocation and the phase in force today (primary keys, ``ix_phase_changes_household_id``);
2. ``accounts_of``: the household's ledger accounts with the balance at the start of the month
   (one probe of ``ix_ledger_postings_account_booked`` each) and the month's postings (a range
   scan of the same index per account);
3. ``dues_of``: the month's allocation lines and leefgeld parts, and those due after today
   (primary-key ranges of ``allocation_lines`` and ``leefgeld_parts`` from today's month on;
   for quarterly and yearly bills, a probe per such obligation over the twelve months before);
4. ``incomes_of``: the income for the month or divided in it (two index lookups on ``incomes``);
5. ``payments_of``: the payments due in the month's date range or after today
   (``ix_payments_household_id_due_on``);
6. ``progress_of``: the milestones recorded and the last few allocations' arrears (unique index
   on ``milestones``, primary key of ``allocations``).
Read-only: nothing here writes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (
    BigInteger,
    Connection,
    Date,
    Integer,
    String,
    and_,
    bindparam,
    cast,
    exists,
    literal_column,
    null,
    select,
    union_all,
)

from ledger.schema import accounts as ledger_accounts
from ledger.schema import entries as ledger_entries
from ledger.schema import postings as ledger_postings
from ontzorgen.arrangement import Arrangement, Decision, LegalBasis
from ontzorgen.months import Month
from ontzorgen.obligations import Frequency
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


_AUTOCOMMIT = "AUTOCOMMIT"
# In one statement (simple query protocol, no parameters): one round trip.
_BEGIN_SNAPSHOT = (
    "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY; "
    "SET LOCAL plan_cache_mode = force_generic_plan"
)


@contextmanager
def statement_reading(connection: Connection) -> Iterator[None]:
    """Around the six queries of a statement. On PostgreSQL the prepared queries run with their
    generic plan (``plan_cache_mode = force_generic_plan``, for this transaction only): left to
    itself the server plans ``_ACCOUNTS``, ``_DUES`` and ``_PAYMENTS`` anew on every execution
    (their generic plan looks dearer to the estimator, which has no values for the month's date
    range), about 2 ms of its CPU per statement, while the generic plan is the same index walk
    (measured on the benchmark's database: 2.4-3.4 ms of server CPU per statement before, 0.7-1.2
    ms after). On a connection in autocommit (the API's request connection) the queries also get
    one read-only REPEATABLE READ transaction, so the statement is read from one snapshot; inside
    a caller's transaction the setting is only added to it. SQLite: nothing to do."""
    if connection.dialect.name != "postgresql":
        yield
        return
    if connection.get_execution_options().get("isolation_level") != _AUTOCOMMIT:
        connection.exec_driver_sql("SET LOCAL plan_cache_mode = force_generic_plan")
        yield
        return
    connection.exec_driver_sql(_BEGIN_SNAPSHOT)
    try:
        yield
    except BaseException:
        with suppress(Exception):
            connection.exec_driver_sql("ROLLBACK")
        raise
    connection.exec_driver_sql("COMMIT")


# The statements are built once, with bound parameters: building and keying a statement of this
# size costs more Python than reading its rows, and one SQL text per statement lets the driver
# prepare it on the server.
_HOUSEHOLD = bindparam("household_id", type_=BigInteger)
_MONTH = bindparam("month", type_=String)
_TODAY = bindparam("today", type_=Date)

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


def header_of(
    connection: Connection, household_id: int, month: Month, today: date
) -> HeaderRow | None:
    row = connection.execute(
        _HEADER, {"household_id": household_id, "month": str(month), "today": today}
    ).one_or_none()
    if row is None:
        return None
    mapping = row._mapping
    allocation = (
        None
        if mapping["allocation_month"] is None
        else AllocationRow(
            **{name: mapping[f"allocation_{name}"] for name in AllocationRow.__slots__}
        )
    )
    arrangement = (
        None
        if mapping["arrangement_household_id"] is None
        else Arrangement(
            household_id=household_id,
            legal_basis=LegalBasis(mapping["arrangement_legal_basis"]),
            bijstand_start_on=mapping["arrangement_bijstand_start_on"],
            machtiging_signed_on=mapping["arrangement_machtiging_signed_on"],
            decision=Decision(
                mapping["arrangement_decided_on"],
                mapping["arrangement_decided_by"],
                mapping["arrangement_decision_reference"],
            ),
            pip_end_on=mapping["arrangement_pip_end_on"],
            bijstand_end_on=mapping["arrangement_bijstand_end_on"],
            ended_on=mapping["arrangement_ended_on"],
        )
    )
    return HeaderRow(
        household_id=row.id,
        household_name=row.name,
        language=row.language,
        leefgeld_account_holder=row.leefgeld_account_holder,
        municipality_id=row.municipality_id,
        policy_json=row.policy,
        kredietbank_id=row.kredietbank_id,
        kredietbank_name=row.kredietbank_name,
        current_phase=row.current_phase,
        arrangement=arrangement,
        allocation=allocation,
    )


_FIRST_DAY = bindparam("first_day", type_=Date)
_LAST_DAY = bindparam("last_day", type_=Date)
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
_ACCOUNTS = (
    select(
        household_accounts.c.account_id,
        household_accounts.c.role,
        household_accounts.c.obligation_id,
        ledger_accounts.c.kind,
        ledger_accounts.c.name,
        ledger_accounts.c.balance_cents,
        _OPENING.label("opening_cents"),
        obligations.c.cost_type,
        creditors.c.name.label("creditor_name"),
        ledger_postings.c.account_seq,
        ledger_postings.c.booked_on,
        ledger_postings.c.direction,
        ledger_postings.c.amount_cents,
        ledger_postings.c.balance_after_cents,
        ledger_postings.c.entry_id,
        ledger_entries.c.description,
    )
    .select_from(
        household_accounts.join(
            ledger_accounts, ledger_accounts.c.id == household_accounts.c.account_id
        )
        .outerjoin(obligations, obligations.c.id == household_accounts.c.obligation_id)
        .outerjoin(creditors, creditors.c.id == obligations.c.creditor_id)
        .outerjoin(
            ledger_postings,
            and_(
                ledger_postings.c.account_id == household_accounts.c.account_id,
                ledger_postings.c.booked_on >= _FIRST_DAY,
                ledger_postings.c.booked_on <= _LAST_DAY,
            ),
        )
        .outerjoin(ledger_entries, ledger_entries.c.id == ledger_postings.c.entry_id)
    )
    .where(household_accounts.c.household_id == _HOUSEHOLD)
    .order_by(household_accounts.c.account_id, ledger_postings.c.account_seq)
)


def accounts_of(connection: Connection, household_id: int, month: Month) -> list[AccountRow]:
    rows = connection.execute(
        _ACCOUNTS,
        {"household_id": household_id, "first_day": month.first_day, "last_day": month.last_day},
    ).all()
    found: dict[int, AccountRow] = {}
    postings: dict[int, list[PostingRow]] = {}
    for row in rows:
        if row.account_id not in found:
            found[row.account_id] = AccountRow(
                account_id=row.account_id,
                role=row.role,
                obligation_id=row.obligation_id,
                kind=row.kind,
                name=row.name,
                balance_cents=row.balance_cents,
                opening_cents=row.opening_cents or 0,
                cost_type=row.cost_type,
                creditor_name=row.creditor_name,
                postings=(),
            )
            postings[row.account_id] = []
        if row.account_seq is not None:
            postings[row.account_id].append(
                PostingRow(
                    account_seq=row.account_seq,
                    booked_on=row.booked_on,
                    direction=row.direction,
                    amount_cents=row.amount_cents,
                    balance_after_cents=row.balance_after_cents,
                    entry_id=row.entry_id,
                    description=row.description,
                )
            )
    return [
        AccountRow(**{**_fields(account), "postings": tuple(postings[account_id])})
        for account_id, account in found.items()
    ]


def _fields(account: AccountRow) -> dict[str, Any]:
    return {name: getattr(account, name) for name in AccountRow.__slots__}


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


_THIS_MONTH = bindparam("this_month", type_=String)
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


def dues_of(connection: Connection, household_id: int, month: Month, today: date) -> list[DueRow]:
    """The month's allocation lines and leefgeld parts, and every one due after ``today``.

    A line or part can be in both sets; it is returned once.
    """
    this_month = Month.of(today)
    parameters = {
        "household_id": household_id,
        "month": str(month),
        "today": today,
        "this_month": str(this_month),
        "earliest_month": str(this_month.plus(1 - RESERVATION_MONTHS_MAX)),
    }
    seen: set[tuple[str, str, int]] = set()
    found = []
    for row in connection.execute(_DUES, parameters):
        identity = (row.kind, row.month, row.key)
        if identity in seen:
            continue
        seen.add(identity)
        found.append(
            DueRow(
                kind=row.kind,
                month=row.month,
                key=row.key,
                cost_type=row.cost_type,
                creditor_name=row.creditor_name,
                need_cents=row.need_cents,
                amount_cents=row.amount_cents,
                arrear_cents=row.arrear_cents,
                on=_as_date(row.on),
            )
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


def incomes_of(connection: Connection, household_id: int, month: Month) -> list[IncomeRow]:
    """Income for the month, and income divided by the month's allocation (late income)."""
    found: dict[int, IncomeRow] = {}
    for row in connection.execute(_INCOMES, {"household_id": household_id, "month": str(month)}):
        found[row.id] = IncomeRow(
            income_id=row.id,
            month=row.month,
            kind=row.kind,
            received_on=_date(row.received_on),
            gross_cents=row.gross_cents,
            vakantietoeslag_cents=row.vakantietoeslag_cents,
            allocated_month=row.allocated_month,
        )
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


_PAYMENTS = union_all(
    _payments(payments.c.due_on > _TODAY),
    _payments(
        payments.c.due_on >= bindparam("due_from", type_=Date),
        payments.c.due_on <= bindparam("due_to", type_=Date),
    ),
)
#: An empty range, for a month without due dates.
_NO_DATES = (date.max, date.min)


def payments_of(
    connection: Connection,
    household_id: int,
    due_between: tuple[date, date] | None,
    today: date,
) -> list[PaymentRow]:
    """Payments due between the two dates (both included), and every payment due after today."""
    due_from, due_to = due_between or _NO_DATES
    parameters = {
        "household_id": household_id,
        "today": today,
        "due_from": due_from,
        "due_to": due_to,
    }
    found: dict[int, PaymentRow] = {}
    for row in connection.execute(_PAYMENTS, parameters):
        found[row.id] = PaymentRow(
            payment_id=row.id,
            source_key=row.source_key,
            kind=row.kind,
            due_on=_date(row.due_on),
            amount_cents=row.amount_cents,
            status=row.status,
            return_reason=row.return_reason,
            payee_name=row.payee_name,
            execution_on=_date(row.execution_on),
        )
    return sorted(found.values(), key=lambda payment: payment.payment_id)


_RECENT = (
    select(allocations.c.month, allocations.c.arrears_cents)
    .where(
        allocations.c.household_id == _HOUSEHOLD,
        allocations.c.month <= bindparam("up_to", type_=String),
    )
    .order_by(allocations.c.month.desc())
    .limit(bindparam("month_count", type_=Integer))
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


def progress_of(
    connection: Connection, household_id: int, up_to: Month, month_count: int
) -> ProgressRows:
    """The milestones recorded, and the arrears of the last ``month_count`` allocated months up
    to ``up_to``, newest first (enough to count the months without arrears that policy asks)."""
    parameters = {
        "household_id": household_id,
        "up_to": str(up_to),
        "month_count": max(month_count, 1),
    }
    recorded = []
    arrears = []
    for row in connection.execute(_PROGRESS, parameters):
        if row.kind == "milestone":
            recorded.append((row.code, _date(row.on)))
        else:
            arrears.append((row.code, int(row.cents)))
    arrears.sort(reverse=True)
    return ProgressRows(tuple(recorded), tuple(arrears[:month_count]))


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
