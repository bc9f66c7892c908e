"""Seeding for ``bench/statements.py``: households with five years of monthly history, set-based.

Households, their arrangement, obligations, phase steps and ledger accounts are registered with
``ontzorgen.bulk.add_households`` (the households themselves are drawn by
``bench.payment_run.generate_household``). Their history is then written here, month by month and
household by household, as the services would have left it, but without running them: sixty
months through ``services.allocate_month`` and the payment runs would take hours.

Each month of a household (``HistoryPlan``) is:
- its bijstand (the norm in force that month, single or couple; 5% reserved as vakantietoeslag),
  received on the 24th of the month before: an ``incomes`` row and its ledger entry (funds D, income
  C, vakantietoeslag C), under the service's idempotency key;
- the allocation on the 25th of the month before, decided by the real ``allocation.allocate`` for
  the household's phase (what the phase withholds, the policy's priority and minimum leefgeld), the
  vakantietoeslag paid out in the policy's month, the weekly or monthly parts by the real
  ``allocation.leefgeld_parts``: ``allocations``, ``allocation_lines``, ``leefgeld_parts`` and the
  entry ``services._allocation_postings`` would book (income D, reserves C, leefgeld C, the
  arrears pair, the vakantietoeslag payout);
- its payments, all ``paid``: each reserve to its creditor on ``payment_date_for`` its due date,
  each leefgeld part to the newcomer on ``payment_date_for`` its day, in one executed payment run
  per municipality and execution date, each with its ledger entry (reserve or leefgeld D, funds C);
- about ``RETURN_RATE`` of creditor payments come back three days later: reversed in the ledger
  (the entry ``LedgerStore.reverse`` would write), status ``returned`` with reason AC04, source key
  released, a handled ``returned_payment`` signal, and paid again a week after the first time.
What is left out: statement imports (camt.053 lines), payment files, arrear signals, amount changes.

The ledger rows are copied with ``session_replication_role = replica``, so the ledger's triggers do
not fire while seeding; the rows are exactly what they would have written: postings numbered 1, 2,
3, ... per account in booking order with their running balances, each entry's content hash as
``LedgerStore`` computes it, and each account row's balance, posting count and last booking date
set from its last posting. ``ledger.check.check_ledger`` proves it afterwards.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import multiprocessing
import random
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from hashlib import sha256
from typing import Any

from sqlalchemy import Connection, Engine, text

from bench import payment_run
from ledger.money import Money
from ontzorgen import bulk
from ontzorgen.accounts import AccountRole
from ontzorgen.allocation import Need, allocate, leefgeld_parts
from ontzorgen.business_days import payment_date_for
from ontzorgen.income import split_bijstand
from ontzorgen.months import Month
from ontzorgen.norms import NormCategory, load_norms
from ontzorgen.obligations import ObligationId
from ontzorgen.policy import CostType, LeefgeldFrequency, Policy
from ontzorgen.runs import end_to_end_id
from ontzorgen.signals import URGENCY, SignalKind

#: The month every statement is asked for: the last month of history.
STATEMENT_MONTH = Month(2026, 10)
HISTORY_MONTHS = 60
#: Share of households that started last month: one month of history.
ONE_MONTH_SHARE = 0.10
#: Of the households with five years: share that never left phase 1 (the same request shape as
#: the one-month group, which is in phase 1 too), and share that stopped at phase 2.
PHASE_1_SHARE = 0.10
PHASE_2_SHARE = 0.30
#: Share of creditor payments that come back (and are paid again a week later).
RETURN_RATE = 0.003
HOUSEHOLDS_PER_CHUNK = 2_000
COACH = payment_run.COACH
RUNNER = "planner@kredietbank.nl"
APPROVER = "controller@kredietbank.nl"
RETURN_REASON = "AC04"

SHAPE_PHASE_1 = "phase-1"  # phase 1 all along: four bills withheld, weekly leefgeld
SHAPE_STEPPED = "stepped"

_ASSET_ROLES = frozenset({AccountRole.FUNDS.value, AccountRole.SHORTFALL.value})


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass(frozen=True, slots=True)
class HistoryPlan:
    """What one household's history looks like: its first month and its phase steps."""

    first_month: Month
    members: int
    category: NormCategory
    shape: str
    #: (first month in the phase, phase number), in order, the first being (first_month, 1).
    phases: tuple[tuple[Month, int], ...]

    @property
    def history_months(self) -> int:
        return STATEMENT_MONTH.months_since(self.first_month) + 1

    def phase_in(self, month: Month) -> int:
        current = 1
        for starts, number in self.phases:
            if starts <= month:
                current = number
        return current


