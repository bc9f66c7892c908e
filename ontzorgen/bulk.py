"""Work on many households at once: seeding them, recording a month's bijstand, dividing a month.

``ontzorgen.services`` handles one household per unit of work, 10 to 20 ms each: right for a
coach's screen, far too slow for a national month of 100,000 households. This module does the same
work for thousands of households per transaction, with a few set-based queries and ``COPY``
(PostgreSQL) or multi-row inserts (SQLite), and decides with the very same domain functions.

Invariants:
- ``allocate_municipality_month`` gives, household for household, exactly what
  ``services.allocate_month`` gives: the same allocation, lines, leefgeld parts, arrear signals and
  ledger entry, under the same idempotency key ``allocation:{household}:{month}``, so the two paths
  can never book one month twice (``tests/test_bulk.py`` proves it on both databases);
- ``record_bijstand`` books what ``services.record_bijstand`` books, under its idempotency key;
- one transaction holds at most ``HOUSEHOLDS_PER_TRANSACTION`` households, so memory stays bounded
  and a failure loses one chunk at most; running the same call again skips what is done;
- the ledger is written only through ``LedgerStore.post_batch``, which checks every posting. Only
  opening accounts for seeding copies rows into the ledger's accounts table directly (PostgreSQL):
  an account opens empty, so there is nothing to check but its code, which the table keeps unique.

How the sameness is kept: the decisions are made by the service's own functions (``allocate``,
``leefgeld_parts``, ``Obligation.reservation_for``, ``phase_on``, ``prorated``, ``arrear_signals``
and the service's ``_allocation_postings``); only the reading and writing are done in bulk. Two
answers are remembered rather than recomputed, both pure: the next due date of a schedule (a
``dateutil`` rule walk of some 100 µs, shared by thousands of bills) and the reservation of bills
with the same schedule and amounts. A service call for a household of the chunk that commits
between the chunk's reads and its writes meets the same idempotency key in the ledger and the
allocation's primary key: the chunk fails and is rolled back, and running again skips that
household. Nothing is ever booked twice.
"""

from __future__ import annotations

import functools
import itertools
import operator
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Table,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.exc import DBAPIError

from ledger.database import among, is_postgresql, run_in_transaction
from ledger.model import AccountId, NewEntry, Posting
from ledger.money import Money
from ledger.schema import accounts as ledger_accounts
from ledger.store import AccountSpec, LedgerStore
from ontzorgen.accounts import NO_OBLIGATION, AccountRole, HouseholdAccounts
from ontzorgen.accounts import _spec as account_spec
from ontzorgen.allocation import Need, allocate, leefgeld_parts
from ontzorgen.arrangement import Arrangement, Decision, LegalBasis
from ontzorgen.batch_work import collection_paused
from ontzorgen.households import (
    Household,
    HouseholdId,
    KredietbankDoesNotServeMunicipality,
    KredietbankId,
    Language,
    Member,
    MunicipalityId,
)
from ontzorgen.identifiers import (
    Betalingskenmerk,
    ExactAccountHolderName,
    FreeTextReference,
    Iban,
    PaymentReference,
)
from ontzorgen.income import IncomeKind, days_with_right, prorated, split_bijstand
from ontzorgen.months import Month
from ontzorgen.obligations import (
    AmountChange,
    CreditorId,
    Frequency,
    Obligation,
    ObligationId,
    Schedule,
)
from ontzorgen.phases import ChangeKind, PhaseChange, PhaseStepNotAllowed, phase_on
from ontzorgen.policy import CostType, PhaseDefinition, Policy
from ontzorgen.repository import Repository
from ontzorgen.services import (
    MonthOutsideArrangement,
    NothingToBook,
    _allocation_postings,
    _books_anything,
)
from ontzorgen.signals import NewSignal, arrear_signals
from ontzorgen.tables import (
    allocation_lines,
    allocations,
    arrangements,
    household_accounts,
    household_members,
    households,
    incomes,
    kredietbank_municipalities,
    obligation_amounts,
    obligations,
    phase_changes,
    signals,
)
from ontzorgen.tables import leefgeld_parts as leefgeld_part_rows

#: Households per transaction. A chunk's rows, entries and domain records stay in memory until it
#: commits; 5,000 households are some 50 MB of Python objects and 30,000 ledger postings.
HOUSEHOLDS_PER_TRANSACTION = 5_000
#: Distinct (schedule, day) questions remembered; a municipality's bills share a few due days.
SCHEDULE_ANSWERS_CACHED_MAX = 65_536

T = TypeVar("T")

#: ``progress(stage, done, total)`` hears how far a long call is.
Progress = Callable[[str, int, int], None]


def _silent(_stage: str, _done: int, _total: int) -> None:
    return None


def _utc_now() -> datetime:
    return datetime.now(UTC)


# -- what seeding takes ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NewObligation:
    """A bill as ``services.add_obligation`` takes it."""

    cost_type: CostType
    creditor_id: int
    frequency: Frequency
    first_due_on: date
    amount: Money
    reference: PaymentReference
    ends_on: date | None = None


