"""Households: a municipality's list (a coach sees their caseload), registering one, reading one.

Members' BSNs may be sent in a body when registering, never in a URI, and are only ever shown
masked (``******782``).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Request
from pydantic import Field

from api.dependencies import UowFactoryDep
from api.schemas import Page, PageAfter, PageSize, Schema, page_links
from api.security import Granted, require
from ontzorgen import services
from ontzorgen.access import Permission, Role
from ontzorgen.households import Household, Language, Member, MemberRole
from ontzorgen.identifiers import Bsn
from ontzorgen.views.households import households_of

router = APIRouter(tags=["households"])


class HouseholdListItem(Schema):
    id: int
    name: str
    language: Language
    kredietbank_id: int | None


class MemberIn(Schema):
    name: str = Field(min_length=1, max_length=120)
    role: MemberRole
    born_on: date | None = None
    bsn: str | None = Field(default=None, pattern=r"^[0-9]{9}$", description="Never in a URI.")


class MemberOut(Schema):
    name: str
    role: MemberRole
    born_on: date | None
    bsn_masked: str | None


class NewHousehold(Schema):
    name: str = Field(min_length=1, max_length=120)
    kredietbank_id: int | None = Field(default=None, ge=1, le=2**62)
    members: list[MemberIn] = Field(min_length=1, max_length=20)
    language: Language
    leefgeld_iban: str = Field(min_length=15, max_length=34)
    leefgeld_account_holder: str = Field(min_length=1, max_length=70)


class HouseholdOut(Schema):
    id: int
    municipality_id: int
    kredietbank_id: int | None
    name: str
    language: Language
    members: list[MemberOut]
    leefgeld_iban: str
    leefgeld_account_holder: str

    @classmethod
    def of(cls, household: Household) -> HouseholdOut:
        return cls(
            id=household.household_id,
            municipality_id=household.municipality_id,
            kredietbank_id=household.kredietbank_id,
            name=household.name,
            language=household.language,
            members=[
                MemberOut(
                    name=member.name,
                    role=member.role,
                    born_on=member.born_on,
                    bsn_masked=None if member.bsn is None else member.bsn.masked,
                )
                for member in household.members
            ],
            leefgeld_iban=household.leefgeld_iban.value,
            leefgeld_account_holder=household.leefgeld_account_holder.value,
        )


@router.get(
    "/municipalities/{municipality_id}/households",
    response_model=Page[HouseholdListItem],
)
def list_households(
    municipality_id: int,
    request: Request,
    uow: UowFactoryDep,
    granted: Annotated[Granted, require(Permission.READ_HOUSEHOLDS, "municipality")],
    size: PageSize = 50,
    after: PageAfter = 0,
) -> Page[HouseholdListItem]:
    principal = granted.principal
    caseload = principal.kredietbank_id if principal.role is Role.COACH else None
    with uow() as work:
        found = households_of(
            work.connection, municipality_id, kredietbank_id=caseload, after_id=after, limit=size
        )
    items = [
        HouseholdListItem(
            id=item.household_id,
            name=item.name,
            language=Language(item.language),
            kredietbank_id=item.kredietbank_id,
        )
        for item in found
    ]
    return Page(items=items, links=page_links(request, [item.id for item in items], size, after))


@router.post(
    "/municipalities/{municipality_id}/households",
    response_model=HouseholdOut,
    status_code=201,
)
def register_household(
    municipality_id: int,
    body: NewHousehold,
    uow: UowFactoryDep,
    granted: Annotated[Granted, require(Permission.REGISTER_HOUSEHOLD, "municipality")],
) -> HouseholdOut:
    household_id = services.register_household(
        uow(),
        municipality_id=municipality_id,
        kredietbank_id=body.kredietbank_id,
        name=body.name,
        members=[
            Member(
                member.name,
                member.role,
                member.born_on,
                None if member.bsn is None else Bsn.parse(member.bsn),
            )
            for member in body.members
        ],
        language=body.language,
        leefgeld_iban=body.leefgeld_iban,
        leefgeld_account_holder=body.leefgeld_account_holder,
    )
    with uow() as work:
        return HouseholdOut.of(work.repository.get_household(household_id))


@router.get("/households/{household_id}", response_model=HouseholdOut)
def read_household(
    household_id: int,
    uow: UowFactoryDep,
    granted: Annotated[Granted, require(Permission.READ_HOUSEHOLD, "household")],
) -> HouseholdOut:
    with uow() as work:
        return HouseholdOut.of(work.repository.get_household(household_id))
