"""The phase of a household on the ladder back to self-management, the system's proposals to step
up, the coach's decisions on them, and relapses.

The system proposes, a coach decides (DOMAIN.md §6): ``POST .../phase-proposals`` assesses the
household now and proposes the step when its requirements are met; ``POST .../decision`` accepts
or rejects a proposal with a reason; ``POST .../relapses`` moves the household back one phase.
Reading the proposals assesses without proposing, so a read never changes anything.
"""

from __future__ import annotations

import enum
from datetime import date
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Response
from pydantic import Field

from api.dependencies import TodayDep, UowFactoryDep
from api.routes.milestones import DAY_MAX, DAY_MIN, WRITTEN, AssessmentOut
from api.schemas import Schema
from api.security import Granted, require
from ontzorgen import services
from ontzorgen.access import Permission
from ontzorgen.phases import ChangeKind, PhaseChange, WithholdingPeriod
from ontzorgen.policy import CostType, LeefgeldFrequency
from ontzorgen.repository import Proposal
from ontzorgen.views.phases import assessment_of, phase_overview, proposal_of, proposals_of

router = APIRouter(tags=["phases"])


class PhaseChangeOut(Schema):
    kind: ChangeKind
    from_phase: int | None
    to_phase: int
    effective_on: date
    decided_on: date
    decided_by: str
    reason: str

    @classmethod
    def of(cls, change: PhaseChange) -> PhaseChangeOut:
        return cls(
            kind=change.kind,
            from_phase=change.from_phase,
            to_phase=change.to_phase,
            effective_on=change.effective_on,
            decided_on=change.decided_on,
            decided_by=change.actor,
            reason=change.reason,
        )


class WithholdingPeriodOut(Schema):
    effective_on: date
    phase: int
    phase_name: str
    withheld: list[CostType]
    leefgeld_frequency: LeefgeldFrequency | None
    kind: ChangeKind
    decided_on: date
    decided_by: str
    reason: str
    explanation: str = Field(description="The period in one plain Dutch sentence.")

    @classmethod
    def of(cls, period: WithholdingPeriod) -> WithholdingPeriodOut:
        return cls(
            effective_on=period.effective_on,
            phase=period.phase,
            phase_name=period.phase_name,
            withheld=list(period.withheld),
            leefgeld_frequency=period.leefgeld_frequency,
            kind=period.kind,
            decided_on=period.decided_on,
            decided_by=period.actor,
            reason=period.reason,
            explanation=period.explain(),
        )


class PhaseOut(Schema):
    current_phase: int
    current_phase_name: str
    history: list[PhaseChangeOut] = Field(description="Every change, in the order it takes effect.")
    withholding: list[WithholdingPeriodOut] = Field(
        description="What is withheld from each change on, and why."
    )


class ProposalStatus(enum.StrEnum):
    OPEN = "open"
    APPROVED = "approved"
    REJECTED = "rejected"


class ProposalOut(Schema):
    id: int
    from_phase: int
    to_phase: int
    proposed_on: date
    status: ProposalStatus
    decided_on: date | None
    decided_by: str | None
    reason: str | None

    @classmethod
    def of(cls, proposal: Proposal) -> ProposalOut:
        return cls(
            id=proposal.proposal_id,
            from_phase=proposal.from_phase,
            to_phase=proposal.to_phase,
            proposed_on=proposal.proposed_on,
            status=ProposalStatus(proposal.status),
            decided_on=proposal.decided_on,
            decided_by=proposal.decided_by,
            reason=proposal.reason,
        )


class ProposalsOut(Schema):
    open: ProposalOut | None = Field(description="The proposal awaiting a decision, if any.")
    assessment: AssessmentOut
    items: list[ProposalOut] = Field(description="Every proposal, oldest first.")


class Verdict(enum.StrEnum):
    ACCEPT = "accept"
    REJECT = "reject"


class NewDecision(Schema):
    decision: Verdict
    reason: str = Field(min_length=1, max_length=500, pattern=WRITTEN)
    effective_on: date | None = Field(
        default=None,
        ge=DAY_MIN,
        le=DAY_MAX,
        description="When an accepted step takes effect; today when left out.",
    )


class DecisionOut(Schema):
    proposal: ProposalOut
    change: PhaseChangeOut | None = Field(description="The step taken; None when rejected.")