@dataclass(frozen=True, slots=True)
class NewPhaseStep:
    """A step a coach decided, as ``services.decide_proposal`` records it (already approved)."""

    to_phase: int
    effective_on: date
    decided_on: date
    reason: str


@dataclass(frozen=True, slots=True)
class NewHousehold:
    """Everything ``register_household``, ``record_arrangement``, ``add_obligation`` and phase
    decisions take for one household; the arrangement agrees every cost type the policy allows."""

    name: str
    members: tuple[Member, ...]
    language: Language
    leefgeld_iban: str
    leefgeld_account_holder: str
    legal_basis: LegalBasis
    bijstand_start_on: date
    decision: Decision
    obligations: tuple[NewObligation, ...]
    phase_steps: tuple[NewPhaseStep, ...] = ()
    machtiging_signed_on: date | None = None


@dataclass(frozen=True, slots=True)
class BulkAllocation:
    """What one ``allocate_municipality_month`` call did."""

    households: int
    entries: int
    postings: int
    signals: int
    already_allocated: int


# -- seeding --------------------------------------------------------------------------------------


def add_households(
    engine: Engine,
    municipality_id: int,
    kredietbank_id: int | None,
    new_households: Sequence[NewHousehold],
    *,
    actor: str,
    now: Callable[[], datetime] = _utc_now,
) -> list[HouseholdId]:
    """Register households with their arrangement, phase history, obligations and accounts.

    The same rows as the services would write, checked by the same domain records (members, IBAN,
    name, arrangement dates, schedules, amounts, ladder steps), a chunk per transaction.
    """
    added: list[HouseholdId] = []
    for chunk in _chunks(new_households, HOUSEHOLDS_PER_TRANSACTION):

        def work(connection: Connection, chunk: Sequence[NewHousehold] = chunk) -> list[int]:
            return _add_household_chunk(
                connection, municipality_id, kredietbank_id, chunk, actor, now
            )

        added.extend(HouseholdId(household_id) for household_id in run_in_transaction(engine, work))
    return added


