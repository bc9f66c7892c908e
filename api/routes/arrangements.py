"""A household's arrangement (the ontzorging decision): record it once, read it, and the three
changes the law and the PIP allow: the PIP-agreed end, ending it, and the end of bijstand.

Every answer shows the statutory end (six months from the bijstand start, art. 56a Pw, or the end
of bijstand if that comes first) and the period end (the later of it and the PIP end). Ending
inside the statutory six months is refused (409) by the domain.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import Field

from api.dependencies import TodayDep, UowFactoryDep
from api.schemas import Schema
from api.security import Granted, require
from ontzorgen import services
from ontzorgen.access import Permission
from ontzorgen.arrangement import Arrangement, Decision, LegalBasis
from ontzorgen.policy import CostType
from ontzorgen.unit_of_work import UnitOfWork

router = APIRouter(tags=["arrangements"])


class DecisionOut(Schema):
    decided_on: date
    decided_by: str
    reference: str = Field(description="The beschikking's reference.")


class ArrangementOut(Schema):
    household_id: int
    legal_basis: LegalBasis
    bijstand_start_on: date
    machtiging_signed_on: date
    decision: DecisionOut
    agreed_cost_types: list[CostType]
    pip_end_on: date | None
    bijstand_end_on: date | None
    ended_on: date | None
    statutory_end_on: date = Field(
        description="Six months from the bijstand start (art. 56a Pw), or the last day of "
        "bijstand if that comes first."
    )
    period_end_on: date = Field(
        description="The later of the statutory end and the PIP end, unless ended otherwise."
    )
    statutory_period_passed: bool = Field(description="Whether today is after the statutory end.")

    @classmethod
    def of(
        cls, arrangement: Arrangement, agreed: frozenset[CostType], today: date
    ) -> ArrangementOut:
        return cls(
            household_id=arrangement.household_id,
            legal_basis=arrangement.legal_basis,
            bijstand_start_on=arrangement.bijstand_start_on,
            machtiging_signed_on=arrangement.machtiging_signed_on,
            decision=DecisionOut(
                decided_on=arrangement.decision.decided_on,
                decided_by=arrangement.decision.actor,
                reference=arrangement.decision.reference,
            ),
            agreed_cost_types=sorted(agreed),
            pip_end_on=arrangement.pip_end_on,
            bijstand_end_on=arrangement.bijstand_end_on,
            ended_on=arrangement.ended_on,
            statutory_end_on=arrangement.statutory_end_on,
            period_end_on=arrangement.period_end_on,
            statutory_period_passed=arrangement.statutory_period_passed(today),
        )


class DecisionBody(Schema):
    decided_on: date
    reference: str = Field(
        min_length=1, max_length=64, description="The beschikking's reference, e.g. ONT-00042."
    )


class NewArrangement(Schema):
    legal_basis: LegalBasis
    bijstand_start_on: date
    machtiging_signed_on: date
    decision: DecisionBody
    agreed_cost_types: list[CostType] | None = Field(
        default=None,
        max_length=len(CostType),
        description="Left out: every cost type the municipality's policy withholds.",
    )
    pip_end_on: date | None = None


class PipEnd(Schema):
    pip_end_on: date | None = Field(description="null removes the PIP-agreed end.")


class ArrangementEnd(Schema):
    ended_on: date


class BijstandEnd(Schema):
    bijstand_end_on: date = Field(description="The last day of bijstand.")


def _read(uow: UnitOfWork, household_id: int, today: date) -> ArrangementOut:
    with uow:
        found = uow.repository.get_arrangement(household_id)
    if found is None:
        raise services.NoArrangement(household_id)
    return ArrangementOut.of(*found, today)


@router.get("/households/{household_id}/arrangement", response_model=ArrangementOut)
def read_arrangement(
    household_id: int,
    uow: UowFactoryDep,
    today: TodayDep,
    granted: Annotated[Granted, require(Permission.READ_HOUSEHOLD, "household")],
) -> ArrangementOut:
    return _read(uow(), household_id, today)


@router.put(
    "/households/{household_id}/arrangement",
    response_model=ArrangementOut,
    status_code=201,
    responses={409: {"description": "The household already has an arrangement."}},
)
def record_arrangement(
    household_id: int,
    body: NewArrangement,
    request: Request,
    uow: UowFactoryDep,
    today: TodayDep,
    granted: Annotated[Granted, require(Permission.CHANGE_ARRANGEMENT, "household")],
) -> JSONResponse:
    services.record_arrangement(
        uow(),
        household_id=household_id,
        legal_basis=body.legal_basis,
        bijstand_start_on=body.bijstand_start_on,
        machtiging_signed_on=body.machtiging_signed_on,
        decision=Decision(
            body.decision.decided_on, granted.principal.name, body.decision.reference
        ),
        agreed_cost_types=None
        if body.agreed_cost_types is None
        else frozenset(body.agreed_cost_types),
        pip_end_on=body.pip_end_on,
    )
    created = _read(uow(), household_id, today)
    return JSONResponse(
        created.model_dump(by_alias=True, mode="json"),
        status_code=201,
        headers={"Location": request.url.path},
    )


@router.post("/households/{household_id}/arrangement/pip-end", response_model=ArrangementOut)
def agree_pip_end(
    household_id: int,
    body: PipEnd,
    uow: UowFactoryDep,
    today: TodayDep,
    granted: Annotated[Granted, require(Permission.CHANGE_ARRANGEMENT, "household")],
) -> ArrangementOut:
    services.agree_pip_end(uow(), household_id, body.pip_end_on)
    return _read(uow(), household_id, today)


@router.post("/households/{household_id}/arrangement/end", response_model=ArrangementOut)
def end_arrangement(
    household_id: int,
    body: ArrangementEnd,
    uow: UowFactoryDep,
    today: TodayDep,
    granted: Annotated[Granted, require(Permission.CHANGE_ARRANGEMENT, "household")],
) -> ArrangementOut:
    services.end_arrangement(uow(), household_id, body.ended_on)
    return _read(uow(), household_id, today)


@router.post("/households/{household_id}/arrangement/bijstand-end", response_model=ArrangementOut)
def end_bijstand(
    household_id: int,
    body: BijstandEnd,
    uow: UowFactoryDep,
    today: TodayDep,
    granted: Annotated[Granted, require(Permission.CHANGE_ARRANGEMENT, "household")],
) -> ArrangementOut:
    services.end_bijstand(uow(), household_id, body.bijstand_end_on)
    return _read(uow(), household_id, today)
