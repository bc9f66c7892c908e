"""A household's budget plan: its obligations (the fixed costs withheld for it), effective-dated
amount changes, and the coach's decision on its minimum leefgeld.

An obligation's amounts are never edited: a new amount takes effect from a date and the history
stays readable. A creditor's reference is either a betalingskenmerk (checked by its check digit)
or free text of at most 140 characters.
"""

from __future__ import annotations

import enum
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Request
from pydantic import Field, field_validator

from api.dependencies import TodayDep, UowFactoryDep
from api.schemas import (
    Amount,
    Page,
    PageAfter,
    PageSize,
    PositiveAmount,
    Schema,
    amount,
    money,
    page_links,
)
from api.security import Granted, require
from ontzorgen import services
from ontzorgen.access import Permission
from ontzorgen.identifiers import Betalingskenmerk, PaymentReference, parse_payment_reference
from ontzorgen.obligations import Frequency
from ontzorgen.policy import CostType
from ontzorgen.unit_of_work import UnitOfWork
from ontzorgen.views.plan import (
    ObligationView,
    last_minimum_leefgeld_decision,
    obligation_household,
    obligations_page,
)

router = APIRouter(tags=["obligations"])

ObligationIdPath = Annotated[int, Path(ge=1, le=2**62)]


class ReferenceKind(enum.StrEnum):
    BETALINGSKENMERK = "betalingskenmerk"
    FREE_TEXT = "freeText"


class ReferenceBody(Schema):
    """What the creditor needs to recognise the payment."""

    kind: ReferenceKind
    value: str = Field(
        min_length=1,
        max_length=140,
        description="A betalingskenmerk (digit groups may be separated by spaces or dots) or "
        "free text of at most 140 characters.",
    )

    @classmethod
    def of(cls, reference: PaymentReference) -> ReferenceBody:
        kind = (
            ReferenceKind.BETALINGSKENMERK
            if isinstance(reference, Betalingskenmerk)
            else ReferenceKind.FREE_TEXT
        )
        return cls(kind=kind, value=reference.value)


class AmountOut(Schema):
    effective_on: date
    amount: Amount
    recorded_by: str


class CreditorRef(Schema):
    id: int
    name: str


class ObligationOut(Schema):
    id: int
    household_id: int
    cost_type: CostType
    creditor: CreditorRef
    frequency: Frequency
    first_due_on: date
    ends_on: date | None
    reference: ReferenceBody
    amount_today: Amount = Field(description="The amount in force today.")
    next_due_on: date | None = Field(description="The next due date from today, if any.")
    amounts: list[AmountOut] = Field(description="Every amount from its date, oldest first.")

    @classmethod
    def of(cls, view: ObligationView, today: date) -> ObligationOut:
        schedule = view.schedule
        return cls(
            id=view.obligation_id,
            household_id=view.household_id,
            cost_type=view.cost_type,
            creditor=CreditorRef(id=view.creditor_id, name=view.creditor_name),
            frequency=schedule.frequency,
            first_due_on=schedule.first_due_on,
            ends_on=schedule.ends_on,
            reference=ReferenceBody.of(view.reference),
            amount_today=amount(view.amount_on(today)),
            next_due_on=schedule.next_due_on_or_after(today),
            amounts=[
                AmountOut(
                    effective_on=change.effective_on,
                    amount=amount(change.amount),
                    recorded_by=change.recorded_by,
                )
                for change in view.amounts
            ],
        )


class NewObligation(Schema):
    cost_type: CostType
    creditor_id: int = Field(ge=1, le=2**62)
    frequency: Frequency
    first_due_on: date = Field(description="The due day of the month follows from it.")
    ends_on: date | None = None
    amount: PositiveAmount
    reference: ReferenceBody


class NewAmount(Schema):
    effective_on: date
    amount: PositiveAmount


NonNegativeAmount = Annotated[
    str,
    Field(
        pattern=r"^[0-9]{1,9}\.[0-9]{2}$",
        examples=["150.00"],
        description="Euros with exactly two decimals, as a string; zero or more.",
    ),
]


class MinimumLeefgeldDecision(Schema):
    amount: NonNegativeAmount | None = Field(
        description='The household\'s own floor; "0.00" funds the fixed costs before any '
        "leefgeld; null returns to the municipality's policy."
    )
    reason: str = Field(min_length=1, max_length=500)

    @field_validator("reason")
    @classmethod
    def _not_blank(cls, reason: str) -> str:
        if not reason.strip():
            raise ValueError("Give a reason for the decision.")
        return reason.strip()