def _add_household_chunk(
    connection: Connection,
    municipality_id: int,
    kredietbank_id: int | None,
    chunk: Sequence[NewHousehold],
    actor: str,
    now: Callable[[], datetime],
) -> list[int]:
    repository = Repository(connection, now)
    policy = repository.get_municipality(municipality_id).policy
    if kredietbank_id is not None:
        served = connection.execute(
            select(kredietbank_municipalities.c.municipality_id).where(
                kredietbank_municipalities.c.kredietbank_id == kredietbank_id,
                kredietbank_municipalities.c.municipality_id == municipality_id,
            )
        ).scalar()
        if served is None:
            raise KredietbankDoesNotServeMunicipality(kredietbank_id, municipality_id)
    created_at = now()
    agreed = ",".join(sorted(cost_type.value for cost_type in policy.cost_types))
    household_rows = []
    for new in chunk:
        # Built only to be checked, as register_household and record_arrangement check them.
        household = Household(
            household_id=HouseholdId(0),
            municipality_id=MunicipalityId(municipality_id),
            kredietbank_id=None if kredietbank_id is None else KredietbankId(kredietbank_id),
            name=new.name,
            members=new.members,
            language=new.language,
            leefgeld_iban=Iban.parse(new.leefgeld_iban),
            leefgeld_account_holder=ExactAccountHolderName.parse(new.leefgeld_account_holder),
        )
        Arrangement(0, new.legal_basis, new.bijstand_start_on, _signed_on(new), new.decision)
        household_rows.append(
            (
                municipality_id,
                kredietbank_id,
                household.name,
                household.language.value,
                household.leefgeld_iban.value,
                household.leefgeld_account_holder.value,
                None,
                created_at,
            )
        )
    household_ids = _insert_returning_ids(
        connection,
        households,
        (
            "municipality_id",
            "kredietbank_id",
            "name",
            "language",
            "leefgeld_iban",
            "leefgeld_account_holder",
            "minimum_leefgeld_override_cents",
            "created_at",
        ),
        household_rows,
    )
    member_rows: list[tuple[Any, ...]] = []
    arrangement_rows: list[tuple[Any, ...]] = []
    change_rows: list[tuple[Any, ...]] = []
    obligation_rows: list[tuple[Any, ...]] = []
    amount_rows: list[tuple[date, int]] = []
    for household_id, new in zip(household_ids, chunk, strict=True):
        member_rows.extend(
            (
                household_id,
                position,
                member.name,
                member.role.value,
                member.born_on,
                None if member.bsn is None else member.bsn.value,
            )
            for position, member in enumerate(new.members)
        )
        arrangement_rows.append(
            (
                household_id,
                new.legal_basis.value,
                new.bijstand_start_on,
                _signed_on(new),
                new.decision.decided_on,
                new.decision.actor,
                new.decision.reference,
                None,
                None,
                None,
                agreed,
            )
        )
        change_rows.append(
            (
                household_id,
                ChangeKind.START.value,
                None,
                1,
                new.bijstand_start_on,
                new.decision.decided_on,
                new.decision.actor,
                f"Start ontzorging ({new.legal_basis.value}), beschikking {new.decision.reference}",
            )
        )
        current = 1
        for step in new.phase_steps:
            if not policy.ladder.allows(current, step.to_phase):
                raise PhaseStepNotAllowed(household_id, current, step.to_phase)
            change_rows.append(
                (
                    household_id,
                    ChangeKind.STEP.value,
                    current,
                    step.to_phase,
                    step.effective_on,
                    step.decided_on,
                    actor,
                    step.reason,
                )
            )
            current = step.to_phase
        for bill in new.obligations:
            Schedule(bill.frequency, bill.first_due_on, bill.ends_on)
            AmountChange(bill.first_due_on, bill.amount)  # refuses a non-positive amount
            reference_kind = "kenmerk" if isinstance(bill.reference, Betalingskenmerk) else "text"
            obligation_rows.append(
                (
                    household_id,
                    bill.cost_type.value,
                    bill.creditor_id,
                    bill.frequency.value,
                    bill.first_due_on,
                    bill.ends_on,
                    reference_kind,
                    bill.reference.value,
                    created_at,
                )
            )
            amount_rows.append((bill.first_due_on, bill.amount.cents))
    _insert_rows(
        connection,
        household_members,
        ("household_id", "position", "name", "role", "born_on", "bsn"),
        member_rows,
    )
    _insert_rows(
        connection,
        arrangements,
        (
            "household_id",
            "legal_basis",
            "bijstand_start_on",
            "machtiging_signed_on",
            "decided_on",
            "decided_by",
            "decision_reference",
            "pip_end_on",
            "bijstand_end_on",
            "ended_on",
            "agreed_cost_types",
        ),
        arrangement_rows,
    )
    _insert_rows(
        connection,
        phase_changes,
        (
            "household_id",
            "kind",
            "from_phase",
            "to_phase",
            "effective_on",
            "decided_on",
            "actor",
            "reason",
        ),
        change_rows,
    )
    obligation_ids = _insert_returning_ids(
        connection,
        obligations,
        (
            "household_id",
            "cost_type",
            "creditor_id",
            "frequency",
            "first_due_on",
            "ends_on",
            "reference_kind",
            "reference",
            "created_at",
        ),
        obligation_rows,
    )
    _insert_rows(
        connection,
        obligation_amounts,
        ("obligation_id", "effective_on", "amount_cents", "recorded_by", "recorded_at"),
        [
            (obligation_id, effective_on, cents, actor, created_at)
            for obligation_id, (effective_on, cents) in zip(
                obligation_ids, amount_rows, strict=True
            )
        ],
    )
    # The accounts each household and each obligation gets (ontzorgen.accounts).
    owners: list[tuple[int, AccountRole, int]] = []
    for household_id in household_ids:
        owners.extend(
            (household_id, role, NO_OBLIGATION)
            for role in AccountRole
            if role is not AccountRole.RESERVE
        )
    owners.extend(
        (row[0], AccountRole.RESERVE, obligation_id)
        for obligation_id, row in zip(obligation_ids, obligation_rows, strict=True)
    )
    account_ids = _open_accounts(
        connection,
        [
            account_spec(household_id, role, obligation_id)
            for household_id, role, obligation_id in owners
        ],
        now,
    )
    _insert_rows(
        connection,
        household_accounts,
        ("household_id", "role", "obligation_id", "account_id"),
        [
            (household_id, role.value, obligation_id, account_id)
            for (household_id, role, obligation_id), account_id in zip(
                owners, account_ids, strict=True
            )
        ],
    )
    return household_ids


def _signed_on(new: NewHousehold) -> date:
    return new.bijstand_start_on if new.machtiging_signed_on is None else new.machtiging_signed_on


def _open_accounts(
    connection: Connection, specs: Sequence[AccountSpec], now: Callable[[], datetime]
) -> list[AccountId]:
    if not is_postgresql(connection):
        return LedgerStore(connection, now).open_accounts(specs)
    opened_at = now()
    ids = _insert_returning_ids(
        connection,
        ledger_accounts,
        (
            "code",
            "name",
            "kind",
            "negative_forbidden",
            "balance_cents",
            "posting_count",
            "last_booked_on",
            "opened_at",
        ),
        [
            (spec.code, spec.name, spec.kind.value, spec.negative_forbidden, 0, 0, None, opened_at)
            for spec in specs
        ],
    )
    return [AccountId(account_id) for account_id in ids]


def record_bijstand(
    engine: Engine,
    month: Month,
    full_month_amounts: Sequence[tuple[int, Money]],
    *,
    received_on: date,
    source_reference: str = "",
    now: Callable[[], datetime] = _utc_now,
) -> int:
    """``services.record_bijstand`` for many ``(household, full month amount)`` pairs at once.

    Returns how many were booked; a month recorded before under the same source reference is
    skipped, as the service replays it.
    """
    booked = 0
    for chunk in _chunks(full_month_amounts, HOUSEHOLDS_PER_TRANSACTION):

        def work(connection: Connection, chunk: Sequence[tuple[int, Money]] = chunk) -> int:
            return _record_bijstand_chunk(
                connection, month, chunk, received_on, source_reference, now
            )

        booked += run_in_transaction(engine, work)
    return booked


