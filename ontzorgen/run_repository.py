"""Storage of payment runs, payments, payment files and bank statement imports."""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    DateTime,
    String,
    Text,
    and_,
    bindparam,
    case,
    cast,
    func,
    insert,
    intersect,
    literal,
    null,
    select,
    text,
    true,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError

from ledger.database import among
from ledger.model import AccountId, EntryId
from ledger.money import Money
from ontzorgen.accounts import NO_OBLIGATION, AccountRole
from ontzorgen.households import Address
from ontzorgen.runs import (
    LEEFGELD_SOURCE,
    OBLIGATION_SOURCE,
    PaymentKind,
    PaymentStatus,
    PaymentWithoutAccount,
    RunStatus,
    end_to_end_id_prefix,
)
from ontzorgen.tables import (
    allocation_lines,
    creditors,
    household_accounts,
    households,
    leefgeld_parts,
    municipalities,
    obligations,
    payment_files,
    payment_runs,
    payments,
    signals,
    statement_imports,
    statement_lines,
)

#: Memory for each sort of a run's transaction (see ``RunRepository.make_room_for_a_run``).
RUN_WORK_MEM = "64MB"


@dataclass(frozen=True, slots=True)
class RunRecord:
    run_id: int
    municipality_id: int
    execution_on: date
    status: RunStatus
    prepared_by: str
    approved_by: str | None
    executed_by: str | None
    held_back: dict[str, str]


@dataclass(frozen=True, slots=True)
class PaymentRecord:
    payment_id: int
    run_id: int
    source_key: str
    household_id: int
    kind: PaymentKind
    obligation_id: int | None
    creditor_id: int | None
    cost_type: str | None
    due_on: date
    amount: Money
    payee_name: str
    payee_iban: str
    payee_bic: str | None
    reference_kind: str
    reference: str
    end_to_end_id: str
    status: PaymentStatus
    entry_id: EntryId | None


@dataclass(frozen=True, slots=True)
class OutgoingPayment:
    """What executing a run needs of one of its payments: the transfer for the payment file and
    the two ledger accounts it moves money between (``RunRepository.outgoing_payments``)."""

    payment_id: int
    end_to_end_id: str
    amount_cents: int
    creditor_id: int | None
    payee_name: str
    payee_iban: str
    payee_bic: str | None
    reference_kind: str
    reference: str
    #: The obligation's reserve for a creditor payment, the leefgeld account for leefgeld.
    paid_from: AccountId
    #: The household's funds, where the money goes on its way out.
    funds: AccountId


@dataclass(frozen=True, slots=True)
class BankAccount:
    holder: str
    iban: str
    bic: str | None


def _run(row: Any) -> RunRecord:
    return RunRecord(
        row.id,
        row.municipality_id,
        row.execution_on,
        RunStatus(row.status),
        row.prepared_by,
        row.approved_by,
        row.executed_by,
        json.loads(row.held_back),
    )


#: The columns a ``PaymentRecord`` is made of, in the order of its fields.
_PAYMENT_COLUMNS = (
    payments.c.id,
    payments.c.run_id,
    payments.c.source_key,
    payments.c.household_id,
    payments.c.kind,
    payments.c.obligation_id,
    payments.c.creditor_id,
    payments.c.cost_type,
    payments.c.due_on,
    payments.c.amount_cents,
    payments.c.payee_name,
    payments.c.payee_iban,
    payments.c.payee_bic,
    payments.c.reference_kind,
    payments.c.reference,
    payments.c.end_to_end_id,
    payments.c.status,
    payments.c.entry_id,
)
_PAYMENT_KINDS = {kind.value: kind for kind in PaymentKind}
_PAYMENT_STATUSES = {status.value: status for status in PaymentStatus}


def _payment(row: Any) -> PaymentRecord:
    """A record from a row of ``_PAYMENT_COLUMNS``; a run reads tens of thousands of them."""
    (
        payment_id,
        run_id,
        source_key,
        household_id,
        kind,
        obligation_id,
        creditor_id,
        cost_type,
        due_on,
        amount_cents,
        payee_name,
        payee_iban,
        payee_bic,
        reference_kind,
        reference,
        end_to_end_id,
        status,
        entry_id,
    ) = row
    return PaymentRecord(
        payment_id,
        run_id,
        source_key,
        household_id,
        _PAYMENT_KINDS[kind],
        obligation_id,
        creditor_id,
        cost_type,
        due_on,
        Money(amount_cents),
        payee_name,
        payee_iban,
        payee_bic,
        reference_kind,
        reference,
        end_to_end_id,
        _PAYMENT_STATUSES[status],
        None if entry_id is None else EntryId(entry_id),
    )