def plan_household(
    number: int, rng: random.Random, region: payment_run.Region, norms: tuple[Money, Money]
) -> tuple[bulk.NewHousehold, HistoryPlan]:
    """A household of ``payment_run.generate_household``, moved to its own start and steps."""
    drawn = payment_run.generate_household(number, rng, STATEMENT_MONTH, region, norms)
    new = drawn.new
    couple = drawn.full_month_amount == norms[1]
    draw = rng.random()
    if draw < ONE_MONTH_SHARE:
        first, shape = STATEMENT_MONTH, SHAPE_PHASE_1
        phases: tuple[tuple[Month, int], ...] = ((first, 1),)
    else:
        first = STATEMENT_MONTH.plus(-(HISTORY_MONTHS - 1))
        phases = ((first, 1),)
        rest = (draw - ONE_MONTH_SHARE) / (1 - ONE_MONTH_SHARE)
        if rest < PHASE_1_SHARE:
            shape = SHAPE_PHASE_1
        else:
            shape = SHAPE_STEPPED
            second = first.plus(rng.randint(6, 12))
            phases += ((second, 2),)
            if rest >= PHASE_1_SHARE + PHASE_2_SHARE:
                phases += ((second.plus(rng.randint(9, 15)), 3),)
    start_on = first.first_day
    steps = tuple(
        bulk.NewPhaseStep(
            phase,
            starts.first_day,
            starts.first_day - timedelta(days=14),
            "Mijlpalen gehaald" if phase == 2 else "Eigen betaalrekening",
        )
        for starts, phase in phases[1:]
    )
    new = dataclasses.replace(
        new,
        bijstand_start_on=start_on,
        decision=dataclasses.replace(new.decision, decided_on=start_on - timedelta(days=10)),
        obligations=tuple(
            dataclasses.replace(bill, first_due_on=start_on) for bill in new.obligations
        ),
        phase_steps=steps,
    )
    plan = HistoryPlan(
        first,
        len(new.members),
        NormCategory.COUPLE if couple else NormCategory.SINGLE,
        shape,
        phases,
    )
    return new, plan


# -- the history of one chunk ----------------------------------------------------------------------


@dataclass(slots=True)
class _Bill:
    obligation_id: int
    cost_type: CostType
    amount: Money
    payee_name: str
    payee_iban: str
    payee_bic: str | None
    reference_kind: str
    reference: str


@dataclass(slots=True)
class _Household:
    household_id: int
    municipality_id: int
    leefgeld_iban: str
    leefgeld_holder: str
    plan: HistoryPlan
    bills: list[_Bill]
    accounts: dict[tuple[str, int], int]


@dataclass(slots=True)
class _Event:
    """One ledger entry to be written, and the domain row that refers to it."""

    booked_on: date
    order: int
    description: str
    idempotency_key: str
    postings: list[tuple[int, str, int]]  # account, 'D'/'C', cents
    reverses: _Event | None = None
    entry_id: int = 0
    # The rows that take this entry's id: lists whose ``slot`` is filled in.
    refers: list[tuple[list[Any], int]] = dataclasses.field(default_factory=list)


@dataclass(slots=True)
class _Rows:
    entries: list[str] = dataclasses.field(default_factory=list)
    postings: list[str] = dataclasses.field(default_factory=list)
    incomes: list[list[Any]] = dataclasses.field(default_factory=list)
    allocations: list[list[Any]] = dataclasses.field(default_factory=list)
    lines: list[tuple[Any, ...]] = dataclasses.field(default_factory=list)
    parts: list[tuple[Any, ...]] = dataclasses.field(default_factory=list)
    payments: list[list[Any]] = dataclasses.field(default_factory=list)
    signals: list[tuple[Any, ...]] = dataclasses.field(default_factory=list)
    milestones: list[tuple[Any, ...]] = dataclasses.field(default_factory=list)
    accounts: dict[int, tuple[int, int, date]] = dataclasses.field(default_factory=dict)


# Payment row columns, in COPY order; "entry_id" and "return_entry_id" are filled in later.
_PAYMENT_COLUMNS = (
    "id",
    "run_id",
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
    "end_to_end_id",
    "status",
    "entry_id",
    "file_message_id",
    "return_reason",
    "return_entry_id",
)
_P_ENTRY = _PAYMENT_COLUMNS.index("entry_id")
_P_RETURN_ENTRY = _PAYMENT_COLUMNS.index("return_entry_id")
_A_ENTRY = 10  # allocations row: entry_id
_I_ENTRY = 8  # incomes row: entry_id


@functools.lru_cache(maxsize=8192)
def _parts(
    month: Month, cents: int, frequency: LeefgeldFrequency | None, not_before: date, policy: Policy
) -> tuple[tuple[date, int], ...]:
    return tuple(
        (part.pay_on, part.amount.cents)
        for part in leefgeld_parts(month, Money(cents), frequency, policy, not_before=not_before)
    )


@functools.lru_cache(maxsize=512)
def _calendar(month: Month) -> tuple[str, date, date, Month]:
    """Text, received_on (24th before), allocated_on (25th before), next month."""
    before = month.previous().first_day
    return str(month), before.replace(day=24), before.replace(day=25), month.next()


@functools.lru_cache(maxsize=4096)
def _pay_on(day: date) -> date:
    return payment_date_for(day)