def _record_bijstand_chunk(
    connection: Connection,
    month: Month,
    chunk: Sequence[tuple[int, Money]],
    received_on: date,
    source_reference: str,
    now: Callable[[], datetime],
) -> int:
    kind = IncomeKind.BIJSTAND
    household_ids = [household_id for household_id, _ in chunk]
    for _, amount in chunk:
        if amount.cents <= 0:
            raise ValueError(f"Income must be positive; got {amount}.")
    policies = _policies_of(connection, household_ids)
    periods = {
        row.household_id: (row.bijstand_start_on, row.bijstand_end_on)
        for row in connection.execute(
            select(
                arrangements.c.household_id,
                arrangements.c.bijstand_start_on,
                arrangements.c.bijstand_end_on,
            ).where(_among(connection, arrangements.c.household_id, household_ids))
        )
    }
    recorded = set(
        connection.execute(
            select(incomes.c.household_id).where(
                _among(connection, incomes.c.household_id, household_ids),
                incomes.c.month == str(month),
                incomes.c.kind == kind.value,
                incomes.c.source_reference == source_reference,
            )
        ).scalars()
    )
    account_of = _account_ids(connection, household_ids)
    entries = []
    income_rows = []
    for household_id, full_month_amount in chunk:
        if household_id in recorded:
            continue
        start_on, end_on = periods[household_id]
        policy = policies[household_id]
        if not days_with_right(month, start_on, end_on):
            raise MonthOutsideArrangement(household_id, month)
        gross = prorated(full_month_amount, month, start_on, end_on, policy.proration)
        if gross.cents == 0:
            raise NothingToBook(household_id, month)
        split = split_bijstand(gross, policy.vakantietoeslag_percent)
        postings = [
            Posting.debit(
                account_of[(household_id, AccountRole.FUNDS.value, 0)], split.gross.cents
            ),
            Posting.credit(
                account_of[(household_id, AccountRole.INCOME.value, 0)], split.net.cents
            ),
        ]
        if split.vakantietoeslag.cents:
            postings.append(
                Posting.credit(
                    account_of[(household_id, AccountRole.VAKANTIETOESLAG.value, 0)],
                    split.vakantietoeslag.cents,
                )
            )
        entries.append(
            NewEntry(
                booked_on=received_on,
                postings=tuple(postings),
                description=f"{kind.value} {month}",
                idempotency_key=f"income:{household_id}:{month}:{kind.value}:{source_reference}",
            )
        )
        income_rows.append(
            [
                household_id,
                str(month),
                kind.value,
                source_reference,
                full_month_amount.cents,
                split.gross.cents,
                split.vakantietoeslag.cents,
                received_on,
            ]
        )
    entry_ids = LedgerStore(connection, now).post_batch(entries)
    _insert_rows(
        connection,
        incomes,
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
        ),
        [(*row, entry_id) for row, entry_id in zip(income_rows, entry_ids, strict=True)],
    )
    return len(entries)


# -- dividing a month -----------------------------------------------------------------------------


def allocate_municipality_month(
    engine: Engine,
    municipality_id: int,
    month: Month,
    today: date,
    *,
    now: Callable[[], datetime] = _utc_now,
    progress: Progress = _silent,
) -> BulkAllocation:
    """``services.allocate_month`` for every household of the municipality that has bijstand
    recorded for ``month`` and no allocation of it yet, a chunk of households per transaction.

    A household without bijstand for the month is left alone (the service would refuse it); the
    missing-bijstand signal tells its coach. Returns what was done, summed over the chunks.
    """
    with engine.connect() as connection:
        candidates = list(
            connection.execute(
                select(households.c.id)
                .where(
                    households.c.municipality_id == municipality_id,
                    select(incomes.c.id)
                    .where(
                        incomes.c.household_id == households.c.id,
                        incomes.c.month == str(month),
                        incomes.c.kind == IncomeKind.BIJSTAND.value,
                    )
                    .exists(),
                    ~select(allocations.c.household_id)
                    .where(
                        allocations.c.household_id == households.c.id,
                        allocations.c.month == str(month),
                    )
                    .exists(),
                )
                .order_by(households.c.id)
            )
            .scalars()
            .all()
        )
    totals = [0, 0, 0, 0, 0]
    for chunk in _chunks(candidates, HOUSEHOLDS_PER_TRANSACTION):

        def work(connection: Connection, chunk: Sequence[int] = chunk) -> tuple[int, ...]:
            with collection_paused():
                return _allocate_chunk(connection, municipality_id, chunk, month, today, now)

        for index, count in enumerate(run_in_transaction(engine, work)):
            totals[index] += count
        progress("allocating", totals[0] + totals[4], len(candidates))
    return BulkAllocation(*totals)