#: Sets lz4 as the compression of the values this transaction stores, where the server has it.
LZ4_FOR_THIS_TRANSACTION = text(
    "SELECT set_config('default_toast_compression', 'lz4', true) FROM pg_settings "
    "WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)"
)
_PAYMENT_FILES_OF = (
    "SELECT message_id, payment_count, control_sum_cents, content, sha256 FROM payment_files "
    "WHERE run_id = %s ORDER BY position"
)

#: Values per ``IN (...)`` list on SQLite; PostgreSQL gets one array parameter instead.
IN_LIST_VALUES_MAX = 5000


class RunRepository:
    def __init__(self, connection: Connection, now: Callable[[], datetime]) -> None:
        self._connection = connection
        self._now = now
        self._postgresql = connection.dialect.name == "postgresql"

    def _among(self, column: Any, values: Sequence[Any]) -> ColumnElement[bool]:
        return among(self._connection, column, values)

    def _chunks(self, values: Sequence[Any]) -> list[list[Any]]:
        size = max(len(values), 1) if self._postgresql else IN_LIST_VALUES_MAX
        return [list(values[start : start + size]) for start in range(0, len(values), size)]

    def _copy(self, table_name: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Stream rows into a PostgreSQL table with ``COPY``: many times faster than inserts."""
        statement = f"COPY {table_name} ({', '.join(columns)}) FROM STDIN"
        cursor = self._connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        dbapi_error = self._connection.dialect.loaded_dbapi.Error
        try:
            with cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)
        except dbapi_error as error:
            # Wrapped as SQLAlchemy wraps driver errors on execute, so callers see one kind.
            wrapped = DBAPIError.instance(
                statement, None, error, dbapi_error, dialect=self._connection.dialect
            )
            raise wrapped from error

    def _driver_rows(
        self, statement: str, parameters: Sequence[Any], *, binary: bool = False
    ) -> list[tuple[Any, ...]]:
        """Run a statement on the driver's own cursor (PostgreSQL) and fetch all its rows."""
        driver_connection = self._connection.connection.driver_connection
        dbapi_error = self._connection.dialect.loaded_dbapi.Error
        try:
            with driver_connection.cursor(binary=binary) as cursor:  # type: ignore[union-attr]
                cursor.execute(statement, parameters)
                rows: list[tuple[Any, ...]] = cursor.fetchall()
                return rows
        except dbapi_error as error:
            wrapped = DBAPIError.instance(
                statement, None, error, dbapi_error, dialect=self._connection.dialect
            )
            raise wrapped from error

    # -- the municipality's account -------------------------------------------------------------

    def set_bank_account(self, municipality_id: int, account: BankAccount) -> None:
        self._connection.execute(
            update(municipalities)
            .where(municipalities.c.id == municipality_id)
            .values(
                bank_account_holder=account.holder, bank_iban=account.iban, bank_bic=account.bic
            )
        )

    def bank_account(self, municipality_id: int) -> BankAccount | None:
        row = self._connection.execute(
            select(
                municipalities.c.bank_account_holder,
                municipalities.c.bank_iban,
                municipalities.c.bank_bic,
            ).where(municipalities.c.id == municipality_id)
        ).one_or_none()
        if row is None or row.bank_iban is None:
            return None
        return BankAccount(row.bank_account_holder, row.bank_iban, row.bank_bic)

    # -- runs -----------------------------------------------------------------------------------

    def lock_municipality(self, municipality_id: int) -> bool:
        """Lock the municipality's row: preparing its runs happens one at a time."""
        found = self._connection.execute(
            select(municipalities.c.id)
            .where(municipalities.c.id == municipality_id)
            .with_for_update()
        ).scalar()
        return found is not None

    def find_run(self, municipality_id: int, execution_on: date) -> RunRecord | None:
        row = self._connection.execute(
            select(payment_runs).where(
                payment_runs.c.municipality_id == municipality_id,
                payment_runs.c.execution_on == execution_on,
            )
        ).one_or_none()
        return None if row is None else _run(row)

    def get_run(self, run_id: int, *, lock: bool = False) -> RunRecord | None:
        query = select(payment_runs).where(payment_runs.c.id == run_id)
        if lock:
            # Serialises approving and executing the same run across processes (PostgreSQL);
            # SQLite's BEGIN IMMEDIATE already holds the whole database.
            query = query.with_for_update()
        row = self._connection.execute(query).one_or_none()
        return None if row is None else _run(row)

    def add_run(
        self, municipality_id: int, execution_on: date, actor: str, held_back: dict[str, str]
    ) -> int:
        result = self._connection.execute(
            insert(payment_runs).values(
                municipality_id=municipality_id,
                execution_on=execution_on,
                status=RunStatus.PREPARED.value,
                prepared_by=actor,
                prepared_at=self._now(),
                held_back=json.dumps(held_back, sort_keys=True),
            )
        )
        return int(result.inserted_primary_key[0])  # type: ignore[index]

    def approve_run(self, run_id: int, actor: str) -> None:
        self._connection.execute(
            update(payment_runs)
            .where(payment_runs.c.id == run_id)
            .values(status=RunStatus.APPROVED.value, approved_by=actor, approved_at=self._now())
        )

    def mark_executed(self, run_id: int, actor: str) -> None:
        self._connection.execute(
            update(payment_runs)
            .where(payment_runs.c.id == run_id)
            .values(status=RunStatus.EXECUTED.value, executed_by=actor, executed_at=self._now())
        )

    # -- what is due ----------------------------------------------------------------------------

    def make_room_for_a_run(self) -> None:
        """Give this transaction's sorts and trigger row sets room for a whole run (PostgreSQL).

        A run's statements sort, or hand a trigger, some 40,000 payment rows of up to 500 bytes.
        With the server's default of 4 MB each of them spills to a temporary file; with
        ``RUN_WORK_MEM`` they stay in memory. ``SET LOCAL``: it ends with the transaction.
        """
        if self._postgresql:
            self._connection.execute(text(f"SET LOCAL work_mem = '{RUN_WORK_MEM}'"))

    def plan_payments(
        self,
        run_id: int,
        municipality_id: int,
        due_days: Sequence[date],
        held_back: Collection[int],
    ) -> int:
        """Plan, in one statement, every payment of the municipality due on one of ``due_days``
        that no run has planned yet; returns how many.

        - a creditor payment per obligation and due date: the money its allocation lines reserved
          (``allocation_lines.reserved_cents > 0``), to the obligation's creditor, with its
          reference; its source key is ``obligation_source_key``;
        - a leefgeld payment per leefgeld part paid on one of the days, to the household's own
          account; its source key is ``leefgeld_source_key``;
        - the households in ``held_back`` are left out (on PostgreSQL their ids go as one array,
          however many there are);
        - a source key that a run planned before is left out by its unique index
          (``ON CONFLICT DO NOTHING``): probed once per row, so the statement's cost never depends
          on the planner's guess of how many payments exist. An anti-join against ``payments``
          would: with statistics taken while the table was still empty, PostgreSQL chose a nested
          loop over the whole table for every due payment, minutes instead of a second.

        The due payments are numbered from 1: creditor payments by household, obligation and due
        date, then leefgeld by household and payment day. Number ``n`` gets
        ``end_to_end_id(run_id, n)``, and the ids follow the numbers; a payment left out because an
        earlier run planned it leaves its number unused. The rows never leave the database: a run
        of 40,000 payments is one statement instead of 40,000 rows read and copied back.
        """
        if not due_days:
            return 0
        days = list(due_days)
        held_back_ids = sorted(held_back)
        reserved = cast(func.sum(allocation_lines.c.reserved_cents), BigInteger)
        creditor_dues = (
            select(
                literal(0).label("part"),
                (
                    literal(f"{OBLIGATION_SOURCE}:")
                    + cast(allocation_lines.c.obligation_id, String)
                    + ":"
                    + self._iso_day(allocation_lines.c.due_on)
                ).label("source_key"),
                obligations.c.household_id,
                literal(PaymentKind.CREDITOR.value).label("kind"),
                allocation_lines.c.obligation_id,
                obligations.c.creditor_id,
                obligations.c.cost_type,
                allocation_lines.c.due_on,
                reserved.label("amount_cents"),
                creditors.c.name.label("payee_name"),
                creditors.c.iban.label("payee_iban"),
                creditors.c.bic.label("payee_bic"),
                obligations.c.reference_kind,
                obligations.c.reference,
            )
            .select_from(
                allocation_lines.join(
                    obligations, obligations.c.id == allocation_lines.c.obligation_id
                )
                .join(households, households.c.id == obligations.c.household_id)
                .join(creditors, creditors.c.id == obligations.c.creditor_id)
            )
            .where(
                households.c.municipality_id == municipality_id,
                allocation_lines.c.due_on.in_(days),
                allocation_lines.c.reserved_cents > 0,
                ~self._among(obligations.c.household_id, held_back_ids),
            )
            .group_by(
                obligations.c.household_id,
                allocation_lines.c.obligation_id,
                obligations.c.creditor_id,
                obligations.c.cost_type,
                allocation_lines.c.due_on,
                creditors.c.name,
                creditors.c.iban,
                creditors.c.bic,
                obligations.c.reference_kind,
                obligations.c.reference,
            )
        )
        leefgeld_dues = (
            select(
                literal(1).label("part"),
                (
                    literal(f"{LEEFGELD_SOURCE}:")
                    + cast(leefgeld_parts.c.household_id, String)
                    + ":"
                    + leefgeld_parts.c.month
                    + ":"
                    + cast(leefgeld_parts.c.position, String)
                ).label("source_key"),
                leefgeld_parts.c.household_id,
                literal(PaymentKind.LEEFGELD.value).label("kind"),
                null().label("obligation_id"),
                null().label("creditor_id"),
                null().label("cost_type"),
                leefgeld_parts.c.pay_on.label("due_on"),
                leefgeld_parts.c.amount_cents,
                households.c.leefgeld_account_holder.label("payee_name"),
                households.c.leefgeld_iban.label("payee_iban"),
                null().label("payee_bic"),
                literal("text").label("reference_kind"),
                (literal("Leefgeld ") + leefgeld_parts.c.month).label("reference"),
            )
            .select_from(
                leefgeld_parts.join(households, households.c.id == leefgeld_parts.c.household_id)
            )
            .where(
                households.c.municipality_id == municipality_id,
                leefgeld_parts.c.pay_on.in_(days),
                ~self._among(leefgeld_parts.c.household_id, held_back_ids),
            )
        )
        due = union_all(creditor_dues, leefgeld_dues).subquery("due")
        numbered = select(
            due,
            func.row_number()
            .over(
                order_by=(
                    due.c.part,
                    due.c.household_id,
                    due.c.obligation_id,
                    due.c.due_on,
                    due.c.source_key,
                )
            )
            .label("number"),
        ).subquery("numbered")
        columns = (
            "source_key",
            "household_id",
            "kind",
            "obligation_id",
            "creditor_id",
            "cost_type",
            "due_on",
            "amount_cents",
            "payee_name",
            "payee_iban",
            "payee_bic",
            "reference_kind",
            "reference",
        )
        planned = (
            select(
                *(numbered.c[column] for column in columns),
                literal(run_id).label("run_id"),
                (literal(end_to_end_id_prefix(run_id)) + cast(numbered.c.number, String)).label(
                    "end_to_end_id"
                ),
                literal(PaymentStatus.PLANNED.value).label("status"),
            )
            # SQLite needs a WHERE before ON CONFLICT to tell it from a join's ON.
            .where(true())
            # Inserted in their numbers' order, so the sequence gives the ids in that order too.
            .order_by(numbered.c.number)
        )
        insert_into = postgresql_insert if self._postgresql else sqlite_insert
        # The due payments are sorted twice: to number them, then to insert them in that order.
        self.make_room_for_a_run()
        result = self._connection.execute(
            insert_into(payments)
            .from_select([*columns, "run_id", "end_to_end_id", "status"], planned)
            .on_conflict_do_nothing(index_elements=["source_key"]),
            # An INSERT's row count is kept only when asked for.
            execution_options={"preserve_rowcount": True},
        )
        return int(result.rowcount)

    def _iso_day(self, column: Any) -> ColumnElement[str]:
        """A date as ``YYYY-MM-DD`` text, whatever the server's DateStyle (SQLite keeps it so)."""
        if self._postgresql:
            # As a timestamp without time zone: the session's time zone plays no part.
            return func.to_char(cast(column, DateTime()), "YYYY-MM-DD")
        return cast(column, String)

    def households_with_open_signals(
        self, municipality_id: int, kinds: Sequence[str]
    ) -> dict[int, list[str]]:
        rows = self._connection.execute(
            select(signals.c.household_id, signals.c.kind)
            .select_from(signals.join(households, households.c.id == signals.c.household_id))
            .where(
                households.c.municipality_id == municipality_id,
                signals.c.status == "open",
                signals.c.kind.in_(list(kinds)),
            )
        ).all()
        found: dict[int, list[str]] = {}
        for row in rows:
            found.setdefault(row.household_id, []).append(row.kind)
        return found

    def outgoing_payments(self, run_id: int) -> list[OutgoingPayment]:
        """Every payment of the run in id order, with the accounts it is paid from and to.

        A creditor payment is paid from its obligation's reserve, leefgeld from the leefgeld
        account; both go to the household's funds. One read, joined in the database: a run of
        32,000 payments reads 32,000 rows, not its payments and then the 190,000 accounts of its
        households. Each join is on the whole primary key of ``household_accounts``, so whatever
        the planner chooses, it never reads more than the run's accounts or the table once. The
        joins are outer joins: a payment whose household lacks an account is refused with
        ``PaymentWithoutAccount``, never left out.
        """
        source = household_accounts.alias("source")
        funds = household_accounts.alias("funds")
        source_role = case(
            (payments.c.kind == PaymentKind.CREDITOR.value, AccountRole.RESERVE.value),
            else_=AccountRole.LEEFGELD.value,
        )
        rows = self._connection.execute(
            select(
                payments.c.id,
                payments.c.end_to_end_id,
                payments.c.amount_cents,
                payments.c.creditor_id,
                payments.c.payee_name,
                payments.c.payee_iban,
                payments.c.payee_bic,
                payments.c.reference_kind,
                payments.c.reference,
                source.c.account_id,
                funds.c.account_id,
            )
            .select_from(
                payments.outerjoin(
                    source,
                    and_(
                        source.c.household_id == payments.c.household_id,
                        source.c.role == source_role,
                        source.c.obligation_id
                        == func.coalesce(payments.c.obligation_id, NO_OBLIGATION),
                    ),
                ).outerjoin(
                    funds,
                    and_(
                        funds.c.household_id == payments.c.household_id,
                        funds.c.role == AccountRole.FUNDS.value,
                        funds.c.obligation_id == NO_OBLIGATION,
                    ),
                )
            )
            .where(payments.c.run_id == run_id)
            .order_by(payments.c.id)
        ).tuples()
        found = []
        for row in rows.all():
            if row[9] is None or row[10] is None:
                raise PaymentWithoutAccount(row[0], row[1])
            found.append(OutgoingPayment(*row))
        return found

    def creditor_addresses(self, creditor_ids: Sequence[int]) -> dict[int, Address]:
        rows = self._connection.execute(
            select(
                creditors.c.id,
                creditors.c.street,
                creditors.c.building_number,
                creditors.c.postcode,
                creditors.c.town,
                creditors.c.country,
            ).where(creditors.c.id.in_(list(creditor_ids)))
        ).all()
        return {
            r.id: Address(r.street, r.building_number, r.postcode, r.town, r.country) for r in rows
        }

    # -- payments -------------------------------------------------------------------------------

    def payment_tallies(self, run_id: int) -> list[tuple[str, str | None, int, int]]:
        """``(payee, cost type, count, total cents)`` for each payee and cost type of a run."""
        rows = self._connection.execute(
            select(
                payments.c.payee_name,
                payments.c.cost_type,
                func.count(),
                func.sum(payments.c.amount_cents),
            )
            .where(payments.c.run_id == run_id)
            .group_by(payments.c.payee_name, payments.c.cost_type)
        ).tuples()
        return [
            (payee, cost_type, int(count), int(cents)) for payee, cost_type, count, cents in rows
        ]

    def households_of_run_with_open_signals(self, run_id: int, kinds: Sequence[str]) -> list[int]:
        """The households with a payment in the run and an open signal of one of ``kinds``, in
        order: a few rows, where the run's household ids are tens of thousands.

        An ``INTERSECT`` of the two lists, not a join: it reads each list once, whatever the
        planner's statistics say. As a join, with statistics taken before the run's payments
        existed, it probed all of a run's payments once for every open signal (1.6 s for 3,186
        signals and a run of 32,836 payments).
        """
        with_open_signals = select(signals.c.household_id).where(
            signals.c.status == "open", signals.c.kind.in_(list(kinds))
        )
        in_run = select(payments.c.household_id).where(payments.c.run_id == run_id)
        both = intersect(with_open_signals, in_run).subquery()
        return list(
            self._connection.execute(select(both.c.household_id).order_by(both.c.household_id))
            .scalars()
            .all()
        )

    def payments_of(self, run_id: int) -> list[PaymentRecord]:
        rows = self._connection.execute(
            select(*_PAYMENT_COLUMNS).where(payments.c.run_id == run_id).order_by(payments.c.id)
        ).all()
        return [_payment(row) for row in rows]

    def payments_by_end_to_end_id(self, ids: Sequence[str]) -> dict[str, PaymentRecord]:
        found: dict[str, PaymentRecord] = {}
        for chunk in self._chunks(ids):
            for row in self._connection.execute(
                select(*_PAYMENT_COLUMNS).where(self._among(payments.c.end_to_end_id, chunk))
            ).all():
                found[row.end_to_end_id] = _payment(row)
        return found

    def get_payment(self, payment_id: int) -> PaymentRecord | None:
        row = self._connection.execute(
            select(*_PAYMENT_COLUMNS).where(payments.c.id == payment_id)
        ).one_or_none()
        return None if row is None else _payment(row)

    def mark_sent(self, sent: Sequence[tuple[int, EntryId, str]]) -> None:
        """``(payment id, ledger entry, file message id)`` for every payment of an execution."""
        if not sent:
            return
        if self._postgresql:
            # One statement over three arrays: an UPDATE per payment costs a round trip each.
            # The arrays go in as text literals: tens of thousands of values cost the driver more
            # to convert one by one than the server to read. Message ids are quoted; they are SEPA
            # identifiers, so they hold no quote or backslash, which is checked here anyway.
            payment_ids, entry_ids, message_ids = zip(*sent, strict=True)
            for message_id in set(message_ids):
                if '"' in message_id or "\\" in message_id:
                    raise ValueError(f"Message id {message_id!r} is not a SEPA identifier.")
            self._connection.execute(
                text(
                    "UPDATE payments AS p SET status = :status, entry_id = s.entry_id, "
                    "file_message_id = s.file_message_id "
                    "FROM unnest(CAST(:payment_ids AS bigint[]), CAST(:entry_ids AS bigint[]), "
                    "CAST(:message_ids AS text[])) AS s (payment_id, entry_id, file_message_id) "
                    "WHERE p.id = s.payment_id"
                ).bindparams(
                    bindparam("payment_ids", type_=Text()),
                    bindparam("entry_ids", type_=Text()),
                    bindparam("message_ids", type_=Text()),
                ),
                {
                    "status": PaymentStatus.SENT.value,
                    "payment_ids": "{" + ",".join(map(str, payment_ids)) + "}",
                    "entry_ids": "{" + ",".join(map(str, entry_ids)) + "}",
                    "message_ids": '{"' + '","'.join(message_ids) + '"}',
                },
            )
            return
        self._connection.execute(
            update(payments)
            .where(payments.c.id == bindparam("payment_id"))
            .values(
                status=PaymentStatus.SENT.value,
                entry_id=bindparam("new_entry_id"),
                file_message_id=bindparam("new_file_message_id"),
            ),
            [{"payment_id": p, "new_entry_id": e, "new_file_message_id": f} for p, e, f in sent],
        )

    def set_payment_status(
        self,
        payment_id: int,
        status: PaymentStatus,
        *,
        return_reason: str | None = None,
        return_entry_id: EntryId | None = None,
    ) -> None:
        values: dict[str, Any] = {"status": status.value}
        if return_reason is not None:
            values["return_reason"] = return_reason
        if return_entry_id is not None:
            values["return_entry_id"] = return_entry_id
        self._connection.execute(
            update(payments).where(payments.c.id == payment_id).values(**values)
        )

    def release_source_key(self, payment_id: int) -> None:
        """Free what a returned payment paid, so a later run can plan it again."""
        self._connection.execute(
            update(payments)
            .where(payments.c.id == payment_id)
            .values(source_key=payments.c.source_key + f"#returned-{payment_id}")
        )

    # -- payment files --------------------------------------------------------------------------

    def add_payment_file(
        self,
        run_id: int,
        position: int,
        message_id: str,
        payment_count: int,
        control_sum: Money,
        content: bytes,
        sha256: str,
    ) -> None:
        if self._postgresql:
            # A file is some 4 MB of XML. PostgreSQL's own compression (pglz) takes about 60 ms a
            # file to squeeze it; lz4 takes a tenth of that and stores less. Set for this
            # transaction only, and only where the server was built with lz4.
            self._connection.execute(LZ4_FOR_THIS_TRANSACTION)
        self._connection.execute(
            insert(payment_files).values(
                message_id=message_id,
                run_id=run_id,
                position=position,
                payment_count=payment_count,
                control_sum_cents=control_sum.cents,
                content=content,
                sha256=sha256,
            )
        )

    def payment_file_summaries(self, run_id: int) -> list[tuple[str, int, Money]]:
        """``(message id, payment count, control sum)`` of a run's files, without their bytes."""
        rows = self._connection.execute(
            select(
                payment_files.c.message_id,
                payment_files.c.payment_count,
                payment_files.c.control_sum_cents,
            )
            .where(payment_files.c.run_id == run_id)
            .order_by(payment_files.c.position)
        ).tuples()
        return [(message_id, count, Money(cents)) for message_id, count, cents in rows]

    def payment_files_of(self, run_id: int) -> list[tuple[str, int, Money, bytes, str]]:
        if self._postgresql:
            # The bytes come as they are stored (a binary result): as text they would come as hex,
            # twice the size, to be decoded again.
            return [
                (message_id, count, Money(cents), bytes(content), sha256)
                for message_id, count, cents, content, sha256 in self._driver_rows(
                    _PAYMENT_FILES_OF, (run_id,), binary=True
                )
            ]
        rows = self._connection.execute(
            select(payment_files)
            .where(payment_files.c.run_id == run_id)
            .order_by(payment_files.c.position)
        ).all()
        return [
            (r.message_id, r.payment_count, Money(r.control_sum_cents), r.content, r.sha256)
            for r in rows
        ]

    # -- statements -----------------------------------------------------------------------------

    def statement_import_by_digest(self, sha256: str) -> int | None:
        found = self._connection.execute(
            select(statement_imports.c.id).where(statement_imports.c.sha256 == sha256)
        ).scalar()
        return None if found is None else int(found)

    def add_statement_import(self, **values: Any) -> int:
        result = self._connection.execute(
            insert(statement_imports).values(imported_at=self._now(), **values)
        )
        return int(result.inserted_primary_key[0])  # type: ignore[index]

    def add_statement_lines(self, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            self._connection.execute(insert(statement_lines), list(rows))

    def statement_line_counts(self, import_id: int) -> dict[str, int]:
        rows = self._connection.execute(
            select(statement_lines.c.match_status, func.count())
            .where(statement_lines.c.import_id == import_id)
            .group_by(statement_lines.c.match_status)
        ).all()
        return {row[0]: int(row[1]) for row in rows}

    def unmatched_lines(self, import_id: int | None = None) -> list[Any]:
        query = select(statement_lines).where(statement_lines.c.match_status == "unmatched")
        if import_id is not None:
            query = query.where(statement_lines.c.import_id == import_id)
        return list(
            self._connection.execute(
                query.order_by(statement_lines.c.import_id, statement_lines.c.position)
            ).all()
        )

    def match_line_by_hand(
        self, import_id: int, position: int, payment_id: int, actor: str
    ) -> bool:
        changed = self._connection.execute(
            update(statement_lines)
            .where(
                and_(
                    statement_lines.c.import_id == import_id,
                    statement_lines.c.position == position,
                    statement_lines.c.match_status == "unmatched",
                )
            )
            .values(match_status="matched_by_hand", payment_id=payment_id, matched_by=actor)
        ).rowcount
        return bool(changed)