class MinimumLeefgeldOut(Schema):
    household_id: int
    minimum_leefgeld: Amount = Field(description="The floor in force for a full month.")
    policy_minimum_leefgeld: Amount = Field(description="The municipality's default for it.")
    decided_amount: Amount | None = Field(description="The coach's own floor, if one was set.")
    decided_on: date | None
    decided_by: str | None
    reason: str | None


def _obligation(
    uow: UnitOfWork, household_id: int, obligation_id: int, today: date
) -> ObligationOut:
    with uow:
        found = obligations_page(uow.connection, household_id, obligation_id=obligation_id)
    if not found:
        raise services.UnknownObligation(obligation_id)
    return ObligationOut.of(found[0], today)


@router.get("/households/{household_id}/obligations", response_model=Page[ObligationOut])
def list_obligations(
    household_id: int,
    request: Request,
    uow: UowFactoryDep,
    today: TodayDep,
    granted: Annotated[Granted, require(Permission.READ_HOUSEHOLD, "household")],
    size: PageSize = 50,
    after: PageAfter = 0,
) -> Page[ObligationOut]:
    with uow() as work:
        found = obligations_page(work.connection, household_id, after_id=after, limit=size)
    items = [ObligationOut.of(view, today) for view in found]
    return Page(items=items, links=page_links(request, [item.id for item in items], size, after))


@router.post(
    "/households/{household_id}/obligations", response_model=ObligationOut, status_code=201
)
def add_obligation(
    household_id: int,
    body: NewObligation,
    uow: UowFactoryDep,
    today: TodayDep,
    granted: Annotated[Granted, require(Permission.CHANGE_OBLIGATIONS, "household")],
) -> ObligationOut:
    obligation_id = services.add_obligation(
        uow(),
        household_id=household_id,
        cost_type=body.cost_type,
        creditor_id=body.creditor_id,
        frequency=body.frequency,
        first_due_on=body.first_due_on,
        ends_on=body.ends_on,
        amount=money(body.amount),
        reference=parse_payment_reference(
            body.reference.value, structured=body.reference.kind is ReferenceKind.BETALINGSKENMERK
        ),
        actor=granted.principal.name,
    )
    return _obligation(uow(), household_id, obligation_id, today)


@router.post(
    "/households/{household_id}/obligations/{obligation_id}/amounts",
    response_model=ObligationOut,
    status_code=201,
)
def change_amount(
    household_id: int,
    obligation_id: ObligationIdPath,
    body: NewAmount,
    uow: UowFactoryDep,
    today: TodayDep,
    granted: Annotated[Granted, require(Permission.CHANGE_OBLIGATIONS, "household")],
) -> ObligationOut:
    # The scope check covered the household in the path; the obligation must be one of its own.
    with uow() as work:
        owner = obligation_household(work.connection, obligation_id)
    if owner != household_id:
        raise services.UnknownObligation(obligation_id)
    services.change_obligation_amount(
        uow(),
        obligation_id,
        effective_on=body.effective_on,
        amount=money(body.amount),
        actor=granted.principal.name,
        today=today,
    )
    return _obligation(uow(), household_id, obligation_id, today)


@router.put("/households/{household_id}/minimum-leefgeld", response_model=MinimumLeefgeldOut)
def set_minimum_leefgeld(
    household_id: int,
    body: MinimumLeefgeldDecision,
    uow: UowFactoryDep,
    today: TodayDep,
    granted: Annotated[Granted, require(Permission.CHANGE_OBLIGATIONS, "household")],
) -> MinimumLeefgeldOut:
    services.set_minimum_leefgeld(
        uow(),
        household_id,
        None if body.amount is None else money(body.amount),
        decided_on=today,
        actor=granted.principal.name,
        reason=body.reason,
    )
    return _minimum_leefgeld(uow(), household_id)


def _minimum_leefgeld(uow: UnitOfWork, household_id: int) -> MinimumLeefgeldOut:
    with uow:
        household = uow.repository.get_household(household_id)
        policy = uow.repository.get_municipality(household.municipality_id).policy
        decision = last_minimum_leefgeld_decision(uow.connection, household_id)
    return MinimumLeefgeldOut(
        household_id=household_id,
        minimum_leefgeld=amount(household.minimum_leefgeld(policy)),
        policy_minimum_leefgeld=amount(policy.minimum_leefgeld(len(household.members))),
        decided_amount=None
        if decision is None or decision.amount is None
        else amount(decision.amount),
        decided_on=None if decision is None else decision.decided_on,
        decided_by=None if decision is None else decision.actor,
        reason=None if decision is None else decision.reason,
    )