class _Chunk:
    """Builds the history rows of one chunk of households (pure Python, no database)."""

    def __init__(
        self,
        policy: Policy,
        norms: Callable[[Month, NormCategory], Money],
        rng: random.Random,
        run_of: Callable[[int, date], int],
        next_payment_id: Callable[[], int],
    ) -> None:
        self.policy = policy
        self.norms = norms
        self.rng = rng
        self.run_of = run_of
        self.next_payment_id = next_payment_id
        self.events: list[list[_Event]] = []  # per household, in booking order
        self.rows = _Rows()

    def household(self, household: _Household) -> None:
        policy = self.policy
        plan = household.plan
        hid = household.household_id
        acc = household.accounts
        funds = acc[(AccountRole.FUNDS.value, 0)]
        income_account = acc[(AccountRole.INCOME.value, 0)]
        vt_account = acc[(AccountRole.VAKANTIETOESLAG.value, 0)]
        leefgeld_account = acc[(AccountRole.LEEFGELD.value, 0)]
        arrears_account = acc[(AccountRole.ARREARS.value, 0)]
        shortfall_account = acc[(AccountRole.SHORTFALL.value, 0)]
        minimum = policy.minimum_leefgeld(plan.members)
        bills = {bill.obligation_id: bill for bill in household.bills}
        events: list[_Event] = []
        vt_balance = 0
        decided: dict[tuple[int, int], Any] = {}
        month = plan.first_month
        while month <= STATEMENT_MONTH:
            month_text, received_on, allocated_on, following = _calendar(month)
            full = self.norms(month, plan.category)
            split = split_bijstand(full, policy.vakantietoeslag_percent)
            gross, vt = split.gross.cents, split.vakantietoeslag.cents
            net = gross - vt
            income_event = _Event(
                received_on,
                0,
                f"bijstand {month_text}",
                f"income:{hid}:{month_text}:bijstand:bench",
                [(funds, "D", gross), (income_account, "C", net)]
                + ([(vt_account, "C", vt)] if vt else []),
            )
            income_row = [
                hid,
                month_text,
                "bijstand",
                "bench",
                full.cents,
                gross,
                vt,
                received_on,
                None,
                month_text,
            ]
            income_event.refers.append((income_row, _I_ENTRY))
            self.rows.incomes.append(income_row)
            events.append(income_event)
            vt_balance += vt

            number = plan.phase_in(month)
            phase = policy.ladder.phase(number)
            key = (number, net)
            allocation = decided.get(key)
            if allocation is None:
                needs = [
                    Need(ObligationId(bill.obligation_id), bill.cost_type, bill.amount, None)
                    for bill in household.bills
                    if phase.withholds(bill.cost_type, policy.cost_types)
                ]
                made = allocate(month, Money(net), minimum, needs, policy, None)
                allocation = decided[key] = (
                    made,
                    made.arrears.cents,
                    made.reserved.cents,
                    made.leefgeld.cents,
                    made.minimum_leefgeld.cents,
                )
            allocation, arrears, reserved, leefgeld, minimum_cents = allocation
            payout = vt_balance if month.month == policy.vakantietoeslag_month else 0
            vt_balance -= payout
            due_on = month.first_day
            postings = [(income_account, "D", net)]
            for line in allocation.lines:
                if line.reserved.cents:
                    postings.append(
                        (
                            acc[(AccountRole.RESERVE.value, line.obligation_id)],
                            "C",
                            line.reserved.cents,
                        )
                    )
            if leefgeld:
                postings.append((leefgeld_account, "C", leefgeld))
            if arrears:
                postings.append((shortfall_account, "D", arrears))
                postings.append((arrears_account, "C", arrears))
            if payout:
                postings.append((vt_account, "D", payout))
                postings.append((leefgeld_account, "C", payout))
            allocation_event = _Event(
                allocated_on,
                1,
                f"Verdeling {month_text}",
                f"allocation:{hid}:{month_text}",
                postings,
            )
            allocation_row = [
                hid,
                month_text,
                number,
                net,
                minimum_cents,
                reserved,
                arrears,
                leefgeld + payout,
                payout,
                allocated_on,
                None,
            ]
            allocation_event.refers.append((allocation_row, _A_ENTRY))
            self.rows.allocations.append(allocation_row)
            events.append(allocation_event)
            for line in allocation.lines:
                self.rows.lines.append(
                    (
                        hid,
                        month_text,
                        line.obligation_id,
                        line.cost_type.value,
                        line.need.cents,
                        line.reserved.cents,
                        line.arrear.cents,
                        due_on,
                    )
                )
                if line.reserved.cents:
                    bill = bills[line.obligation_id]
                    self._creditor_payment(
                        household,
                        bill,
                        acc[(AccountRole.RESERVE.value, line.obligation_id)],
                        funds,
                        due_on,
                        line.reserved.cents,
                        events,
                    )
            parts = _parts(
                month,
                leefgeld + payout,
                phase.leefgeld_frequency,
                max(plan.first_month.first_day, allocated_on),
                policy,
            )
            for position, (pay_on, cents) in enumerate(parts):
                self.rows.parts.append((hid, month_text, position, pay_on, cents))
                self._payment(
                    household,
                    f"leefgeld:{hid}:{month_text}:{position}",
                    "leefgeld",
                    None,
                    leefgeld_account,
                    funds,
                    pay_on,
                    cents,
                    household.leefgeld_holder,
                    household.leefgeld_iban,
                    None,
                    "text",
                    f"Leefgeld {month_text}",
                    events,
                )
            month = following
        for starts, phase_number in plan.phases[1:]:
            decided_on = starts.first_day - timedelta(days=14)
            codes = (
                ("budgetcursus", "toeslagen") if phase_number == 2 else ("eigen_betaalrekening",)
            )
            for offset, code in enumerate(codes):
                self.rows.milestones.append(
                    (
                        hid,
                        code,
                        decided_on - timedelta(days=20 + 7 * offset),
                        "Bewijs gezien door de coach",
                        COACH,
                        datetime.combine(decided_on, datetime.min.time(), tzinfo=UTC),
                    )
                )
        # Booking order: by date, then income before allocation before payments, then as made.
        events.sort(key=lambda event: (event.booked_on, event.order))
        self.events.append(events)

    def _creditor_payment(
        self,
        household: _Household,
        bill: _Bill,
        reserve: int,
        funds: int,
        due_on: date,
        cents: int,
        events: list[_Event],
    ) -> None:
        source_key = f"obligation:{bill.obligation_id}:{due_on.isoformat()}"
        args: tuple[Any, ...] = (
            "creditor",
            bill,
            reserve,
            funds,
            due_on,
            cents,
            bill.payee_name,
            bill.payee_iban,
            bill.payee_bic,
            bill.reference_kind,
            bill.reference,
            events,
        )
        if self.rng.random() >= RETURN_RATE:
            self._payment(household, source_key, *args)
            return
        first, first_event = self._payment(household, source_key, *args)
        payment_id = first[0]
        first[_PAYMENT_COLUMNS.index("source_key")] = f"{source_key}#returned-{payment_id}"
        first[_PAYMENT_COLUMNS.index("status")] = "returned"
        first[_PAYMENT_COLUMNS.index("return_reason")] = RETURN_REASON
        e2e = first[_PAYMENT_COLUMNS.index("end_to_end_id")]
        returned_on = first_event.booked_on + timedelta(days=3)
        reversal = _Event(
            returned_on,
            3,
            f"Teruggekomen {e2e} ({RETURN_REASON})",
            f"return:{source_key}",
            [
                (account, "C" if side == "D" else "D", amount)
                for account, side, amount in first_event.postings
            ],
            reverses=first_event,
        )
        reversal.refers.append((first, _P_RETURN_ENTRY))
        events.append(reversal)
        again_on = first_event.booked_on + timedelta(days=7)
        self.rows.signals.append(
            (
                household.household_id,
                SignalKind.RETURNED_PAYMENT.value,
                f"returned:{e2e}",
                URGENCY[SignalKind.RETURNED_PAYMENT],
                returned_on,
                f"De betaling van {Money(cents)} aan {bill.payee_name} is teruggekomen.",
                "handled",
                returned_on + timedelta(days=1),
                COACH,
                "Rekeningnummer gecontroleerd",
            )
        )
        # Paid again a week later: the same bill and due date, a new payment in a later run.
        self._payment(household, source_key, *args, repaid_on=again_on)

    def _payment(
        self,
        household: _Household,
        source_key: str,
        kind: str,
        bill: _Bill | None,
        source: int,
        funds: int,
        due_on: date,
        cents: int,
        payee_name: str,
        payee_iban: str,
        payee_bic: str | None,
        reference_kind: str,
        reference: str,
        events: list[_Event],
        *,
        repaid_on: date | None = None,
    ) -> tuple[list[Any], _Event]:
        execution_on = _pay_on(due_on) if repaid_on is None else _pay_on(repaid_on)
        run_id = self.run_of(household.municipality_id, execution_on)
        payment_id = self.next_payment_id()
        e2e = end_to_end_id(run_id, payment_id)
        row: list[Any] = [
            payment_id,
            run_id,
            source_key,
            household.household_id,
            kind,
            None if bill is None else bill.obligation_id,
            None if bill is None else _creditor_ids[bill.obligation_id],
            None if bill is None else bill.cost_type.value,
            due_on,
            cents,
            payee_name,
            payee_iban,
            payee_bic,
            reference_kind,
            reference,
            e2e,
            "paid",
            None,
            f"ONTZ-R{run_id}-1",
            None,
            None,
        ]
        event = _Event(
            execution_on,
            2,
            f"Betaling {e2e}",
            f"payment:{e2e}",
            [(source, "D", cents), (funds, "C", cents)],
        )
        event.refers.append((row, _P_ENTRY))
        events.append(event)
        self.rows.payments.append(row)
        return row, event

    def number_entries(self, first_entry_id: int, kinds: dict[int, bool], created_at: str) -> None:
        """Give every entry its id in booking order; write entry and posting lines."""
        entry_id = first_entry_id
        state: dict[int, list[int]] = {}  # account -> [seq, balance]
        entries, postings = self.rows.entries, self.rows.postings
        for events in self.events:
            for event in events:
                event.entry_id = entry_id
                entry_id += 1
                for row, slot in event.refers:
                    row[slot] = event.entry_id
                booked = event.booked_on.isoformat()
                legs = sorted(event.postings)
                reverses = "null" if event.reverses is None else str(event.reverses.entry_id)
                canonical = (
                    f'{{"bookedOn":"{booked}","description":{json.dumps(event.description)},'
                    f'"reverses":{reverses},"postings":[['
                    + "],[".join(f'{a},"{d}",{c}' for a, d, c in legs)
                    + "]]}"
                )
                entries.append(
                    f"{event.entry_id}\t{booked}\t{event.description}\t{event.idempotency_key}\t"
                    f"{sha256(canonical.encode()).hexdigest()}\t"
                    f"{reverses if event.reverses is not None else chr(92) + 'N'}\t{created_at}\n"
                )
                for account, side, cents in event.postings:
                    current = state.get(account)
                    if current is None:
                        current = state[account] = [0, 0]
                    debit_normal = kinds[account]
                    current[0] += 1
                    current[1] += cents if (side == "D") == debit_normal else -cents
                    if current[1] < 0:
                        raise AssertionError(f"account {account} would go negative")
                    postings.append(
                        f"{account}\t{current[0]}\t{event.entry_id}\t{side}\t{cents}\t"
                        f"{current[1]}\t{booked}\n"
                    )
                    self.rows.accounts[account] = (current[0], current[1], event.booked_on)


