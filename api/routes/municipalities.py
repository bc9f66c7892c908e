"""Municipalities and kredietbanken: the list a user may see, one of each, and a municipality's
policy (every *[design]* choice of DOMAIN.md as data).

The list is filtered by who asks: an officer or auditor sees their own municipality, a coach the
municipalities their kredietbank serves. The policy travels as JSON with amounts as strings with
two decimals; the domain checks that it is consistent (a refusal is a 400).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from pydantic import Field

from api.dependencies import UowFactoryDep
from api.schemas import Page, PageAfter, PageSize, Schema, amount, money, page_links
from api.security import Granted, require
from ontzorgen import services
from ontzorgen.access import Permission, Role
from ontzorgen.households import UnknownMunicipality
from ontzorgen.policy import CostType, LeefgeldFrequency, Policy, ProrationRule
from ontzorgen.policy_codec import policy_from_dict
from ontzorgen.views.plan import MunicipalityView, municipalities_of, municipality_view

router = APIRouter(tags=["municipalities"])

#: A policy amount: never negative, at most EUR 100,000,000.00.
NonNegativeAmount = Annotated[
    str,
    Field(
        pattern=r"^[0-9]{1,9}\.[0-9]{2}$",
        examples=["200.00"],
        description="Euros with exactly two decimals, as a string; zero or more.",
    ),
]


class MunicipalityListItem(Schema):
    id: int
    code: str = Field(description="CBS gemeentecode, e.g. 0599 for Rotterdam.")
    name: str


class BankAccountOut(Schema):
    holder: str
    iban: str
    bic: str | None


class KredietbankRef(Schema):
    id: int
    name: str


class MunicipalityOut(Schema):
    id: int
    code: str
    name: str
    bank_account: BankAccountOut | None = Field(
        description="The account the municipality's payment runs are paid from."
    )
    kredietbanken: list[KredietbankRef]

    @classmethod
    def of(cls, view: MunicipalityView) -> MunicipalityOut:
        account = view.bank_account
        return cls(
            id=view.municipality_id,
            code=view.code,
            name=view.name,
            bank_account=None
            if account is None
            else BankAccountOut(holder=account.holder, iban=account.iban, bic=account.bic),
            kredietbanken=[
                KredietbankRef(id=k.kredietbank_id, name=k.name) for k in view.kredietbanken
            ],
        )


class KredietbankOut(Schema):
    id: int
    name: str
    municipality_ids: list[int] = Field(description="The municipalities it works for.")


class MilestoneDefinitionBody(Schema):
    code: str = Field(min_length=1, max_length=64)
    title: str = Field(min_length=1, max_length=200)
    months_without_arrears: int | None = Field(
        default=None, ge=1, le=120, description="Set for a milestone computed from the books."
    )


class PhaseDefinitionBody(Schema):
    number: int = Field(ge=1, le=20)
    name: str = Field(min_length=1, max_length=120)
    withheld: list[CostType] | None = Field(
        description="null: every cost type agreed for the household; []: nothing withheld."
    )
    leefgeld_frequency: LeefgeldFrequency | None
    required_milestones: list[str] = Field(max_length=20)
    requires_statutory_period_passed: bool


class PolicyBody(Schema):
    """A municipality's whole policy; a PUT replaces it, so every field is required."""

    cost_types: list[CostType] = Field(
        min_length=1, max_length=len(CostType), description="The cost types it may withhold."
    )
    priority: list[CostType] = Field(
        min_length=1, max_length=len(CostType), description="Funding order: every cost type once."
    )
    minimum_leefgeld_first_adult: NonNegativeAmount
    minimum_leefgeld_per_further_member: NonNegativeAmount
    proration: ProrationRule
    leefgeld_weekday: int = Field(ge=0, le=6, description="0 = Monday.")
    leefgeld_day_of_month: int = Field(ge=1, le=28)
    vakantietoeslag_percent: int = Field(ge=0, le=100)
    vakantietoeslag_month: int = Field(ge=1, le=12)
    signal_horizon_days: int = Field(ge=1, le=366)
    milestone_review_interval_months: int = Field(ge=1, le=24)
    milestones: list[MilestoneDefinitionBody] = Field(max_length=50)
    ladder: list[PhaseDefinitionBody] = Field(min_length=1, max_length=20)

    @classmethod
    def of(cls, policy: Policy) -> PolicyBody:
        return cls(
            cost_types=sorted(policy.cost_types),
            priority=list(policy.priority),
            minimum_leefgeld_first_adult=amount(policy.minimum_leefgeld_first_adult),
            minimum_leefgeld_per_further_member=amount(policy.minimum_leefgeld_per_further_member),
            proration=policy.proration,
            leefgeld_weekday=policy.leefgeld_weekday,
            leefgeld_day_of_month=policy.leefgeld_day_of_month,
            vakantietoeslag_percent=policy.vakantietoeslag_percent,
            vakantietoeslag_month=policy.vakantietoeslag_month,
            signal_horizon_days=policy.signal_horizon_days,
            milestone_review_interval_months=policy.milestone_review_interval_months,
            milestones=[
                MilestoneDefinitionBody(
                    code=m.code, title=m.title, months_without_arrears=m.months_without_arrears
                )
                for m in policy.milestones
            ],
            ladder=[
                PhaseDefinitionBody(
                    number=p.number,
                    name=p.name,
                    withheld=None if p.withheld is None else sorted(p.withheld),
                    leefgeld_frequency=p.leefgeld_frequency,
                    required_milestones=list(p.required_milestones),
                    requires_statutory_period_passed=p.requires_statutory_period_passed,
                )
                for p in policy.ladder.phases
            ],
        )

    def to_policy(self) -> Policy:
        """Through the policy codec, so the API and the stored JSON follow one set of checks."""
        data = self.model_dump(
            by_alias=True,
            mode="json",
            exclude={"minimum_leefgeld_first_adult", "minimum_leefgeld_per_further_member"},
        )
        data["minimumLeefgeldFirstAdultCents"] = money(self.minimum_leefgeld_first_adult).cents
        data["minimumLeefgeldPerFurtherMemberCents"] = money(
            self.minimum_leefgeld_per_further_member
        ).cents
        return policy_from_dict(data)


