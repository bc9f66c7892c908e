"""Milestones: the evidence of self-reliance a step up the ladder needs.

``GET`` lists every milestone of the municipality's policy for the household: recorded ones with
their evidence, computed ones (months without arrears) from the books, and which requirements the
next phase still has open. ``POST`` records one (a coach's work); when that completes the next
step's requirements, the use case proposes the step and signals the coach.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter
from pydantic import Field

from api.dependencies import TodayDep, UowFactoryDep
from api.schemas import Schema
from api.security import Granted, require
from ontzorgen import services
from ontzorgen.access import Permission
from ontzorgen.phases import StepAssessment
from ontzorgen.repository import MilestoneRecord
from ontzorgen.views.phases import milestone_record, milestones_overview

router = APIRouter(tags=["milestones"])

#: Text a person must write: at least one character that is not white space.
WRITTEN = r"\S"
#: The days a decision may speak of: the years a ``Month`` has.
DAY_MIN, DAY_MAX = date(2000, 1, 1), date(2100, 12, 31)


class AssessmentOut(Schema):
    current_phase: int
    next_phase: int | None = Field(description="None when the household is on the last phase.")
    open_requirements: list[str] = Field(
        description="Milestone codes still open, and 'statutory_period_passed' while the six "
        "months of art. 56a Pw run, for the step to the next phase."
    )
    ready: bool

    @classmethod
    def of(cls, step: StepAssessment) -> AssessmentOut:
        return cls(
            current_phase=step.current_phase,
            next_phase=step.next_phase,
            open_requirements=list(step.open_requirements),
            ready=step.ready,
        )


class RecordedMilestoneOut(Schema):
    code: str
    achieved_on: date
    evidence: str
    recorded_by: str

    @classmethod
    def of(cls, record: MilestoneRecord) -> RecordedMilestoneOut:
        return cls(
            code=record.code,
            achieved_on=record.achieved_on,
            evidence=record.evidence,
            recorded_by=record.actor,
        )


class MilestoneOut(Schema):
    code: str
    title: str | None = Field(description="None for a recorded milestone the policy dropped.")
    computed: bool
    months_without_arrears_required: int | None
    achieved: bool
    recorded: RecordedMilestoneOut | None


class MilestonesOut(Schema):
    assessment: AssessmentOut
    months_without_arrears: int
    items: list[MilestoneOut]


class NewMilestone(Schema):
    code: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$", examples=["budgetcursus"])
    achieved_on: date = Field(ge=DAY_MIN, le=DAY_MAX)
    evidence: str = Field(min_length=1, max_length=500, pattern=WRITTEN)


class MilestoneRecorded(Schema):
    milestone: RecordedMilestoneOut
    assessment: AssessmentOut


@router.get("/households/{household_id}/milestones", response_model=MilestonesOut)
def list_milestones(
    household_id: int,
    uow: UowFactoryDep,
    today: TodayDep,
    granted: Annotated[Granted, require(Permission.READ_HOUSEHOLD, "household")],
) -> MilestonesOut:
    with uow() as work:
        overview = milestones_overview(work, household_id, today)
    return MilestonesOut(
        assessment=AssessmentOut.of(overview.assessment.step),
        months_without_arrears=overview.assessment.months_without_arrears,
        items=[
            MilestoneOut(
                code=view.code,
                title=view.title,
                computed=view.computed,
                months_without_arrears_required=view.months_without_arrears_required,
                achieved=view.achieved,
                recorded=None if view.recorded is None else RecordedMilestoneOut.of(view.recorded),
            )
            for view in overview.milestones
        ],
    )


@router.post(
    "/households/{household_id}/milestones", response_model=MilestoneRecorded, status_code=201
)
def record_milestone(
    household_id: int,
    body: NewMilestone,
    uow: UowFactoryDep,
    granted: Annotated[Granted, require(Permission.RECORD_MILESTONE, "household")],
) -> MilestoneRecorded:
    assessment = services.record_milestone(
        uow(),
        household_id,
        body.code,
        achieved_on=body.achieved_on,
        evidence=body.evidence.strip(),
        actor=granted.principal.name,
    )
    with uow() as work:
        # A milestone is recorded once: a second recording keeps the first, which is shown.
        record = milestone_record(work, household_id, body.code)
    assert record is not None, "a recorded milestone has its row"
    return MilestoneRecorded(
        milestone=RecordedMilestoneOut.of(record), assessment=AssessmentOut.of(assessment)
    )
