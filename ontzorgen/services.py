"""The use cases of ontzorgen: one function each, one transaction each.

Each function looks things up, lets the domain decide, writes through the repository and the
ledger in the unit of work's single transaction, and commits once. The clock is an argument
(``today``); nothing here reads the time. Repeating a use case that moves money (recording income,
allocating a month) returns what the first call did and books nothing twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from dateutil.relativedelta import relativedelta

from ledger.model import NewEntry, Posting
from ledger.money import Money
from ontzorgen import accounts as household_ledger
from ontzorgen.allocation import Allocation, Need, allocate, leefgeld_parts
from ontzorgen.arrangement import Arrangement, Decision, LegalBasis
from ontzorgen.errors import OntzorgenError
from ontzorgen.households import (
    Address,
    CreditorKind,
    Household,
    HouseholdId,
    KredietbankDoesNotServeMunicipality,
    KredietbankId,
    Language,
    Member,
    MunicipalityId,
)
from ontzorgen.identifiers import (
    Bic,
    ExactAccountHolderName,
    Iban,
    PaymentReference,
    check_bic_matches_iban,
)
from ontzorgen.income import IncomeKind, days_with_right, prorated, split_bijstand
from ontzorgen.months import Month
from ontzorgen.obligations import (
    AmountChange,
    AmountChangeBeforeStart,
    CreditorId,
    Frequency,
    Obligation,
    ObligationId,
    Schedule,
)
from ontzorgen.phases import (
    ChangeKind,
    PhaseChange,
    StepAssessment,
    WithholdingPeriod,
    achieved_milestones,
    assess_step,
    decide_relapse,
    decide_step,
    phase_on,
)
from ontzorgen.phases import withholding_history as withholding_history_of
from ontzorgen.policy import CostType, Policy
from ontzorgen.policy_codec import policy_to_json
from ontzorgen.repository import Proposal, StoredAllocation
from ontzorgen.signals import (
    NewSignal,
    SignalKind,
    amount_changed_signal,
    arrear_signals,
    milestone_review_signal,
    missing_bijstand_signal,
    obligation_end_signals,
    period_signals,
    step_proposed_signal,
)
from ontzorgen.unit_of_work import UnitOfWork

# -- errors of the use cases -------------------------------------------------------------------


class NoArrangement(OntzorgenError):
    """The household has no ontzorging arrangement yet."""

    def __init__(self, household_id: int) -> None:
        super().__init__(
            f"Household {household_id} has no arrangement. Record the ontzorging decision first."
        )
        self.household_id = household_id


class ArrangementExists(OntzorgenError):
    """The household already has an arrangement; change it instead of recording a new one."""

    def __init__(self, household_id: int) -> None:
        super().__init__(f"Household {household_id} already has an arrangement.")
        self.household_id = household_id


class CostTypeNotWithholdable(OntzorgenError):
    """The municipality's policy does not allow withholding this cost type."""

    def __init__(self, municipality_id: int, cost_type: str) -> None:
        super().__init__(
            f"Municipality {municipality_id} does not withhold {cost_type}. Agree only cost types "
            "its policy allows."
        )
        self.municipality_id, self.cost_type = municipality_id, cost_type


class UnknownObligation(OntzorgenError):
    """No obligation has this id."""

    def __init__(self, obligation_id: int) -> None:
        super().__init__(f"Obligation {obligation_id} does not exist.")
        self.obligation_id = obligation_id


class AmountAlreadySetForDate(OntzorgenError):
    """An obligation already has another amount from this date; amounts are never overwritten."""

    def __init__(
        self, obligation_id: int, effective_on: date, recorded: Money, asked: Money
    ) -> None:
        super().__init__(
            f"Obligation {obligation_id} already has {recorded} from {effective_on}; {asked} "
            "cannot replace it. Record the new amount from a later date."
        )
        self.obligation_id, self.effective_on = obligation_id, effective_on
        self.recorded, self.asked = recorded, asked


class IncomeAlreadyRecorded(OntzorgenError):
    """This month's income of this kind and reference was recorded before, with other figures."""

    def __init__(
        self, household_id: int, month: Month, kind: str, amount: Money, received_on: date
    ) -> None:
        super().__init__(
            f"The {kind} of {month} for household {household_id} was recorded already: "
            f"{amount} received on {received_on}. A correction is a new income with its own "
            "reference, not a second recording of this one."
        )
        self.household_id, self.month, self.kind = household_id, month, kind