@router.get("/municipalities", response_model=Page[MunicipalityListItem])
def list_municipalities(
    request: Request,
    uow: UowFactoryDep,
    granted: Annotated[Granted, require(Permission.READ_MUNICIPALITY, "region")],
    size: PageSize = 50,
    after: PageAfter = 0,
) -> Page[MunicipalityListItem]:
    principal = granted.principal
    coach = principal.role is Role.COACH
    with uow() as work:
        found = municipalities_of(
            work.connection,
            municipality_id=None if coach else principal.municipality_id,
            kredietbank_id=principal.kredietbank_id if coach else None,
            after_id=after,
            limit=size,
        )
    items = [MunicipalityListItem(id=m.municipality_id, code=m.code, name=m.name) for m in found]
    return Page(items=items, links=page_links(request, [item.id for item in items], size, after))


@router.get("/municipalities/{municipality_id}", response_model=MunicipalityOut)
def read_municipality(
    municipality_id: int,
    uow: UowFactoryDep,
    granted: Annotated[Granted, require(Permission.READ_MUNICIPALITY, "municipality")],
) -> MunicipalityOut:
    with uow() as work:
        view = municipality_view(work.connection, municipality_id)
    if view is None:
        raise UnknownMunicipality(municipality_id)
    return MunicipalityOut.of(view)


@router.get("/municipalities/{municipality_id}/policy", response_model=PolicyBody)
def read_policy(
    municipality_id: int,
    uow: UowFactoryDep,
    granted: Annotated[Granted, require(Permission.READ_MUNICIPALITY, "municipality")],
) -> PolicyBody:
    with uow() as work:
        return PolicyBody.of(work.repository.get_municipality(municipality_id).policy)


@router.put("/municipalities/{municipality_id}/policy", response_model=PolicyBody)
def change_policy(
    municipality_id: int,
    body: PolicyBody,
    uow: UowFactoryDep,
    granted: Annotated[Granted, require(Permission.CHANGE_POLICY, "municipality")],
) -> PolicyBody:
    services.set_policy(uow(), municipality_id, body.to_policy())
    with uow() as work:
        return PolicyBody.of(work.repository.get_municipality(municipality_id).policy)


@router.get("/kredietbanken/{kredietbank_id}", response_model=KredietbankOut)
def read_kredietbank(
    kredietbank_id: int,
    uow: UowFactoryDep,
    granted: Annotated[Granted, require(Permission.READ_KREDIETBANK, "kredietbank")],
) -> KredietbankOut:
    with uow() as work:
        kredietbank = work.repository.get_kredietbank(kredietbank_id)
    return KredietbankOut(
        id=kredietbank.kredietbank_id,
        name=kredietbank.name,
        municipality_ids=sorted(kredietbank.municipality_ids),
    )