@dataclass(frozen=True, slots=True)
class _Income:
    net_cents: int
    income_ids: list[int]


def _allocate_chunk(
    connection: Connection,
    municipality_id: int,
    household_ids: Sequence[int],
    month: Month,
    today: date,
    now: Callable[[], datetime],
) -> tuple[int, int, int, int, int]:
    """Allocate one chunk in the caller's transaction: households, entries, postings, signals,
    households found allocated already."""
    month_text = str(month)
    policy = Repository(connection, now).get_municipality(municipality_id).policy
    # Checked again inside the transaction: the service may have allocated some meanwhile.
    done = set(
        connection.execute(
            select(allocations.c.household_id).where(
                _among(connection, allocations.c.household_id, household_ids),
                allocations.c.month == month_text,
            )
        )
        .scalars()
        .all()
    )
    todo = [household_id for household_id in household_ids if household_id not in done]
    if not todo:
        return 0, 0, 0, 0, len(done)
    first_day = month.first_day
    facts_of = _household_facts_of(connection, todo, policy)
    changes_of = _phase_changes_of(connection, todo)
    phase_of = {
        household_id: policy.ladder.phase(
            phase_on(changes_of.get(household_id, ()), first_day) or 1
        )
        for household_id in todo
    }
    obligations_of = _withheld_obligations_of(connection, todo, phase_of, facts_of)
    income_of = _unallocated_income_of(connection, todo, month)
    accounts_of = _household_accounts_of(connection, todo)
    vakantietoeslag_month = month.month == policy.vakantietoeslag_month
    # The reserved vakantietoeslag is read only in the months it is paid out, as the service does.
    balance_of = _balances_of(
        connection,
        [
            accounts_of[household_id].vakantietoeslag
            for household_id in todo
            if vakantietoeslag_month or _ends_in(month, facts_of[household_id].end_on)
        ],
    )
    entries: list[NewEntry] = []
    entry_owner: list[int] = []
    allocation_rows: list[list[Any]] = []
    line_rows: list[tuple[Any, ...]] = []
    part_rows: list[tuple[Any, ...]] = []
    new_signals: list[NewSignal] = []
    allocated_income_ids: list[int] = []
    for household_id in todo:
        facts = facts_of[household_id]
        start_on, end_on = facts.start_on, facts.end_on
        phase = phase_of[household_id]
        accounts = accounts_of[household_id]
        income = income_of.get(household_id, _Income(0, []))
        allocated_income_ids.extend(income.income_ids)
        needs = []
        for obligation in obligations_of.get(household_id, ()):
            amount, due_on = obligation.reservation_for(month)
            if amount.cents:
                needs.append(Need(obligation.obligation_id, obligation.cost_type, amount, due_on))
        floor = prorated(facts.minimum_leefgeld, month, start_on, end_on, policy.proration)
        allocation = allocate(
            month, Money(income.net_cents), floor, needs, policy, phase.leefgeld_frequency
        )
        vakantietoeslag = Money(0)
        if vakantietoeslag_month or _ends_in(month, end_on):
            vakantietoeslag = Money(balance_of[accounts.vakantietoeslag])
        if _books_anything(allocation, vakantietoeslag):
            entries.append(
                NewEntry(
                    booked_on=today,
                    postings=_allocation_postings(allocation, accounts, vakantietoeslag),
                    description=f"Verdeling {month_text}",
                    idempotency_key=f"allocation:{household_id}:{month_text}",
                )
            )
            entry_owner.append(household_id)
        # The vakantietoeslag goes out with the leefgeld, spread over the same payment days.
        parts = leefgeld_parts(
            month,
            allocation.leefgeld + vakantietoeslag,
            phase.leefgeld_frequency,
            policy,
            not_before=max(start_on, today),
        )
        allocation_rows.append(
            [
                household_id,
                month_text,
                phase.number,
                allocation.income.cents,
                allocation.minimum_leefgeld.cents,
                allocation.reserved.cents,
                allocation.arrears.cents,
                allocation.leefgeld.cents + vakantietoeslag.cents,
                vakantietoeslag.cents,
                today,
                None,
            ]
        )
        line_rows.extend(
            (
                household_id,
                month_text,
                line.obligation_id,
                line.cost_type.value,
                line.need.cents,
                line.reserved.cents,
                line.arrear.cents,
                line.due_on,
            )
            for line in allocation.lines
        )
        part_rows.extend(
            (household_id, month_text, position, part.pay_on, part.amount.cents)
            for position, part in enumerate(parts)
        )
        new_signals.extend(arrear_signals(household_id, allocation, today))

    entry_ids = LedgerStore(connection, now).post_batch(entries)
    entry_of = dict(zip(entry_owner, entry_ids, strict=True))
    for allocation_row in allocation_rows:
        allocation_row[-1] = entry_of.get(allocation_row[0])
    _mark_income_allocated(connection, allocated_income_ids, month_text)
    _insert_rows(
        connection,
        allocations,
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
        allocation_rows,
    )
    _insert_rows(
        connection,
        allocation_lines,
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
        line_rows,
    )
    _insert_rows(
        connection,
        leefgeld_part_rows,
        ("household_id", "month", "position", "pay_on", "amount_cents"),
        part_rows,
    )
    raised = _raise_signals(connection, new_signals)
    posting_count = sum(len(entry.postings) for entry in entries)
    return len(todo), len(entries), posting_count, raised, len(done)