class NothingToBook(OntzorgenError):
    """The prorated income is less than one cent."""

    def __init__(self, household_id: int, month: Month) -> None:
        super().__init__(
            f"The prorated income of household {household_id} for {month} rounds to zero cents; "
            "there is nothing to book."
        )
        self.household_id, self.month = household_id, month


class BijstandNotRecorded(OntzorgenError):
    """A month cannot be allocated before its bijstand is recorded."""

    def __init__(self, household_id: int, month: Month) -> None:
        super().__init__(
            f"Household {household_id} has no bijstand recorded for {month}. Record it first; "
            "a signal tells the coach it is missing."
        )
        self.household_id, self.month = household_id, month


class MonthOutsideArrangement(OntzorgenError):
    """Income was recorded for a month in which the household has no right to bijstand."""

    def __init__(self, household_id: int, month: Month) -> None:
        super().__init__(
            f"Household {household_id} has no right to bijstand in {month} under its "
            "arrangement. Check the month or the arrangement's dates."
        )
        self.household_id, self.month = household_id, month


class UnknownMilestone(OntzorgenError):
    """The municipality's policy has no milestone with this code."""

    def __init__(self, code: str) -> None:
        super().__init__(f"There is no milestone {code!r} in the policy.")
        self.code = code


class MilestoneIsComputed(OntzorgenError):
    """A computed milestone (months without arrears) follows from the books; it is not recorded."""

    def __init__(self, code: str) -> None:
        super().__init__(
            f"Milestone {code!r} is computed from the months without arrears; it cannot be "
            "recorded by hand."
        )
        self.code = code


class NoOpenProposal(OntzorgenError):
    """There is no open phase proposal with this id."""

    def __init__(self, proposal_id: int) -> None:
        super().__init__(f"Phase proposal {proposal_id} does not exist or was already decided.")
        self.proposal_id = proposal_id


class UnknownSignal(OntzorgenError):
    """No signal has this id."""

    def __init__(self, signal_id: int) -> None:
        super().__init__(f"Signal {signal_id} does not exist.")
        self.signal_id = signal_id


class SignalAlreadyHandled(OntzorgenError):
    """A handled signal stays handled; raise a new one if the situation returns."""

    def __init__(self, signal_id: int, handled_by: str | None) -> None:
        super().__init__(f"Signal {signal_id} was already handled by {handled_by}.")
        self.signal_id = signal_id


# -- municipalities, kredietbanken, creditors --------------------------------------------------


def create_municipality(uow: UnitOfWork, code: str, name: str, policy: Policy) -> MunicipalityId:
    with uow:
        municipality_id = uow.repository.add_municipality(code, name, policy_to_json(policy))
        uow.commit()
        return municipality_id


def set_policy(uow: UnitOfWork, municipality_id: int, policy: Policy) -> None:
    with uow:
        uow.repository.get_municipality(municipality_id)
        uow.repository.update_policy(municipality_id, policy_to_json(policy))
        uow.commit()


def create_kredietbank(
    uow: UnitOfWork, name: str, municipality_ids: Sequence[int]
) -> KredietbankId:
    with uow:
        for municipality_id in municipality_ids:
            uow.repository.get_municipality(municipality_id)
        kredietbank_id = uow.repository.add_kredietbank(name, municipality_ids)
        uow.commit()
        return kredietbank_id


def register_creditor(
    uow: UnitOfWork,
    *,
    name: str,
    iban: str,
    bic: str | None,
    kind: CreditorKind,
    address: Address,
) -> CreditorId:
    """Register a creditor under the exact name its bank holds (Verification of Payee)."""
    parsed_iban = Iban.parse(iban)
    parsed_bic = Bic.parse(bic) if bic else parsed_iban.bic
    if parsed_bic is not None:
        check_bic_matches_iban(parsed_iban, parsed_bic)
    holder = ExactAccountHolderName.parse(name)
    with uow:
        creditor_id = uow.repository.add_creditor(holder, parsed_iban, parsed_bic, kind, address)
        uow.commit()
        return creditor_id