#: obligation id -> creditor id, filled per chunk (read by ``_Chunk._payment``).
_creditor_ids: dict[int, int] = {}


# -- writing ---------------------------------------------------------------------------------------


def _copy_lines(connection: Connection, statement: str, lines: Sequence[str]) -> None:
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(statement) as copy:
        for start in range(0, len(lines), 20_000):
            copy.write("".join(lines[start : start + 20_000]))


def _copy_rows(
    connection: Connection, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    if not rows:
        return
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _reserve_ids(connection: Connection, table: str, count: int) -> int:
    """The first of ``count`` consecutive ids taken from the table's sequence (seeding only)."""
    if count == 0:
        return 0
    sequence = connection.execute(
        text("SELECT pg_get_serial_sequence(:table, 'id')"), {"table": table}
    ).scalar_one()
    # Two seeding processes take blocks from the same sequences: one at a time.
    connection.execute(text("SELECT pg_advisory_lock(20261123)"))
    try:
        first = int(connection.execute(text("SELECT nextval(:s)"), {"s": sequence}).scalar_one())
        connection.execute(
            text("SELECT setval(:s, :last)"), {"s": sequence, "last": first + count - 1}
        )
    finally:
        connection.execute(text("SELECT pg_advisory_unlock(20261123)"))
    return first


class _IdBlocks:
    """Ids from a table's sequence, taken a block at a time (the rest of a block stays unused)."""

    def __init__(self, connection: Connection, table: str, block: int = 50_000) -> None:
        self.connection, self.table, self.block = connection, table, block
        self.following, self.last = 0, -1

    def next(self) -> int:
        if self.following > self.last:
            self.following = _reserve_ids(self.connection, self.table, self.block)
            self.last = self.following + self.block - 1
        self.following += 1
        return self.following - 1


class _Runs:
    """The executed payment run of each (municipality, execution date), made when first needed."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.ids: dict[tuple[int, date], int] = {
            (int(m), d): int(i)
            for i, m, d in connection.execute(
                text("SELECT id, municipality_id, execution_on FROM payment_runs")
            )
        }

    def of(self, municipality_id: int, execution_on: date) -> int:
        key = (municipality_id, execution_on)
        run_id = self.ids.get(key)
        if run_id is None:
            at = datetime.combine(execution_on, datetime.min.time(), tzinfo=UTC)
            run_id = int(
                self.connection.execute(
                    text(
                        "INSERT INTO payment_runs (municipality_id, execution_on, status, "
                        "prepared_by, prepared_at, approved_by, approved_at, executed_by, "
                        "executed_at, held_back) VALUES (:m, :d, 'executed', :p, :at1, :a, :at2, "
                        ":a, :at3, '{}') RETURNING id"
                    ),
                    {
                        "m": municipality_id,
                        "d": execution_on,
                        "p": RUNNER,
                        "a": APPROVER,
                        "at1": at - timedelta(days=2),
                        "at2": at - timedelta(days=1, hours=-2),
                        "at3": at + timedelta(hours=7),
                    },
                ).scalar_one()
            )
            self.ids[key] = run_id
        return run_id


def _households_of(
    connection: Connection, ids: Sequence[int], plans: Sequence[HistoryPlan]
) -> list[_Household]:
    found = {
        int(row.id): _Household(
            int(row.id),
            int(row.municipality_id),
            row.leefgeld_iban,
            row.leefgeld_account_holder,
            plan,
            [],
            {},
        )
        for row, plan in zip(
            connection.execute(
                text(
                    "SELECT id, municipality_id, leefgeld_iban, leefgeld_account_holder "
                    "FROM households WHERE id = ANY(:ids) ORDER BY id"
                ),
                {"ids": list(ids)},
            ),
            plans,
            strict=True,
        )
    }
    for row in connection.execute(
        text(
            "SELECT o.id, o.household_id, o.cost_type, o.creditor_id, o.reference_kind, "
            "o.reference, a.amount_cents, c.name, c.iban, c.bic FROM obligations o "
            "JOIN obligation_amounts a ON a.obligation_id = o.id "
            "JOIN creditors c ON c.id = o.creditor_id "
            "WHERE o.household_id = ANY(:ids) ORDER BY o.id"
        ),
        {"ids": list(ids)},
    ):
        _creditor_ids[int(row.id)] = int(row.creditor_id)
        found[int(row.household_id)].bills.append(
            _Bill(
                int(row.id),
                CostType(row.cost_type),
                Money(int(row.amount_cents)),
                row.name,
                row.iban,
                row.bic,
                row.reference_kind,
                row.reference,
            )
        )
    for household_id, role, obligation_id, account_id in connection.execute(
        text(
            "SELECT household_id, role, obligation_id, account_id FROM household_accounts "
            "WHERE household_id = ANY(:ids)"
        ),
        {"ids": list(ids)},
    ):
        found[int(household_id)].accounts[(role, int(obligation_id))] = int(account_id)
    return [found[household_id] for household_id in ids]


def write_history(
    engine: Engine,
    household_ids: Sequence[int],
    plans: Sequence[HistoryPlan],
    policy: Policy,
    rng: random.Random,
) -> tuple[int, int]:
    """Write the history of these (just added) households in one transaction; returns
    (entries, postings)."""
    norms_table = load_norms()
    earliest = min(period.valid_from for period in norms_table.periods)

    def norm(month: Month, category: NormCategory) -> Money:
        return _norm(norms_table, max(month.first_day, earliest), category)

    with engine.begin() as connection:
        connection.execute(text("SET LOCAL session_replication_role = replica"))
        connection.execute(text("SET LOCAL synchronous_commit = off"))
        households_ = _households_of(connection, household_ids, plans)
        runs = _Runs(connection)
        payment_ids = _IdBlocks(connection, "payments")
        chunk = _Chunk(policy, norm, rng, runs.of, payment_ids.next)
        for household in households_:
            chunk.household(household)
        payments = chunk.rows.payments
        entry_count = sum(len(events) for events in chunk.events)
        first_entry = _reserve_ids(connection, "ledger_entries", entry_count)
        kinds = {
            account_id: role in _ASSET_ROLES
            for household in households_
            for (role, _), account_id in household.accounts.items()
        }
        created_at = datetime.now(UTC).isoformat()
        chunk.number_entries(first_entry, kinds, created_at)
        rows = chunk.rows
        _copy_lines(
            connection,
            "COPY ledger_entries (id, booked_on, description, idempotency_key, content_hash, "
            "reverses_entry_id, created_at) FROM STDIN",
            rows.entries,
        )
        _copy_lines(
            connection,
            "COPY ledger_postings (account_id, account_seq, entry_id, direction, amount_cents, "
            "balance_after_cents, booked_on) FROM STDIN",
            rows.postings,
        )
        connection.execute(
            text(
                "CREATE TEMPORARY TABLE bench_account_state (id bigint, seq bigint, "
                "balance bigint, booked date) ON COMMIT DROP"
            )
        )
        _copy_rows(
            connection,
            "bench_account_state",
            ("id", "seq", "balance", "booked"),
            [(account, *state) for account, state in rows.accounts.items()],
        )
        connection.execute(
            text(
                "UPDATE ledger_accounts a SET balance_cents = s.balance, posting_count = s.seq, "
                "last_booked_on = s.booked FROM bench_account_state s WHERE a.id = s.id"
            )
        )
        _copy_rows(
            connection,
            "incomes",
            (
                "household_id",
                "month",
                "kind",
                "source_reference",
                "full_month_cents",
                "gross_cents",
                "vakantietoeslag_cents",
                "received_on",
                "entry_id",
                "allocated_month",
            ),
            rows.incomes,
        )
        _copy_rows(
            connection,
            "allocations",
            (
                "household_id",
                "month",
                "phase",
                "income_cents",
                "minimum_leefgeld_cents",
                "reserved_cents",
                "arrears_cents",
                "leefgeld_cents",
                "vakantietoeslag_paid_cents",
                "allocated_on",
                "entry_id",
            ),
            rows.allocations,
        )
        _copy_rows(
            connection,
            "allocation_lines",
            (
                "household_id",
                "month",
                "obligation_id",
                "cost_type",
                "need_cents",
                "reserved_cents",
                "arrear_cents",
                "due_on",
            ),
            rows.lines,
        )
        _copy_rows(
            connection,
            "leefgeld_parts",
            ("household_id", "month", "position", "pay_on", "amount_cents"),
            rows.parts,
        )
        _copy_rows(connection, "payments", _PAYMENT_COLUMNS, payments)
        _copy_rows(
            connection,
            "signals",
            (
                "household_id",
                "kind",
                "subject",
                "urgency",
                "raised_on",
                "message",
                "status",
                "handled_on",
                "handled_by",
                "note",
            ),
            rows.signals,
        )
        _copy_rows(
            connection,
            "milestones",
            ("household_id", "code", "achieved_on", "evidence", "actor", "recorded_at"),
            rows.milestones,
        )
        return entry_count, len(rows.postings)


@functools.lru_cache(maxsize=256)
def _norm(table: Any, on: date, category: NormCategory) -> Money:
    return table.norm_on(on, category)  # type: ignore[no-any-return]


def _split_by(total: int, size: int) -> Iterator[int]:
    while total > 0:
        yield min(size, total)
        total -= size


# -- the whole seed --------------------------------------------------------------------------------


MARKER_DDL = (
    "CREATE TABLE bench_statement_seed (households integer NOT NULL, "
    "municipalities integer NOT NULL, statement_month text NOT NULL, entries bigint NOT NULL, "
    "postings bigint NOT NULL, seconds double precision NOT NULL, "
    "seeded_at timestamptz NOT NULL)",
    "CREATE TABLE bench_statement_households (household_id bigint PRIMARY KEY, "
    "municipality_id bigint NOT NULL, history_months integer NOT NULL, shape text NOT NULL)",
)


def seeded(engine: Engine) -> dict[str, Any] | None:
    """The marker of a finished seed, or None."""
    with engine.connect() as connection:
        exists = connection.execute(
            text("SELECT to_regclass('bench_statement_seed') IS NOT NULL")
        ).scalar_one()
        if not exists:
            return None
        row = connection.execute(text("SELECT * FROM bench_statement_seed")).mappings().first()
        return None if row is None else dict(row)


#: Tables whose secondary indexes and unique constraints are dropped while seeding and built again
#: afterwards: inserting rows at random places in indexes of many gigabytes (idempotency keys,
#: source keys, end-to-end ids) costs far more than one sorted build at the end.
DEFERRED_INDEX_TABLES = ("ledger_postings", "ledger_entries", "payments")


def drop_secondary_indexes(connection: Connection) -> list[str]:
    """Drop the tables' indexes and unique constraints (not their primary keys); returns the
    statements that make them again, exactly as they were."""
    restore: list[str] = []
    for table in DEFERRED_INDEX_TABLES:
        constraints = connection.execute(
            text(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = CAST(:t AS regclass) AND contype = 'u' ORDER BY conname"
            ),
            {"t": table},
        ).all()
        indexes = connection.execute(
            text(
                "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
                "JOIN pg_class i ON i.oid = x.indexrelid "
                "WHERE x.indrelid = CAST(:t AS regclass) AND NOT x.indisprimary "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid) "
                "ORDER BY i.relname"
            ),
            {"t": table},
        ).all()
        for name, definition in constraints:
            connection.execute(text(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"'))
            restore.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        for name, definition in indexes:
            connection.execute(text(f'DROP INDEX "{name}"'))
            restore.append(definition)
    return restore


@dataclass(frozen=True, slots=True)
class _Task:
    database: str
    municipality_id: int
    region: payment_run.Region
    households: int
    first_number: int
    seed_value: int
    norms: tuple[Money, Money]


def _seed_municipality(task: _Task) -> tuple[int, int, int]:
    """One municipality's households and their history, in a worker process."""
    from ledger.database import make_engine

    engine = make_engine(task.database, pool_size=2)
    rng = random.Random(task.seed_value)
    policy = Policy()  # register_region gives every municipality the default policy
    number = task.first_number
    done = entries = postings = 0
    try:
        for size in _split_by(task.households, HOUSEHOLDS_PER_CHUNK):
            made = []
            for _ in range(size):
                made.append(plan_household(number, rng, task.region, task.norms))
                number += 1
            ids = bulk.add_households(
                engine,
                task.municipality_id,
                task.region.kredietbank_id,
                [new for new, _ in made],
                actor=COACH,
            )
            plans = [plan for _, plan in made]
            written = write_history(engine, ids, plans, policy, rng)
            entries += written[0]
            postings += written[1]
            with engine.begin() as connection:
                _copy_rows(
                    connection,
                    "bench_statement_households",
                    ("household_id", "municipality_id", "history_months", "shape"),
                    [
                        (household_id, task.municipality_id, plan.history_months, plan.shape)
                        for household_id, plan in zip(ids, plans, strict=True)
                    ],
                )
            done += size
            say(f"    municipality {task.municipality_id}: {done} / {task.households}")
    finally:
        engine.dispose()
    return entries, postings, done


#: The history tables and the order their rows would stand in had they been written as they
#: happened, month after month for every household at once.
TIME_ORDER = (
    ("ledger_postings", "booked_on, entry_id"),
    ("ledger_entries", "booked_on, id"),
    ("payments", "due_on, id"),
    ("allocation_lines", "month, household_id, obligation_id"),
    ("leefgeld_parts", "month, household_id, position"),
    ("incomes", "received_on, id"),
    ("allocations", "month, household_id"),
)


def lay_out_in_time_order(engine: Engine) -> None:
    """Rewrite the history tables in the order of time (``CLUSTER``).

    The seed writes household after household, sixty months each: every household's rows of one
    month end up on pages of their own, among its other months. A running system writes month
    after month (the income of the 24th for everyone, the allocations of the 25th, the payment
    runs), so a month's rows of all households stand together, and this month's statements read
    a few pages that many households share. Left in seeding order, a statement reads some 30
    pages that only it needs (26 GB for 100,000 households), and the benchmark measures the disk.
    """
    for table, order in TIME_ORDER:
        step = time.perf_counter()
        with engine.begin() as connection:
            connection.execute(text("SET LOCAL maintenance_work_mem = '1GB'"))
            connection.execute(text(f"CREATE INDEX bench_time_order ON {table} ({order})"))
            connection.execute(text(f"CLUSTER {table} USING bench_time_order"))
            connection.execute(text("DROP INDEX bench_time_order"))
        say(f"  {time.perf_counter() - step:6.1f} s  {table} rewritten in the order ({order})")


def seed(
    engine: Engine, households: int, municipalities: int, seed_value: int, workers: int = 2
) -> dict[str, Any]:
    """Register the region and the households, then write their history; leaves the marker."""
    started = time.perf_counter()
    with engine.connect() as connection:
        already = connection.execute(text("SELECT count(*) FROM households")).scalar_one()
    if already:
        raise SystemExit(
            f"the database holds {already} households but no finished statement seed: drop it "
            "and create it again (dropdb/createdb), then run again"
        )
    with engine.begin() as connection:
        for statement in MARKER_DDL:
            connection.execute(
                text(statement.replace("CREATE TABLE", "CREATE TABLE IF NOT EXISTS"))
            )
    region = payment_run.register_region(engine, municipalities)
    norms_table = load_norms()
    norms = (
        norms_table.norm_on(STATEMENT_MONTH.first_day, NormCategory.SINGLE),
        norms_table.norm_on(STATEMENT_MONTH.first_day, NormCategory.COUPLE),
    )
    per_municipality = payment_run._split(households, municipalities)
    tasks = []
    first_number = 1
    for index, (municipality_id, count) in enumerate(
        zip(region.municipality_ids, per_municipality, strict=True)
    ):
        tasks.append(
            _Task(
                str(engine.url.render_as_string(hide_password=False)),
                municipality_id,
                region,
                count,
                first_number,
                seed_value + index,
                norms,
            )
        )
        first_number += count
    with engine.begin() as connection:
        restore = drop_secondary_indexes(connection)
        connection.execute(
            text("CREATE TABLE bench_statement_restore (position integer, statement text)")
        )
        for position, statement in enumerate(restore):
            connection.execute(
                text("INSERT INTO bench_statement_restore VALUES (:p, :s)"),
                {"p": position, "s": statement},
            )
    say(f"  {len(restore)} indexes and unique constraints dropped until the history is written")
    entries = postings = done = 0
    context = multiprocessing.get_context("spawn")
    with context.Pool(workers) as pool:
        for made in pool.imap_unordered(_seed_municipality, tasks):
            entries += made[0]
            postings += made[1]
            done += made[2]
            rate = done / (time.perf_counter() - started)
            say(
                f"  seeded {done:>7} / {households} households, {postings:,} postings "
                f"({rate:.0f} households/s)"
            )
    for statement in restore:
        step = time.perf_counter()
        with engine.begin() as connection:
            connection.execute(text("SET LOCAL maintenance_work_mem = '1GB'"))
            connection.execute(text(statement))
        say(f"  {time.perf_counter() - step:6.1f} s  {statement}")
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE bench_statement_restore"))
    lay_out_in_time_order(engine)
    say("  VACUUM ANALYZE (statistics and the visibility map, as autovacuum would leave them)")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))
    seconds = time.perf_counter() - started
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO bench_statement_seed VALUES (:h, :m, :s, :e, :p, :t, now())"),
            {
                "h": households,
                "m": municipalities,
                "s": str(STATEMENT_MONTH),
                "e": entries,
                "p": postings,
                "t": seconds,
            },
        )
    marker = seeded(engine)
    assert marker is not None
    return marker