def _ends_in(month: Month, bijstand_end_on: date | None) -> bool:
    return bijstand_end_on is not None and month.contains(bijstand_end_on)


# -- bulk reads -----------------------------------------------------------------------------------
# Each read fetches its rows whole (``.all()``): iterating a result makes the driver fetch row by
# row, about 1 µs more per row, and a chunk reads some 200,000 rows.


def _policies_of(connection: Connection, household_ids: Sequence[int]) -> dict[int, Policy]:
    repository = Repository(connection, _utc_now)
    municipality_of: dict[int, int] = {
        household_id: municipality_id
        for household_id, municipality_id in connection.execute(
            select(households.c.id, households.c.municipality_id).where(
                _among(connection, households.c.id, household_ids)
            )
        )
        .tuples()
        .all()
    }
    policy_of = {
        municipality_id: repository.get_municipality(municipality_id).policy
        for municipality_id in set(municipality_of.values())
    }
    return {
        household_id: policy_of[municipality_id]
        for household_id, municipality_id in municipality_of.items()
    }


@dataclass(frozen=True, slots=True)
class _Facts:
    """What allocation reads of a household and its arrangement."""

    start_on: date
    end_on: date | None
    agreed: frozenset[CostType]
    minimum_leefgeld: Money


def _household_facts_of(
    connection: Connection, household_ids: Sequence[int], policy: Policy
) -> dict[int, _Facts]:
    """The arrangement's dates and agreed cost types, and ``Household.minimum_leefgeld``.

    The minimum is taken from the two things that method reads: a coach's override, else the
    policy's amount for the number of members. The whole household (IBAN check and all) is not
    built for it: that would cost more than the allocation itself.
    """
    member_count = (
        select(func.count())
        .where(household_members.c.household_id == households.c.id)
        .scalar_subquery()
    )
    found = {}
    for household_id, override_cents, members, start_on, end_on, agreed in (
        connection.execute(
            select(
                households.c.id,
                households.c.minimum_leefgeld_override_cents,
                member_count,
                arrangements.c.bijstand_start_on,
                arrangements.c.bijstand_end_on,
                arrangements.c.agreed_cost_types,
            )
            .select_from(
                households.join(arrangements, arrangements.c.household_id == households.c.id)
            )
            .where(_among(connection, households.c.id, household_ids))
        )
        .tuples()
        .all()
    ):
        found[household_id] = _Facts(
            start_on,
            end_on,
            _agreed(agreed),
            policy.minimum_leefgeld(members) if override_cents is None else Money(override_cents),
        )
    return found


@functools.lru_cache(maxsize=16)
def _agreed(text_value: str) -> frozenset[CostType]:
    return frozenset(CostType(value) for value in text_value.split(",") if value)


def _phase_changes_of(
    connection: Connection, household_ids: Sequence[int]
) -> dict[int, list[PhaseChange]]:
    found: dict[int, list[PhaseChange]] = {}
    for household_id, kind, from_phase, to_phase, effective_on, decided_on, actor, reason in (
        connection.execute(
            select(
                phase_changes.c.household_id,
                phase_changes.c.kind,
                phase_changes.c.from_phase,
                phase_changes.c.to_phase,
                phase_changes.c.effective_on,
                phase_changes.c.decided_on,
                phase_changes.c.actor,
                phase_changes.c.reason,
            )
            .where(_among(connection, phase_changes.c.household_id, household_ids))
            .order_by(
                phase_changes.c.household_id, phase_changes.c.effective_on, phase_changes.c.id
            )
        )
        .tuples()
        .all()
    ):
        found.setdefault(household_id, []).append(
            PhaseChange(
                household_id,
                ChangeKind(kind),
                from_phase,
                to_phase,
                effective_on,
                decided_on,
                actor,
                reason,
            )
        )
    return found


class _RememberingSchedule(Schedule):
    """A ``Schedule`` that remembers its answers: same fields, same answers, asked once.

    ``Obligation.reservation_for`` asks the schedule for the next due date, which walks a
    ``dateutil`` rule: some 100 µs, the most expensive step of a whole allocation. Thousands of
    bills share a frequency and first due date, so the answer is computed once per distinct
    schedule and day by ``Schedule``'s own method.
    """

    __slots__ = ()

    def next_due_on_or_after(self, day: date) -> date | None:
        return _next_due_on_or_after(self, day)


@functools.lru_cache(maxsize=SCHEDULE_ANSWERS_CACHED_MAX)
def _next_due_on_or_after(schedule: Schedule, day: date) -> date | None:
    return Schedule.next_due_on_or_after(schedule, day)