# -- households and arrangements ---------------------------------------------------------------


def register_household(
    uow: UnitOfWork,
    *,
    municipality_id: int,
    kredietbank_id: int | None,
    name: str,
    members: Sequence[Member],
    language: Language,
    leefgeld_iban: str,
    leefgeld_account_holder: str,
) -> HouseholdId:
    """Register a household and open its own set of ledger accounts."""
    household = Household(
        household_id=HouseholdId(0),
        municipality_id=MunicipalityId(municipality_id),
        kredietbank_id=None if kredietbank_id is None else KredietbankId(kredietbank_id),
        name=name,
        members=tuple(members),
        language=language,
        leefgeld_iban=Iban.parse(leefgeld_iban),
        leefgeld_account_holder=ExactAccountHolderName.parse(leefgeld_account_holder),
    )
    with uow:
        uow.repository.get_municipality(municipality_id)
        if kredietbank_id is not None:
            kredietbank = uow.repository.get_kredietbank(kredietbank_id)
            if municipality_id not in kredietbank.municipality_ids:
                raise KredietbankDoesNotServeMunicipality(kredietbank_id, municipality_id)
        household_id = uow.repository.add_household(household)
        household_ledger.open_household_accounts(uow.ledger, uow.repository, household_id)
        uow.commit()
        return household_id


def record_arrangement(
    uow: UnitOfWork,
    *,
    household_id: int,
    legal_basis: LegalBasis,
    bijstand_start_on: date,
    machtiging_signed_on: date,
    decision: Decision,
    agreed_cost_types: frozenset[CostType] | None = None,
    pip_end_on: date | None = None,
) -> Arrangement:
    """Record the ontzorging decision; the household starts in phase 1 on the bijstand start."""
    arrangement = Arrangement(
        household_id=household_id,
        legal_basis=legal_basis,
        bijstand_start_on=bijstand_start_on,
        machtiging_signed_on=machtiging_signed_on,
        decision=decision,
        pip_end_on=pip_end_on,
    )
    with uow:
        household = uow.repository.get_household(household_id)
        policy = uow.repository.get_municipality(household.municipality_id).policy
        agreed = policy.cost_types if agreed_cost_types is None else agreed_cost_types
        for cost_type in sorted(agreed - policy.cost_types):
            raise CostTypeNotWithholdable(household.municipality_id, cost_type.value)
        if uow.repository.get_arrangement(household_id) is not None:
            raise ArrangementExists(household_id)
        uow.repository.save_arrangement(arrangement, agreed)
        uow.repository.add_phase_change(
            PhaseChange(
                household_id,
                ChangeKind.START,
                None,
                1,
                bijstand_start_on,
                decision.decided_on,
                decision.actor,
                f"Start ontzorging ({legal_basis.value}), beschikking {decision.reference}",
            )
        )
        uow.commit()
        return arrangement


def agree_pip_end(uow: UnitOfWork, household_id: int, pip_end_on: date | None) -> Arrangement:
    """Record the end agreed in the PIP. The period is the later of it and the statutory end."""
    with uow:
        arrangement, agreed = _arrangement(uow, household_id)
        changed = arrangement.with_pip_end(pip_end_on)
        uow.repository.save_arrangement(changed, agreed)
        uow.commit()
        return changed


def end_arrangement(uow: UnitOfWork, household_id: int, ended_on: date) -> Arrangement:
    """End the ontzorging; refused inside the statutory six months of art. 56a Pw."""
    with uow:
        arrangement, agreed = _arrangement(uow, household_id)
        ended = arrangement.end(ended_on)
        uow.repository.save_arrangement(ended, agreed)
        uow.commit()
        return ended


def end_bijstand(uow: UnitOfWork, household_id: int, bijstand_end_on: date) -> Arrangement:
    """Record the last day of bijstand: the last month is prorated, the vakantietoeslag paid out
    with it, and the statutory ontzorging ends with the bijstand (art. 56a Pw)."""
    with uow:
        arrangement, agreed = _arrangement(uow, household_id)
        ended = replace(arrangement, bijstand_end_on=bijstand_end_on)
        uow.repository.save_arrangement(ended, agreed)
        uow.commit()
        return ended


