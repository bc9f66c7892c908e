"""Storage of the domain's records: rows in, domain records out. No rules live here.

Every method works inside the unit of work's transaction and never commits.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from ledger.model import AccountId, EntryId
from ledger.money import Money
from ontzorgen.allocation import Allocation, LeefgeldPart
from ontzorgen.arrangement import Arrangement, Decision, LegalBasis
from ontzorgen.households import (
    Address,
    Creditor,
    CreditorKind,
    Household,
    HouseholdId,
    Kredietbank,
    KredietbankId,
    Language,
    Member,
    MemberRole,
    Municipality,
    MunicipalityId,
    UnknownCreditor,
    UnknownHousehold,
    UnknownKredietbank,
    UnknownMunicipality,
)
from ontzorgen.identifiers import (
    Betalingskenmerk,
    Bic,
    Bsn,
    ExactAccountHolderName,
    FreeTextReference,
    Iban,
    PaymentReference,
)
from ontzorgen.months import Month
from ontzorgen.obligations import (
    AmountChange,
    CreditorId,
    Frequency,
    Obligation,
    ObligationId,
    Schedule,
)
from ontzorgen.phases import ChangeKind, PhaseChange
from ontzorgen.policy import CostType
from ontzorgen.policy_codec import policy_from_json
from ontzorgen.signals import NewSignal
from ontzorgen.tables import (
    allocation_lines,
    allocations,
    arrangements,
    creditors,
    household_accounts,
    household_members,
    households,
    incomes,
    kredietbank_municipalities,
    kredietbanken,
    leefgeld_parts,
    milestones,
    minimum_leefgeld_decisions,
    municipalities,
    obligation_amounts,
    obligations,
    phase_changes,
    phase_proposals,
    signals,
)


@dataclass(frozen=True, slots=True)
class StoredAllocation:
    household_id: int
    month: Month
    phase: int
    income: Money
    minimum_leefgeld: Money
    reserved: Money
    arrears: Money
    leefgeld: Money
    vakantietoeslag_paid: Money
    allocated_on: date
    entry_id: EntryId | None


@dataclass(frozen=True, slots=True)
class MilestoneRecord:
    code: str
    achieved_on: date
    evidence: str
    actor: str


@dataclass(frozen=True, slots=True)
class Proposal:
    proposal_id: int
    household_id: int
    from_phase: int
    to_phase: int
    proposed_on: date
    status: str
    decided_on: date | None
    decided_by: str | None
    reason: str | None


@dataclass(frozen=True, slots=True)
class SignalRecord:
    signal_id: int
    household_id: int
    kind: str
    subject: str
    urgency: int
    raised_on: date
    message: str
    status: str
    handled_on: date | None
    handled_by: str | None
    note: str | None


def _reference_to_row(reference: PaymentReference) -> tuple[str, str]:
    if isinstance(reference, Betalingskenmerk):
        return "kenmerk", reference.value
    return "text", reference.value


def _reference_from_row(kind: str, value: str) -> PaymentReference:
    return Betalingskenmerk.parse(value) if kind == "kenmerk" else FreeTextReference(value)


class Repository:
    def __init__(self, connection: Connection, now: Callable[[], datetime]) -> None:
        self._connection = connection
        self._now = now

    def _insert(self, table: Any, **values: Any) -> int:
        result = self._connection.execute(insert(table).values(**values))
        primary_key = result.inserted_primary_key
        return int(primary_key[0]) if primary_key else 0

    # -- municipalities and kredietbanken -------------------------------------------------------

    def add_municipality(self, code: str, name: str, policy_json: str) -> MunicipalityId:
        return MunicipalityId(
            self._insert(
                municipalities, code=code, name=name, policy=policy_json, created_at=self._now()
            )
        )

    def get_municipality(self, municipality_id: int) -> Municipality:
        row = self._connection.execute(
            select(municipalities).where(municipalities.c.id == municipality_id)
        ).one_or_none()
        if row is None:
            raise UnknownMunicipality(municipality_id)
        return Municipality(
            MunicipalityId(row.id), row.code, row.name, policy_from_json(row.policy)
        )

    def municipality_id_by_code(self, code: str) -> MunicipalityId | None:
        found = self._connection.execute(
            select(municipalities.c.id).where(municipalities.c.code == code)
        ).scalar()
        return None if found is None else MunicipalityId(found)

    def update_policy(self, municipality_id: int, policy_json: str) -> None:
        self._connection.execute(
            update(municipalities)
            .where(municipalities.c.id == municipality_id)
            .values(policy=policy_json)
        )

    def add_kredietbank(self, name: str, municipality_ids: Sequence[int]) -> KredietbankId:
        kredietbank_id = self._insert(kredietbanken, name=name, created_at=self._now())
        for municipality_id in municipality_ids:
            self._connection.execute(
                insert(kredietbank_municipalities).values(
                    kredietbank_id=kredietbank_id, municipality_id=municipality_id
                )
            )
        return KredietbankId(kredietbank_id)

    def get_kredietbank(self, kredietbank_id: int) -> Kredietbank:
        row = self._connection.execute(
            select(kredietbanken).where(kredietbanken.c.id == kredietbank_id)
        ).one_or_none()
        if row is None:
            raise UnknownKredietbank(kredietbank_id)
        served = self._connection.execute(
            select(kredietbank_municipalities.c.municipality_id).where(
                kredietbank_municipalities.c.kredietbank_id == kredietbank_id
            )
        ).scalars()
        return Kredietbank(
            KredietbankId(row.id), row.name, frozenset(MunicipalityId(m) for m in served)
        )

    # -- creditors ------------------------------------------------------------------------------

    def add_creditor(
        self,
        name: ExactAccountHolderName,
        iban: Iban,
        bic: Bic | None,
        kind: CreditorKind,
        address: Address,
    ) -> CreditorId:
        return CreditorId(
            self._insert(
                creditors,
                name=name.value,
                iban=iban.value,
                bic=None if bic is None else bic.value,
                kind=kind.value,
                street=address.street,
                building_number=address.building_number,
                postcode=address.postcode,
                town=address.town,
                country=address.country,
                created_at=self._now(),
            )
        )

    def get_creditor(self, creditor_id: int) -> Creditor:
        row = self._connection.execute(
            select(creditors).where(creditors.c.id == creditor_id)
        ).one_or_none()
        if row is None:
            raise UnknownCreditor(creditor_id)
        return Creditor(
            creditor_id=row.id,
            name=ExactAccountHolderName.parse(row.name),
            iban=Iban.parse(row.iban),
            bic=None if row.bic is None else Bic.parse(row.bic),
            kind=CreditorKind(row.kind),
            address=Address(row.street, row.building_number, row.postcode, row.town, row.country),
        )

    # -- households -----------------------------------------------------------------------------

    def add_household(self, household: Household) -> HouseholdId:
        household_id = self._insert(
            households,
            municipality_id=household.municipality_id,
            kredietbank_id=household.kredietbank_id,
            name=household.name,
            language=household.language.value,
            leefgeld_iban=household.leefgeld_iban.value,
            leefgeld_account_holder=household.leefgeld_account_holder.value,
            minimum_leefgeld_override_cents=None,
            created_at=self._now(),
        )
        self._connection.execute(
            insert(household_members),
            [
                {
                    "household_id": household_id,
                    "position": position,
                    "name": member.name,
                    "role": member.role.value,
                    "born_on": member.born_on,
                    "bsn": None if member.bsn is None else member.bsn.value,
                }
                for position, member in enumerate(household.members)
            ],
        )
        return HouseholdId(household_id)

    def get_household(self, household_id: int) -> Household:
        row = self._connection.execute(
            select(households).where(households.c.id == household_id)
        ).one_or_none()
        if row is None:
            raise UnknownHousehold(household_id)
        members = self._connection.execute(
            select(household_members)
            .where(household_members.c.household_id == household_id)
            .order_by(household_members.c.position)
        ).all()
        override = row.minimum_leefgeld_override_cents
        return Household(
            household_id=HouseholdId(row.id),
            municipality_id=MunicipalityId(row.municipality_id),
            kredietbank_id=None
            if row.kredietbank_id is None
            else KredietbankId(row.kredietbank_id),
            name=row.name,
            members=tuple(
                Member(
                    m.name,
                    MemberRole(m.role),
                    m.born_on,
                    None if m.bsn is None else Bsn.parse(m.bsn),
                )
                for m in members
            ),
            language=Language(row.language),
            leefgeld_iban=Iban.parse(row.leefgeld_iban),
            leefgeld_account_holder=ExactAccountHolderName.parse(row.leefgeld_account_holder),
            minimum_leefgeld_override=None if override is None else Money(override),
        )

    def household_ids(self) -> list[HouseholdId]:
        rows = self._connection.execute(
            select(arrangements.c.household_id).order_by(arrangements.c.household_id)
        ).scalars()
        return [HouseholdId(row) for row in rows]

    def set_minimum_leefgeld(
        self, household_id: int, amount: Money | None, decided_on: date, actor: str, reason: str
    ) -> None:
        self._connection.execute(
            update(households)
            .where(households.c.id == household_id)
            .values(minimum_leefgeld_override_cents=None if amount is None else amount.cents)
        )
        self._insert(
            minimum_leefgeld_decisions,
            household_id=household_id,
            amount_cents=None if amount is None else amount.cents,
            decided_on=decided_on,
            actor=actor,
            reason=reason,
        )

    def add_household_account(
        self, household_id: int, role: str, obligation_id: int, account_id: AccountId
    ) -> None:
        self._connection.execute(
            insert(household_accounts).values(
                household_id=household_id,
                role=role,
                obligation_id=obligation_id,
                account_id=account_id,
            )
        )

    def household_accounts(self, household_id: int) -> list[tuple[str, int, AccountId]]:
        rows = self._connection.execute(
            select(
                household_accounts.c.role,
                household_accounts.c.obligation_id,
                household_accounts.c.account_id,
            ).where(household_accounts.c.household_id == household_id)
        ).all()
        return [(row.role, row.obligation_id, AccountId(row.account_id)) for row in rows]

    # -- arrangements ---------------------------------------------------------------------------

    def save_arrangement(self, arrangement: Arrangement, agreed: frozenset[CostType]) -> None:
        values = {
            "legal_basis": arrangement.legal_basis.value,
            "bijstand_start_on": arrangement.bijstand_start_on,
            "machtiging_signed_on": arrangement.machtiging_signed_on,
            "decided_on": arrangement.decision.decided_on,
            "decided_by": arrangement.decision.actor,
            "decision_reference": arrangement.decision.reference,
            "pip_end_on": arrangement.pip_end_on,
            "bijstand_end_on": arrangement.bijstand_end_on,
            "ended_on": arrangement.ended_on,
            "agreed_cost_types": ",".join(sorted(c.value for c in agreed)),
        }
        changed = self._connection.execute(
            update(arrangements)
            .where(arrangements.c.household_id == arrangement.household_id)
            .values(**values)
        ).rowcount
        if not changed:
            self._connection.execute(
                insert(arrangements).values(household_id=arrangement.household_id, **values)
            )

    def get_arrangement(self, household_id: int) -> tuple[Arrangement, frozenset[CostType]] | None:
        row = self._connection.execute(
            select(arrangements).where(arrangements.c.household_id == household_id)
        ).one_or_none()
        if row is None:
            return None
        arrangement = Arrangement(
            household_id=row.household_id,
            legal_basis=LegalBasis(row.legal_basis),
            bijstand_start_on=row.bijstand_start_on,
            machtiging_signed_on=row.machtiging_signed_on,
            decision=Decision(row.decided_on, row.decided_by, row.decision_reference),
            pip_end_on=row.pip_end_on,
            bijstand_end_on=row.bijstand_end_on,
            ended_on=row.ended_on,
        )
        agreed = frozenset(CostType(c) for c in row.agreed_cost_types.split(",") if c)
        return arrangement, agreed

    # -- obligations ----------------------------------------------------------------------------

    def add_obligation(
        self,
        household_id: int,
        cost_type: CostType,
        creditor_id: int,
        schedule: Schedule,
        reference: PaymentReference,
    ) -> ObligationId:
        reference_kind, reference_value = _reference_to_row(reference)
        return ObligationId(
            self._insert(
                obligations,
                household_id=household_id,
                cost_type=cost_type.value,
                creditor_id=creditor_id,
                frequency=schedule.frequency.value,
                first_due_on=schedule.first_due_on,
                ends_on=schedule.ends_on,
                reference_kind=reference_kind,
                reference=reference_value,
                created_at=self._now(),
            )
        )

    def obligation_amount_on(self, obligation_id: int, effective_on: date) -> Money | None:
        """The amount recorded with exactly this effective date, if any."""
        cents = self._connection.execute(
            select(obligation_amounts.c.amount_cents).where(
                obligation_amounts.c.obligation_id == obligation_id,
                obligation_amounts.c.effective_on == effective_on,
            )
        ).scalar()
        return None if cents is None else Money(cents)

    def add_obligation_amount(
        self, obligation_id: int, effective_on: date, amount: Money, actor: str
    ) -> None:
        self._connection.execute(
            insert(obligation_amounts).values(
                obligation_id=obligation_id,
                effective_on=effective_on,
                amount_cents=amount.cents,
                recorded_by=actor,
                recorded_at=self._now(),
            )
        )

    def obligations_of(self, household_id: int) -> list[Obligation]:
        rows = self._connection.execute(
            select(obligations)
            .where(obligations.c.household_id == household_id)
            .order_by(obligations.c.id)
        ).all()
        if not rows:
            return []
        amounts: dict[int, list[AmountChange]] = {}
        for amount in self._connection.execute(
            select(obligation_amounts).where(
                obligation_amounts.c.obligation_id.in_([row.id for row in rows])
            )
        ):
            amounts.setdefault(amount.obligation_id, []).append(
                AmountChange(amount.effective_on, Money(amount.amount_cents))
            )
        return [self._obligation(row, amounts.get(row.id, [])) for row in rows]

    def get_obligation(self, obligation_id: int) -> Obligation | None:
        row = self._connection.execute(
            select(obligations).where(obligations.c.id == obligation_id)
        ).one_or_none()
        if row is None:
            return None
        changes = [
            AmountChange(a.effective_on, Money(a.amount_cents))
            for a in self._connection.execute(
                select(obligation_amounts).where(
                    obligation_amounts.c.obligation_id == obligation_id
                )
            )
        ]
        return self._obligation(row, changes)

    @staticmethod
    def _obligation(row: Any, changes: list[AmountChange]) -> Obligation:
        return Obligation(
            obligation_id=ObligationId(row.id),
            household_id=row.household_id,
            cost_type=CostType(row.cost_type),
            creditor_id=CreditorId(row.creditor_id),
            schedule=Schedule(Frequency(row.frequency), row.first_due_on, row.ends_on),
            amounts=tuple(changes),
            reference=_reference_from_row(row.reference_kind, row.reference),
        )

    # -- income and allocations -----------------------------------------------------------------

    def add_income(self, **values: Any) -> None:
        self._insert(incomes, **values)

    def recorded_income(
        self, household_id: int, month: Month, kind: str, source_reference: str
    ) -> tuple[Money, date] | None:
        """The full-month amount and receipt date already recorded for this income, if any."""
        row = self._connection.execute(
            select(incomes.c.full_month_cents, incomes.c.received_on).where(
                incomes.c.household_id == household_id,
                incomes.c.month == str(month),
                incomes.c.kind == kind,
                incomes.c.source_reference == source_reference,
            )
        ).first()
        return None if row is None else (Money(row.full_month_cents), row.received_on)

    def income_months(self, household_id: int, kind: str) -> set[Month]:
        rows = self._connection.execute(
            select(incomes.c.month).where(
                incomes.c.household_id == household_id, incomes.c.kind == kind
            )
        ).scalars()
        return {Month.parse(month) for month in rows}

    def unallocated_income(self, household_id: int, up_to: Month) -> tuple[Money, list[int]]:
        """The net income of months up to ``up_to`` that no allocation has divided yet."""
        rows = self._connection.execute(
            select(incomes.c.id, incomes.c.gross_cents, incomes.c.vakantietoeslag_cents).where(
                incomes.c.household_id == household_id,
                incomes.c.allocated_month.is_(None),
                incomes.c.month <= str(up_to),
            )
        ).all()
        net_cents = sum(row.gross_cents - row.vakantietoeslag_cents for row in rows)
        return Money(net_cents), [row.id for row in rows]

    def mark_income_allocated(self, income_ids: Sequence[int], month: Month) -> None:
        if income_ids:
            self._connection.execute(
                update(incomes)
                .where(incomes.c.id.in_(income_ids))
                .values(allocated_month=str(month))
            )

    def get_allocation(self, household_id: int, month: Month) -> StoredAllocation | None:
        row = self._connection.execute(
            select(allocations).where(
                allocations.c.household_id == household_id, allocations.c.month == str(month)
            )
        ).one_or_none()
        if row is None:
            return None
        return StoredAllocation(
            household_id=row.household_id,
            month=Month.parse(row.month),
            phase=row.phase,
            income=Money(row.income_cents),
            minimum_leefgeld=Money(row.minimum_leefgeld_cents),
            reserved=Money(row.reserved_cents),
            arrears=Money(row.arrears_cents),
            leefgeld=Money(row.leefgeld_cents),
            vakantietoeslag_paid=Money(row.vakantietoeslag_paid_cents),
            allocated_on=row.allocated_on,
            entry_id=None if row.entry_id is None else EntryId(row.entry_id),
        )

    def add_allocation(
        self,
        household_id: int,
        allocation: Allocation,
        phase: int,
        vakantietoeslag_paid: Money,
        allocated_on: date,
        entry_id: EntryId | None,
        parts: Sequence[LeefgeldPart],
    ) -> None:
        month = str(allocation.month)
        self._connection.execute(
            insert(allocations).values(
                household_id=household_id,
                month=month,
                phase=phase,
                income_cents=allocation.income.cents,
                minimum_leefgeld_cents=allocation.minimum_leefgeld.cents,
                reserved_cents=allocation.reserved.cents,
                arrears_cents=allocation.arrears.cents,
                leefgeld_cents=allocation.leefgeld.cents + vakantietoeslag_paid.cents,
                vakantietoeslag_paid_cents=vakantietoeslag_paid.cents,
                allocated_on=allocated_on,
                entry_id=entry_id,
            )
        )
        if allocation.lines:
            self._connection.execute(
                insert(allocation_lines),
                [
                    {
                        "household_id": household_id,
                        "month": month,
                        "obligation_id": line.obligation_id,
                        "cost_type": line.cost_type.value,
                        "need_cents": line.need.cents,
                        "reserved_cents": line.reserved.cents,
                        "arrear_cents": line.arrear.cents,
                        "due_on": line.due_on,
                    }
                    for line in allocation.lines
                ],
            )
        if parts:
            self._connection.execute(
                insert(leefgeld_parts),
                [
                    {
                        "household_id": household_id,
                        "month": month,
                        "position": position,
                        "pay_on": part.pay_on,
                        "amount_cents": part.amount.cents,
                    }
                    for position, part in enumerate(parts)
                ],
            )

    def months_without_arrears(self, household_id: int, up_to: Month) -> int:
        """Consecutive allocated months, counting back from ``up_to``, that had no arrear."""
        rows = self._connection.execute(
            select(allocations.c.month, allocations.c.arrears_cents)
            .where(allocations.c.household_id == household_id, allocations.c.month <= str(up_to))
            .order_by(allocations.c.month.desc())
        ).all()
        count = 0
        expected = None
        for row in rows:
            month = Month.parse(row.month)
            # A month without an allocation breaks the run: nothing shows it went well.
            if row.arrears_cents or (expected is not None and month != expected):
                break
            count += 1
            expected = month.previous()
        return count

    def last_rejection_on(self, household_id: int, from_phase: int, to_phase: int) -> date | None:
        found: date | None = self._connection.execute(
            select(func.max(phase_proposals.c.decided_on)).where(
                phase_proposals.c.household_id == household_id,
                phase_proposals.c.from_phase == from_phase,
                phase_proposals.c.to_phase == to_phase,
                phase_proposals.c.status == "rejected",
            )
        ).scalar()
        return found

    def last_handled_review_on(self, household_id: int) -> date | None:
        found: date | None = self._connection.execute(
            select(func.max(signals.c.handled_on)).where(
                signals.c.household_id == household_id,
                signals.c.kind == "milestone_review_due",
                signals.c.status == "handled",
            )
        ).scalar()
        return found

    # -- milestones, phases, proposals ----------------------------------------------------------

    def add_milestone(
        self, household_id: int, code: str, achieved_on: date, evidence: str, actor: str
    ) -> bool:
        """Record a milestone; False if the household already had it (nothing written)."""
        try:
            with self._connection.begin_nested():
                self._insert(
                    milestones,
                    household_id=household_id,
                    code=code,
                    achieved_on=achieved_on,
                    evidence=evidence,
                    actor=actor,
                    recorded_at=self._now(),
                )
        except IntegrityError:
            return False
        return True

    def milestones_of(self, household_id: int) -> list[MilestoneRecord]:
        rows = self._connection.execute(
            select(milestones)
            .where(milestones.c.household_id == household_id)
            .order_by(milestones.c.achieved_on, milestones.c.id)
        ).all()
        return [MilestoneRecord(r.code, r.achieved_on, r.evidence, r.actor) for r in rows]

    def add_phase_change(self, change: PhaseChange) -> None:
        self._insert(
            phase_changes,
            household_id=change.household_id,
            kind=change.kind.value,
            from_phase=change.from_phase,
            to_phase=change.to_phase,
            effective_on=change.effective_on,
            decided_on=change.decided_on,
            actor=change.actor,
            reason=change.reason,
        )

    def phase_changes_of(self, household_id: int) -> list[PhaseChange]:
        rows = self._connection.execute(
            select(phase_changes)
            .where(phase_changes.c.household_id == household_id)
            .order_by(phase_changes.c.effective_on, phase_changes.c.id)
        ).all()
        return [
            PhaseChange(
                r.household_id,
                ChangeKind(r.kind),
                r.from_phase,
                r.to_phase,
                r.effective_on,
                r.decided_on,
                r.actor,
                r.reason,
            )
            for r in rows
        ]

    def open_proposal(self, household_id: int) -> Proposal | None:
        row = self._connection.execute(
            select(phase_proposals).where(
                phase_proposals.c.household_id == household_id,
                phase_proposals.c.status == "open",
            )
        ).one_or_none()
        return None if row is None else _proposal(row)

    def get_proposal(self, proposal_id: int) -> Proposal | None:
        row = self._connection.execute(
            select(phase_proposals).where(phase_proposals.c.id == proposal_id)
        ).one_or_none()
        return None if row is None else _proposal(row)

    def add_proposal(
        self, household_id: int, from_phase: int, to_phase: int, proposed_on: date
    ) -> int:
        return self._insert(
            phase_proposals,
            household_id=household_id,
            from_phase=from_phase,
            to_phase=to_phase,
            proposed_on=proposed_on,
            status="open",
        )

    def close_proposal(
        self, proposal_id: int, status: str, decided_on: date, actor: str, reason: str
    ) -> None:
        self._connection.execute(
            update(phase_proposals)
            .where(phase_proposals.c.id == proposal_id)
            .values(status=status, decided_on=decided_on, decided_by=actor, reason=reason)
        )

    # -- signals --------------------------------------------------------------------------------

    def raise_signal(self, signal: NewSignal) -> bool:
        """Store a signal unless one for the same situation exists; True if it is new."""
        exists = self._connection.execute(
            select(func.count())
            .select_from(signals)
            .where(
                signals.c.household_id == signal.household_id,
                signals.c.subject == signal.subject,
            )
        ).scalar_one()
        if exists:
            return False
        self._insert(
            signals,
            household_id=signal.household_id,
            kind=signal.kind.value,
            subject=signal.subject,
            urgency=signal.urgency,
            raised_on=signal.raised_on,
            message=signal.message,
            status="open",
        )
        return True

    def signals_of(self, household_id: int, *, open_only: bool = False) -> list[SignalRecord]:
        query = select(signals).where(signals.c.household_id == household_id)
        if open_only:
            query = query.where(signals.c.status == "open")
        rows = self._connection.execute(
            query.order_by(signals.c.urgency, signals.c.raised_on, signals.c.id)
        ).all()
        return [_signal(row) for row in rows]

    def get_signal(self, signal_id: int) -> SignalRecord | None:
        row = self._connection.execute(
            select(signals).where(signals.c.id == signal_id)
        ).one_or_none()
        return None if row is None else _signal(row)

    def handle_signal(self, signal_id: int, actor: str, handled_on: date, note: str) -> None:
        self._connection.execute(
            update(signals)
            .where(signals.c.id == signal_id)
            .values(status="handled", handled_by=actor, handled_on=handled_on, note=note)
        )


def _proposal(row: Any) -> Proposal:
    return Proposal(
        row.id,
        row.household_id,
        row.from_phase,
        row.to_phase,
        row.proposed_on,
        row.status,
        row.decided_on,
        row.decided_by,
        row.reason,
    )


def _signal(row: Any) -> SignalRecord:
    return SignalRecord(
        row.id,
        row.household_id,
        row.kind,
        row.subject,
        row.urgency,
        row.raised_on,
        row.message,
        row.status,
        row.handled_on,
        row.handled_by,
        row.note,
    )