#: ``Obligation.reservation_for`` reads the schedule and the amounts, never the payment reference;
#: the run that pays the bill reads the reference. Allocation leaves it out rather than parse a
#: betalingskenmerk per household per month for nothing.
_REFERENCE_NOT_READ = FreeTextReference("(niet gelezen bij verdeling)")


def _withheld_obligations_of(
    connection: Connection,
    household_ids: Sequence[int],
    phase_of: dict[int, PhaseDefinition],
    facts_of: dict[int, _Facts],
) -> dict[int, list[Obligation]]:
    """Each household's obligations that its phase withholds, in id order, as the service takes
    them from ``Repository.obligations_of`` and filters them."""
    found: dict[int, list[Obligation]] = {}
    schedules: dict[tuple[str, date, date | None], Schedule] = {}
    rows = connection.execute(
        select(
            obligations.c.id,
            obligations.c.household_id,
            obligations.c.cost_type,
            obligations.c.creditor_id,
            obligations.c.frequency,
            obligations.c.first_due_on,
            obligations.c.ends_on,
            obligation_amounts.c.effective_on,
            obligation_amounts.c.amount_cents,
        )
        .select_from(
            obligations.join(
                obligation_amounts, obligation_amounts.c.obligation_id == obligations.c.id
            )
        )
        .where(_among(connection, obligations.c.household_id, household_ids))
        .order_by(obligations.c.id)
    ).all()
    for obligation_id, group in itertools.groupby(rows, key=operator.itemgetter(0)):
        changes = list(group)
        _, household_id, cost_type_value, creditor_id, frequency, first_due_on, ends_on, *_ = (
            changes[0]
        )
        cost_type = CostType(cost_type_value)
        if not phase_of[household_id].withholds(cost_type, facts_of[household_id].agreed):
            continue
        key = (frequency, first_due_on, ends_on)
        schedule = schedules.get(key)
        if schedule is None:
            schedule = schedules[key] = _RememberingSchedule(
                Frequency(frequency), first_due_on, ends_on
            )
        found.setdefault(household_id, []).append(
            Obligation(
                obligation_id=ObligationId(obligation_id),
                household_id=household_id,
                cost_type=cost_type,
                creditor_id=CreditorId(creditor_id),
                schedule=schedule,
                amounts=tuple(AmountChange(row[7], Money(row[8])) for row in changes),
                reference=_REFERENCE_NOT_READ,
            )
        )
    return found


def _unallocated_income_of(
    connection: Connection, household_ids: Sequence[int], up_to: Month
) -> dict[int, _Income]:
    """``Repository.unallocated_income`` for many households."""
    found: dict[int, _Income] = {}
    for income_id, household_id, gross_cents, vakantietoeslag_cents in (
        connection.execute(
            select(
                incomes.c.id,
                incomes.c.household_id,
                incomes.c.gross_cents,
                incomes.c.vakantietoeslag_cents,
            ).where(
                _among(connection, incomes.c.household_id, household_ids),
                incomes.c.allocated_month.is_(None),
                incomes.c.month <= str(up_to),
            )
        )
        .tuples()
        .all()
    ):
        income = found.get(household_id)
        if income is None:
            income = found[household_id] = _Income(0, [])
        found[household_id] = _Income(
            income.net_cents + gross_cents - vakantietoeslag_cents, [*income.income_ids, income_id]
        )
    return found


def _account_ids(
    connection: Connection, household_ids: Sequence[int]
) -> dict[tuple[int, str, int], AccountId]:
    return {
        (household_id, role, obligation_id): AccountId(account_id)
        for household_id, role, obligation_id, account_id in connection.execute(
            select(
                household_accounts.c.household_id,
                household_accounts.c.role,
                household_accounts.c.obligation_id,
                household_accounts.c.account_id,
            ).where(_among(connection, household_accounts.c.household_id, household_ids))
        )
        .tuples()
        .all()
    }


def _household_accounts_of(
    connection: Connection, household_ids: Sequence[int]
) -> dict[int, HouseholdAccounts]:
    """``ontzorgen.accounts.household_accounts`` for many households.

    The six accounts every household has come as one row per household, the reserves as one row
    each: half the rows of reading every account as a row.
    """
    account = household_accounts.c.account_id
    role = household_accounts.c.role
    singles = (
        AccountRole.FUNDS,
        AccountRole.INCOME,
        AccountRole.VAKANTIETOESLAG,
        AccountRole.LEEFGELD,
        AccountRole.ARREARS,
        AccountRole.SHORTFALL,
    )
    reserves: dict[int, dict[ObligationId, AccountId]] = {}
    for household_id, obligation_id, account_id in (
        connection.execute(
            select(
                household_accounts.c.household_id, household_accounts.c.obligation_id, account
            ).where(
                _among(connection, household_accounts.c.household_id, household_ids),
                role == AccountRole.RESERVE.value,
            )
        )
        .tuples()
        .all()
    ):
        reserves.setdefault(household_id, {})[ObligationId(obligation_id)] = AccountId(account_id)
    found = {}
    for household_id, *ids in (
        connection.execute(
            select(
                household_accounts.c.household_id,
                *(func.max(account).filter(role == single.value) for single in singles),
            )
            .where(
                _among(connection, household_accounts.c.household_id, household_ids),
                household_accounts.c.obligation_id == 0,
            )
            .group_by(household_accounts.c.household_id)
        )
        .tuples()
        .all()
    ):
        funds, income, vakantietoeslag, leefgeld, arrears, shortfall = map(AccountId, ids)
        found[household_id] = HouseholdAccounts(
            funds=funds,
            income=income,
            vakantietoeslag=vakantietoeslag,
            leefgeld=leefgeld,
            arrears=arrears,
            shortfall=shortfall,
            reserves=reserves.get(household_id, {}),
        )
    return found