def set_minimum_leefgeld(
    uow: UnitOfWork,
    household_id: int,
    amount: Money | None,
    *,
    decided_on: date,
    actor: str,
    reason: str,
) -> None:
    """A coach's decision on this household's minimum leefgeld; None returns to the policy."""
    if not reason.strip():
        raise OntzorgenError("Give a reason for the minimum leefgeld decision.")
    if amount is not None and amount.cents < 0:
        raise OntzorgenError("The minimum leefgeld cannot be negative.")
    with uow:
        uow.repository.get_household(household_id)
        uow.repository.set_minimum_leefgeld(household_id, amount, decided_on, actor, reason)
        uow.commit()


def _arrangement(uow: UnitOfWork, household_id: int) -> tuple[Arrangement, frozenset[CostType]]:
    uow.repository.get_household(household_id)
    found = uow.repository.get_arrangement(household_id)
    if found is None:
        raise NoArrangement(household_id)
    return found


# -- obligations -------------------------------------------------------------------------------


def add_obligation(
    uow: UnitOfWork,
    *,
    household_id: int,
    cost_type: CostType,
    creditor_id: int,
    frequency: Frequency,
    first_due_on: date,
    amount: Money,
    reference: PaymentReference,
    actor: str,
    ends_on: date | None = None,
) -> ObligationId:
    schedule = Schedule(frequency, first_due_on, ends_on)
    AmountChange(first_due_on, amount)  # refuses a non-positive amount before any lookup
    with uow:
        uow.repository.get_household(household_id)
        uow.repository.get_creditor(creditor_id)
        obligation_id = uow.repository.add_obligation(
            household_id, cost_type, creditor_id, schedule, reference
        )
        uow.repository.add_obligation_amount(obligation_id, first_due_on, amount, actor)
        household_ledger.open_reserve_account(
            uow.ledger, uow.repository, household_id, obligation_id
        )
        uow.commit()
        return obligation_id


def change_obligation_amount(
    uow: UnitOfWork,
    obligation_id: int,
    *,
    effective_on: date,
    amount: Money,
    actor: str,
    today: date,
) -> Obligation:
    """A creditor's new amount from a date; the coach gets a signal to check the budget."""
    change = AmountChange(effective_on, amount)
    with uow:
        obligation = uow.repository.get_obligation(obligation_id)
        if obligation is None:
            raise UnknownObligation(obligation_id)
        if effective_on < obligation.schedule.first_due_on:
            raise AmountChangeBeforeStart(
                obligation_id, effective_on, obligation.schedule.first_due_on
            )
        old = obligation.amount_on(effective_on)
        changed = Obligation(
            obligation.obligation_id,
            obligation.household_id,
            obligation.cost_type,
            obligation.creditor_id,
            obligation.schedule,
            (*obligation.amounts, change),
            obligation.reference,
        )
        recorded = uow.repository.obligation_amount_on(obligation_id, effective_on)
        if recorded is not None:
            if recorded != amount:
                raise AmountAlreadySetForDate(obligation_id, effective_on, recorded, amount)
            return obligation  # the same change again: nothing to do
        uow.repository.add_obligation_amount(obligation_id, effective_on, amount, actor)
        uow.repository.raise_signal(
            amount_changed_signal(obligation, old, amount, effective_on, today)
        )
        uow.commit()
        return changed


# -- income ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RecordedIncome:
    household_id: int
    month: Month
    kind: IncomeKind
    gross: Money
    vakantietoeslag: Money
    replayed: bool

    @property
    def net(self) -> Money:
        return self.gross - self.vakantietoeslag


def record_bijstand(
    uow: UnitOfWork,
    *,
    household_id: int,
    month: Month,
    full_month_amount: Money,
    received_on: date,
    source_reference: str = "",
) -> RecordedIncome:
    """Book a month of bijstand: prorated for a partial month, with the vakantietoeslag reserved.

    ``full_month_amount`` is the month's norm including vakantietoeslag. Recording the same month
    again with the same source reference books nothing and returns what was booked.
    """
    return _record_income(
        uow,
        household_id,
        month,
        IncomeKind.BIJSTAND,
        full_month_amount,
        received_on,
        source_reference,
    )