class NewRelapse(Schema):
    to_phase: int = Field(ge=1, le=100, description="One phase below the current one.")
    # The reason goes into the coach's signal, whose message has room for 500 characters.
    reason: str = Field(min_length=1, max_length=400, pattern=WRITTEN)
    effective_on: date | None = Field(
        default=None, ge=DAY_MIN, le=DAY_MAX, description="Today when left out."
    )


@router.get("/households/{household_id}/phase", response_model=PhaseOut)
def read_phase(
    household_id: int,
    uow: UowFactoryDep,
    today: TodayDep,
    granted: Annotated[Granted, require(Permission.READ_HOUSEHOLD, "household")],
) -> PhaseOut:
    with uow() as work:
        overview = phase_overview(work, household_id, today)
    history = services.withholding_history(uow(), household_id)
    return PhaseOut(
        current_phase=overview.current_phase,
        current_phase_name=overview.current_phase_name,
        history=[PhaseChangeOut.of(change) for change in overview.changes],
        withholding=[WithholdingPeriodOut.of(period) for period in history],
    )


def _proposals(uow: UowFactoryDep, household_id: int, today: date) -> ProposalsOut:
    with uow() as work:
        assessment = assessment_of(work, household_id, today)
        proposals = proposals_of(work, household_id)
    still_open = [proposal for proposal in proposals if proposal.status == "open"]
    return ProposalsOut(
        open=ProposalOut.of(still_open[0]) if still_open else None,
        assessment=AssessmentOut.of(assessment.step),
        items=[ProposalOut.of(proposal) for proposal in proposals],
    )


@router.get("/households/{household_id}/phase-proposals", response_model=ProposalsOut)
def list_proposals(
    household_id: int,
    uow: UowFactoryDep,
    today: TodayDep,
    granted: Annotated[Granted, require(Permission.READ_HOUSEHOLD, "household")],
) -> ProposalsOut:
    return _proposals(uow, household_id, today)


@router.post(
    "/households/{household_id}/phase-proposals",
    response_model=ProposalsOut,
    status_code=201,
    responses={200: {"description": "Assessed; no new proposal was made."}},
)
def evaluate_step(
    household_id: int,
    response: Response,
    uow: UowFactoryDep,
    today: TodayDep,
    granted: Annotated[Granted, require(Permission.DECIDE_PHASE, "household")],
) -> ProposalsOut:
    before = services.open_proposal(uow(), household_id)
    services.evaluate_step(uow(), household_id, today=today)
    after = _proposals(uow, household_id, today)
    proposed = after.open is not None and (before is None or before.proposal_id != after.open.id)
    response.status_code = 201 if proposed else 200
    return after


@router.post(
    "/households/{household_id}/phase-proposals/{proposal_id}/decision",
    response_model=DecisionOut,
)
def decide_proposal(
    household_id: int,
    proposal_id: Annotated[int, Path(ge=1, le=2**62)],
    body: NewDecision,
    uow: UowFactoryDep,
    today: TodayDep,
    granted: Annotated[Granted, require(Permission.DECIDE_PHASE, "household")],
) -> DecisionOut:
    with uow() as work:
        found = proposal_of(work, household_id, proposal_id)
    if found is None:
        raise HTTPException(404, f"Household {household_id} has no phase proposal {proposal_id}.")
    change = services.decide_proposal(
        uow(),
        proposal_id,
        approve=body.decision is Verdict.ACCEPT,
        effective_on=body.effective_on or today,
        decided_on=today,
        actor=granted.principal.name,
        reason=body.reason.strip(),
    )
    with uow() as work:
        decided = proposal_of(work, household_id, proposal_id)
    assert decided is not None
    return DecisionOut(
        proposal=ProposalOut.of(decided),
        change=None if change is None else PhaseChangeOut.of(change),
    )


@router.post("/households/{household_id}/relapses", response_model=PhaseChangeOut, status_code=201)
def record_relapse(
    household_id: int,
    body: NewRelapse,
    uow: UowFactoryDep,
    today: TodayDep,
    granted: Annotated[Granted, require(Permission.DECIDE_PHASE, "household")],
) -> PhaseChangeOut:
    change = services.record_relapse(
        uow(),
        household_id,
        to_phase=body.to_phase,
        effective_on=body.effective_on or today,
        decided_on=today,
        actor=granted.principal.name,
        reason=body.reason.strip(),
    )
    return PhaseChangeOut.of(change)