def _balances_of(connection: Connection, account_ids: Sequence[AccountId]) -> dict[int, int]:
    """``LedgerStore.balance`` of many accounts: the balance kept on the account row."""
    if not account_ids:
        return {}
    return {
        account_id: balance_cents
        for account_id, balance_cents in connection.execute(
            select(ledger_accounts.c.id, ledger_accounts.c.balance_cents).where(
                _among(connection, ledger_accounts.c.id, account_ids)
            )
        )
        .tuples()
        .all()
    }


# -- bulk writes ----------------------------------------------------------------------------------


def _among(connection: Connection, column: Any, values: Iterable[Any]) -> ColumnElement[bool]:
    """``column IN values`` for a chunk's rows: the column's index is probed once per value.

    A chunk is a few thousand households of one municipality; seeing that many values, the planner
    would scan the whole table instead, which costs more with every other municipality's rows.
    """
    return among(connection, column, values, count_hidden=True)


def _mark_income_allocated(connection: Connection, income_ids: Sequence[int], month: str) -> None:
    for chunk in _chunks(income_ids, HOUSEHOLDS_PER_TRANSACTION):
        connection.execute(
            update(incomes)
            .where(_among(connection, incomes.c.id, chunk))
            .values(allocated_month=month)
        )


def _raise_signals(connection: Connection, new_signals: Sequence[NewSignal]) -> int:
    """``Repository.raise_signal`` for many: a signal whose situation is known is left out."""
    if not new_signals:
        return 0
    known = set(
        connection.execute(
            select(signals.c.household_id, signals.c.subject).where(
                _among(
                    connection,
                    signals.c.household_id,
                    {signal.household_id for signal in new_signals},
                ),
                # A filter on the rows found, not an index probe: as a plain array the server
                # looks the subjects up in a hash table; hidden, it would compare each row with
                # every one of them.
                among(connection, signals.c.subject, {signal.subject for signal in new_signals}),
            )
        ).tuples()
    )
    rows = []
    for signal in new_signals:
        key = (signal.household_id, signal.subject)
        if key in known:
            continue
        known.add(key)
        rows.append(
            (
                signal.household_id,
                signal.kind.value,
                signal.subject,
                signal.urgency,
                signal.raised_on,
                signal.message,
                "open",
            )
        )
    _insert_rows(
        connection,
        signals,
        ("household_id", "kind", "subject", "urgency", "raised_on", "message", "status"),
        rows,
    )
    return len(rows)


def _insert_rows(
    connection: Connection, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Rows into ``table``: ``COPY`` on PostgreSQL, one multi-row insert on SQLite."""
    if not rows:
        return
    if not is_postgresql(connection):
        connection.execute(insert(table), [dict(zip(columns, row, strict=True)) for row in rows])
        return
    statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        with cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
    except connection.dialect.loaded_dbapi.Error as error:
        # Wrapped as SQLAlchemy wraps driver errors, so run_in_transaction can retry a deadlock.
        wrapped = DBAPIError.instance(
            statement,
            None,
            error,
            connection.dialect.loaded_dbapi.Error,
            dialect=connection.dialect,
        )
        raise wrapped from error


def _insert_returning_ids(
    connection: Connection, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> list[int]:
    """Insert rows and return their new ids in row order.

    PostgreSQL: the ids are taken from the table's sequence first, then the rows are copied with
    them. SQLite: a multi-row insert that returns the ids in parameter order.
    """
    if not rows:
        return []
    if not is_postgresql(connection):
        result = connection.execute(
            insert(table).returning(table.c.id, sort_by_parameter_order=True),
            [dict(zip(columns, row, strict=True)) for row in rows],
        )
        return [int(value) for value in result.scalars().all()]
    ids = sorted(
        connection.execute(
            text(
                "SELECT nextval(pg_get_serial_sequence(:table, 'id')) "
                "FROM generate_series(1, :count)"
            ),
            {"table": table.name, "count": len(rows)},
        ).scalars()
    )
    _insert_rows(
        connection,
        table,
        ("id", *columns),
        [(row_id, *row) for row_id, row in zip(ids, rows, strict=True)],
    )
    return [int(value) for value in ids]


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