def record_toeslag(
    uow: UnitOfWork,
    *,
    household_id: int,
    month: Month,
    amount: Money,
    received_on: date,
    source_reference: str,
) -> RecordedIncome:
    """Book a toeslag (zorgtoeslag, huurtoeslag) paid into the arrangement for a month."""
    return _record_income(
        uow, household_id, month, IncomeKind.TOESLAG, amount, received_on, source_reference
    )


def _record_income(
    uow: UnitOfWork,
    household_id: int,
    month: Month,
    kind: IncomeKind,
    full_month_amount: Money,
    received_on: date,
    source_reference: str,
) -> RecordedIncome:
    if full_month_amount.cents <= 0:
        raise OntzorgenError(f"Income must be positive; got {full_month_amount}.")
    with uow:
        household = uow.repository.get_household(household_id)
        arrangement, _ = _arrangement(uow, household_id)
        policy = uow.repository.get_municipality(household.municipality_id).policy
        if kind is IncomeKind.BIJSTAND:
            if not days_with_right(
                month, arrangement.bijstand_start_on, arrangement.bijstand_end_on
            ):
                raise MonthOutsideArrangement(household_id, month)
            gross = prorated(
                full_month_amount,
                month,
                arrangement.bijstand_start_on,
                arrangement.bijstand_end_on,
                policy.proration,
            )
            if gross.cents == 0:
                raise NothingToBook(household_id, month)
            split = split_bijstand(gross, policy.vakantietoeslag_percent)
        else:
            split = split_bijstand(full_month_amount, 0)
        result = RecordedIncome(
            household_id, month, kind, split.gross, split.vakantietoeslag, replayed=False
        )
        recorded = uow.repository.recorded_income(household_id, month, kind.value, source_reference)
        if recorded is not None:
            if recorded != (full_month_amount, received_on):
                raise IncomeAlreadyRecorded(household_id, month, kind.value, *recorded)
            return replace(result, replayed=True)
        accounts = household_ledger.household_accounts(uow.repository, household_id)
        postings = [
            Posting.debit(accounts.funds, split.gross.cents),
            Posting.credit(accounts.income, split.net.cents),
        ]
        if split.vakantietoeslag.cents:
            postings.append(Posting.credit(accounts.vakantietoeslag, split.vakantietoeslag.cents))
        entry_id = uow.ledger.post(
            NewEntry(
                booked_on=received_on,
                postings=tuple(postings),
                description=f"{kind.value} {month}",
                idempotency_key=f"income:{household_id}:{month}:{kind.value}:{source_reference}",
            )
        )
        uow.repository.add_income(
            household_id=household_id,
            month=str(month),
            kind=kind.value,
            source_reference=source_reference,
            full_month_cents=full_month_amount.cents,
            gross_cents=split.gross.cents,
            vakantietoeslag_cents=split.vakantietoeslag.cents,
            received_on=received_on,
            entry_id=entry_id,
        )
        uow.commit()
        return result


# -- allocation --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MonthAllocation:
    """What ``allocate_month`` decided (or had decided before, when ``replayed``)."""

    stored: StoredAllocation
    allocation: Allocation | None
    signals: tuple[NewSignal, ...]
    replayed: bool


