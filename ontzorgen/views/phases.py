"""A household's way back to self-management as the coach reads it: the phase in force, every
change with its reason, the milestones (recorded and computed), the proposals, and whether the next
step's requirements are met.

Read-only. ``services.evaluate_step`` assesses *and proposes* (it writes a proposal and a signal);
a read must change nothing, so ``assessment_of`` makes the same assessment without the proposal.
Both use the same pure rules (``phases.achieved_milestones``, ``phases.assess_step``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from ontzorgen.months import Month
from ontzorgen.phases import PhaseChange, StepAssessment, achieved_milestones, assess_step, phase_on
from ontzorgen.policy import Policy
from ontzorgen.repository import MilestoneRecord, Proposal
from ontzorgen.services import NoArrangement
from ontzorgen.tables import phase_proposals
from ontzorgen.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class Assessment:
    """The step assessment with what it was made from."""

    step: StepAssessment
    months_without_arrears: int
    achieved: frozenset[str]


def _policy(uow: UnitOfWork, household_id: int) -> Policy:
    household = uow.repository.get_household(household_id)
    return uow.repository.get_municipality(household.municipality_id).policy


def assessment_of(uow: UnitOfWork, household_id: int, today: date) -> Assessment:
    """Whether the next phase's requirements are met on ``today``; proposes nothing."""
    policy = _policy(uow, household_id)
    found = uow.repository.get_arrangement(household_id)
    if found is None:
        raise NoArrangement(household_id)
    arrangement, _ = found
    current = phase_on(uow.repository.phase_changes_of(household_id), today) or 1
    recorded = [
        m.code for m in uow.repository.milestones_of(household_id) if m.achieved_on <= today
    ]
    clean_months = uow.repository.months_without_arrears(household_id, Month.of(today))
    achieved = achieved_milestones(policy, recorded, clean_months)
    return Assessment(
        assess_step(policy, current, achieved, arrangement, today), clean_months, achieved
    )


@dataclass(frozen=True, slots=True)
class MilestoneView:
    code: str
    title: str | None  # None for a recorded milestone the policy no longer names
    computed: bool
    months_without_arrears_required: int | None
    achieved: bool
    recorded: MilestoneRecord | None


@dataclass(frozen=True, slots=True)
class MilestoneOverview:
    assessment: Assessment
    milestones: tuple[MilestoneView, ...]


def milestones_overview(uow: UnitOfWork, household_id: int, today: date) -> MilestoneOverview:
    """Every milestone of the policy, recorded or computed, and what the next step still needs."""
    policy = _policy(uow, household_id)
    assessment = assessment_of(uow, household_id, today)
    recorded = {m.code: m for m in uow.repository.milestones_of(household_id)}
    views = [
        MilestoneView(
            definition.code,
            definition.title,
            definition.computed,
            definition.months_without_arrears,
            definition.code in assessment.achieved,
            recorded.get(definition.code),
        )
        for definition in policy.milestones
    ]
    known = {definition.code for definition in policy.milestones}
    views.extend(
        MilestoneView(code, None, False, None, record.achieved_on <= today, record)
        for code, record in recorded.items()
        if code not in known
    )
    return MilestoneOverview(assessment, tuple(views))


def milestone_record(uow: UnitOfWork, household_id: int, code: str) -> MilestoneRecord | None:
    return next((m for m in uow.repository.milestones_of(household_id) if m.code == code), None)


@dataclass(frozen=True, slots=True)
class PhaseOverview:
    current_phase: int
    current_phase_name: str
    changes: tuple[PhaseChange, ...]


def phase_overview(uow: UnitOfWork, household_id: int, today: date) -> PhaseOverview:
    """The phase in force today and every change, in the order it takes effect."""
    policy = _policy(uow, household_id)
    changes = uow.repository.phase_changes_of(household_id)
    if not changes:
        raise NoArrangement(household_id)
    # Before the bijstand starts the household is in the phase it will start in.
    current = phase_on(changes, today) or changes[0].to_phase
    return PhaseOverview(current, policy.ladder.phase(current).name, tuple(changes))


def proposals_of(uow: UnitOfWork, household_id: int) -> list[Proposal]:
    """Every proposal of the household, oldest first (a handful over a whole arrangement)."""
    rows = uow.connection.execute(
        select(phase_proposals)
        .where(phase_proposals.c.household_id == household_id)
        .order_by(phase_proposals.c.id)
    ).all()
    return [
        Proposal(
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
        for row in rows
    ]


def proposal_of(uow: UnitOfWork, household_id: int, proposal_id: int) -> Proposal | None:
    """The proposal, if it exists and belongs to this household."""
    proposal = uow.repository.get_proposal(proposal_id)
    if proposal is None or proposal.household_id != household_id:
        return None
    return proposal