def allocate_month(
    uow: UnitOfWork, household_id: int, month: Month, *, today: date
) -> MonthAllocation:
    """Divide the month's income over reserves and leefgeld, and book it.

    The phase in force on the first day of the month decides what is withheld. In the policy's
    vakantietoeslag month (June), or the month bijstand ends, the reserved vakantietoeslag is paid
    out with the leefgeld. Allocating a month twice books it once.
    """
    with uow:
        existing = uow.repository.get_allocation(household_id, month)
        if existing is not None:
            return MonthAllocation(existing, None, (), replayed=True)
        household = uow.repository.get_household(household_id)
        arrangement, agreed = _arrangement(uow, household_id)
        policy = uow.repository.get_municipality(household.municipality_id).policy
        if month not in uow.repository.income_months(household_id, IncomeKind.BIJSTAND.value):
            raise BijstandNotRecorded(household_id, month)
        phase_number = phase_on(uow.repository.phase_changes_of(household_id), month.first_day)
        phase = policy.ladder.phase(phase_number or 1)
        accounts = household_ledger.household_accounts(uow.repository, household_id)
        # Only income of this month and earlier, not yet divided: next month's bijstand may
        # already be in the clearing account when a month is allocated late.
        income, income_ids = uow.repository.unallocated_income(household_id, month)
        uow.repository.mark_income_allocated(income_ids, month)
        needs = []
        for obligation in uow.repository.obligations_of(household_id):
            if not phase.withholds(obligation.cost_type, agreed):
                continue
            amount, due_on = obligation.reservation_for(month)
            if amount.cents:
                needs.append(Need(obligation.obligation_id, obligation.cost_type, amount, due_on))
        floor = prorated(
            household.minimum_leefgeld(policy),
            month,
            arrangement.bijstand_start_on,
            arrangement.bijstand_end_on,
            policy.proration,
        )
        allocation = allocate(month, income, floor, needs, policy, phase.leefgeld_frequency)
        vakantietoeslag = Money(0)
        bijstand_ends = arrangement.bijstand_end_on is not None and month.contains(
            arrangement.bijstand_end_on
        )
        if month.month == policy.vakantietoeslag_month or bijstand_ends:
            vakantietoeslag = uow.ledger.balance(accounts.vakantietoeslag)
        entry_id = (
            uow.ledger.post(
                NewEntry(
                    booked_on=today,
                    postings=_allocation_postings(allocation, accounts, vakantietoeslag),
                    description=f"Verdeling {month}",
                    idempotency_key=f"allocation:{household_id}:{month}",
                )
            )
            if _books_anything(allocation, vakantietoeslag)
            else None
        )
        # The vakantietoeslag goes out with the leefgeld, spread over the same payment days.
        parts = leefgeld_parts(
            month,
            allocation.leefgeld + vakantietoeslag,
            phase.leefgeld_frequency,
            policy,
            not_before=max(arrangement.bijstand_start_on, today),
        )
        uow.repository.add_allocation(
            household_id, allocation, phase.number, vakantietoeslag, today, entry_id, parts
        )
        raised = tuple(arrear_signals(household_id, allocation, today))
        for signal in raised:
            uow.repository.raise_signal(signal)
        stored = uow.repository.get_allocation(household_id, month)
        assert stored is not None
        uow.commit()
        return MonthAllocation(stored, allocation, raised, replayed=False)


def _books_anything(allocation: Allocation, vakantietoeslag: Money) -> bool:
    return bool(allocation.income.cents or allocation.arrears.cents or vakantietoeslag.cents)


def _allocation_postings(
    allocation: Allocation, accounts: household_ledger.HouseholdAccounts, vakantietoeslag: Money
) -> tuple[Posting, ...]:
    """Income out to each reserve and to leefgeld; arrears as a memorandum pair; the VT payout."""
    postings = []
    if allocation.income.cents:
        postings.append(Posting.debit(accounts.income, allocation.income.cents))
        postings.extend(
            Posting.credit(accounts.reserves[line.obligation_id], line.reserved.cents)
            for line in allocation.lines
            if line.reserved.cents
        )
        if allocation.leefgeld.cents:
            postings.append(Posting.credit(accounts.leefgeld, allocation.leefgeld.cents))
    if allocation.arrears.cents:
        postings.append(Posting.debit(accounts.shortfall, allocation.arrears.cents))
        postings.append(Posting.credit(accounts.arrears, allocation.arrears.cents))
    if vakantietoeslag.cents:
        postings.append(Posting.debit(accounts.vakantietoeslag, vakantietoeslag.cents))
        postings.append(Posting.credit(accounts.leefgeld, vakantietoeslag.cents))
    return tuple(postings)


# -- milestones and phases ---------------------------------------------------------------------


def record_milestone(
    uow: UnitOfWork,
    household_id: int,
    code: str,
    *,
    achieved_on: date,
    evidence: str,
    actor: str,
) -> StepAssessment:
    """Record a milestone with its evidence, then see whether a phase step can be proposed."""
    with uow:
        household = uow.repository.get_household(household_id)
        policy = uow.repository.get_municipality(household.municipality_id).policy
        definition = policy.milestone(code)
        if definition is None:
            raise UnknownMilestone(code)
        if definition.computed:
            raise MilestoneIsComputed(code)
        uow.repository.add_milestone(household_id, code, achieved_on, evidence, actor)
        assessment = _assess_and_propose(uow, household_id, policy, achieved_on)
        uow.commit()
        return assessment


def evaluate_step(uow: UnitOfWork, household_id: int, *, today: date) -> StepAssessment:
    """Whether the next phase's requirements are met; if so a proposal and a signal are made."""
    with uow:
        household = uow.repository.get_household(household_id)
        policy = uow.repository.get_municipality(household.municipality_id).policy
        assessment = _assess_and_propose(uow, household_id, policy, today)
        uow.commit()
        return assessment


def _assess(uow: UnitOfWork, household_id: int, policy: Policy, today: date) -> StepAssessment:
    arrangement, _ = _arrangement(uow, household_id)
    current = phase_on(uow.repository.phase_changes_of(household_id), today) or 1
    recorded = [
        m.code for m in uow.repository.milestones_of(household_id) if m.achieved_on <= today
    ]
    clean_months = uow.repository.months_without_arrears(household_id, Month.of(today))
    achieved = achieved_milestones(policy, recorded, clean_months)
    return assess_step(policy, current, achieved, arrangement, today)


def _assess_and_propose(
    uow: UnitOfWork, household_id: int, policy: Policy, today: date
) -> StepAssessment:
    assessment = _assess(uow, household_id, policy, today)
    if (
        not assessment.ready
        or assessment.next_phase is None
        or uow.repository.open_proposal(household_id) is not None
    ):
        return assessment
    rejected_on = uow.repository.last_rejection_on(
        household_id, assessment.current_phase, assessment.next_phase
    )
    # A coach who rejected a step is not asked again about the same step before the next review.
    if rejected_on is not None and today < rejected_on + relativedelta(
        months=policy.milestone_review_interval_months
    ):
        return assessment
    proposal_id = uow.repository.add_proposal(
        household_id, assessment.current_phase, assessment.next_phase, today
    )
    uow.repository.raise_signal(
        step_proposed_signal(
            household_id, proposal_id, assessment.current_phase, assessment.next_phase, today
        )
    )
    return assessment


def open_proposal(uow: UnitOfWork, household_id: int) -> Proposal | None:
    with uow:
        return uow.repository.open_proposal(household_id)


def decide_proposal(
    uow: UnitOfWork,
    proposal_id: int,
    *,
    approve: bool,
    effective_on: date,
    decided_on: date,
    actor: str,
    reason: str,
) -> PhaseChange | None:
    """A coach approves (the step takes effect from ``effective_on``) or rejects a proposal."""
    with uow:
        proposal = uow.repository.get_proposal(proposal_id)
        if proposal is None or proposal.status != "open":
            raise NoOpenProposal(proposal_id)
        household = uow.repository.get_household(proposal.household_id)
        policy = uow.repository.get_municipality(household.municipality_id).policy
        changes = uow.repository.phase_changes_of(proposal.household_id)
        if not approve:
            if not reason.strip():
                raise OntzorgenError("Give a reason for rejecting the proposal.")
            uow.repository.close_proposal(proposal_id, "rejected", decided_on, actor, reason)
            uow.commit()
            return None
        change = decide_step(
            policy,
            _assess(uow, proposal.household_id, policy, decided_on),
            proposal.household_id,
            requested=proposal.to_phase,
            effective_on=effective_on,
            decided_on=decided_on,
            actor=actor,
            reason=reason,
            last_effective_on=changes[-1].effective_on if changes else None,
        )
        uow.repository.add_phase_change(change)
        uow.repository.close_proposal(proposal_id, "approved", decided_on, actor, reason)
        uow.commit()
        return change


def record_relapse(
    uow: UnitOfWork,
    household_id: int,
    *,
    to_phase: int,
    effective_on: date,
    decided_on: date,
    actor: str,
    reason: str,
) -> PhaseChange:
    """After arrears or a returned payment, the coach moves the household back one phase."""
    with uow:
        household = uow.repository.get_household(household_id)
        policy = uow.repository.get_municipality(household.municipality_id).policy
        changes = uow.repository.phase_changes_of(household_id)
        current = phase_on(changes, decided_on) or 1
        change = decide_relapse(
            policy,
            household_id,
            current,
            requested=to_phase,
            effective_on=effective_on,
            decided_on=decided_on,
            actor=actor,
            reason=reason,
            last_effective_on=changes[-1].effective_on if changes else None,
        )
        uow.repository.add_phase_change(change)
        open_one = uow.repository.open_proposal(household_id)
        if open_one is not None:
            uow.repository.close_proposal(
                open_one.proposal_id, "rejected", decided_on, actor, "Terugval: " + reason
            )
        uow.repository.raise_signal(
            NewSignal(
                household_id,
                SignalKind.RELAPSE,
                f"relapse:{effective_on.isoformat()}",
                decided_on,
                f"Terug naar fase {to_phase} per {effective_on:%d-%m-%Y}: {reason.strip()}",
            )
        )
        uow.commit()
        return change


def withholding_history(uow: UnitOfWork, household_id: int) -> tuple[WithholdingPeriod, ...]:
    """Each change of what is withheld, from which date, decided by whom and why."""
    with uow:
        household = uow.repository.get_household(household_id)
        policy = uow.repository.get_municipality(household.municipality_id).policy
        _, agreed = _arrangement(uow, household_id)
        return withholding_history_of(uow.repository.phase_changes_of(household_id), policy, agreed)


# -- signals -----------------------------------------------------------------------------------


def raise_time_signals(uow: UnitOfWork, *, today: date) -> list[NewSignal]:
    """The signals that depend on the date: a period ending soon, bijstand missing for the
    current month, a milestone review due, an obligation ending. Safe to run again the same day.
    """
    raised: list[NewSignal] = []
    with uow:
        for household_id in uow.repository.household_ids():
            household = uow.repository.get_household(household_id)
            policy = uow.repository.get_municipality(household.municipality_id).policy
            found = uow.repository.get_arrangement(household_id)
            assert found is not None
            arrangement, _ = found
            if arrangement.ended_on is not None and arrangement.ended_on < today:
                continue
            candidates = period_signals(arrangement, today, policy.signal_horizon_days)
            month = Month.of(today)
            phase = phase_on(uow.repository.phase_changes_of(household_id), today) or 1
            # A household that completed the ladder manages its own money: no bijstand is
            # expected through the arrangement and there are no milestones left to review.
            completed = phase >= policy.ladder.last
            in_bijstand = arrangement.bijstand_start_on <= today and (
                arrangement.bijstand_end_on is None or today <= arrangement.bijstand_end_on
            )
            if in_bijstand and not completed:
                missing = missing_bijstand_signal(
                    household_id,
                    month,
                    today,
                    month in uow.repository.income_months(household_id, IncomeKind.BIJSTAND.value),
                )
                if missing is not None:
                    candidates.append(missing)
            review = (
                None
                if completed
                else milestone_review_signal(
                    household_id,
                    _last_review_on(uow, household_id, arrangement),
                    today,
                    policy.milestone_review_interval_months,
                )
            )
            if review is not None:
                candidates.append(review)
            candidates.extend(
                obligation_end_signals(
                    uow.repository.obligations_of(household_id), today, policy.signal_horizon_days
                )
            )
            raised.extend(s for s in candidates if uow.repository.raise_signal(s))
        uow.commit()
    return raised


def _last_review_on(uow: UnitOfWork, household_id: int, arrangement: Arrangement) -> date:
    dates = [arrangement.bijstand_start_on]
    handled_review_on = uow.repository.last_handled_review_on(household_id)
    if handled_review_on is not None:
        dates.append(handled_review_on)
    dates.extend(m.achieved_on for m in uow.repository.milestones_of(household_id))
    dates.extend(c.decided_on for c in uow.repository.phase_changes_of(household_id))
    return max(dates)


def handle_signal(
    uow: UnitOfWork, signal_id: int, *, actor: str, handled_on: date, note: str
) -> None:
    with uow:
        signal = uow.repository.get_signal(signal_id)
        if signal is None:
            raise UnknownSignal(signal_id)
        if signal.status != "open":
            raise SignalAlreadyHandled(signal_id, signal.handled_by)
        uow.repository.handle_signal(signal_id, actor, handled_on, note)
        uow.commit()
