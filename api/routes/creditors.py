"""The creditor register shared by the region: list, read, register.

A creditor is registered under the exact name its bank holds (Verification of Payee compares it
since October 2025) with a structured address (pain.001.001.09 needs one). The domain validates
the IBAN, the BIC and whether they belong together; the same IBAN and name twice is refused.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse
from pydantic import Field

from api.dependencies import UowFactoryDep
from api.schemas import Page, PageAfter, PageSize, Schema, page_links
from api.security import Granted, require
from ontzorgen.access import Permission
from ontzorgen.creditor_register import register_new_creditor
from ontzorgen.households import Address, Creditor, CreditorKind
from ontzorgen.views.plan import CreditorView, creditors_page

router = APIRouter(tags=["creditors"])


class AddressBody(Schema):
    """A structured address, as pain.001.001.09 requires."""

    street: str = Field(min_length=1, max_length=70)
    building_number: str = Field(min_length=1, max_length=16)
    postcode: str = Field(min_length=1, max_length=16)
    town: str = Field(min_length=1, max_length=35)
    country: str = Field(default="NL", pattern=r"^[A-Z]{2}$", description="ISO 3166 alpha-2.")


class NewCreditor(Schema):
    name: str = Field(
        min_length=1,
        max_length=70,
        description="The account holder's name exactly as the bank holds it (Verification of "
        "Payee); case, accents and punctuation are kept.",
    )
    iban: str = Field(min_length=15, max_length=42, description="Spaces and lower case are fine.")
    bic: str | None = Field(
        default=None,
        min_length=8,
        max_length=11,
        description="Optional within SEPA; for a Dutch IBAN it is looked up when left out.",
    )
    kind: CreditorKind
    address: AddressBody


class CreditorOut(Schema):
    id: int
    name: str
    iban: str
    bic: str | None
    kind: CreditorKind
    address: AddressBody

    @classmethod
    def of(cls, creditor: Creditor | CreditorView) -> CreditorOut:
        if isinstance(creditor, Creditor):
            name, iban = creditor.name.value, creditor.iban.value
            bic = None if creditor.bic is None else creditor.bic.value
        else:
            name, iban, bic = creditor.name, creditor.iban, creditor.bic
        address = creditor.address
        return cls(
            id=creditor.creditor_id,
            name=name,
            iban=iban,
            bic=bic,
            kind=creditor.kind,
            address=AddressBody(
                street=address.street,
                building_number=address.building_number,
                postcode=address.postcode,
                town=address.town,
                country=address.country,
            ),
        )


@router.get("/creditors", response_model=Page[CreditorOut])
def list_creditors(
    request: Request,
    uow: UowFactoryDep,
    granted: Annotated[Granted, require(Permission.READ_CREDITORS, "region")],
    size: PageSize = 50,
    after: PageAfter = 0,
) -> Page[CreditorOut]:
    with uow() as work:
        found = creditors_page(work.connection, after_id=after, limit=size)
    items = [CreditorOut.of(creditor) for creditor in found]
    return Page(items=items, links=page_links(request, [item.id for item in items], size, after))


@router.get("/creditors/{creditor_id}", response_model=CreditorOut)
def read_creditor(
    creditor_id: Annotated[int, Path(ge=1, le=2**62)],
    uow: UowFactoryDep,
    granted: Annotated[Granted, require(Permission.READ_CREDITORS, "region")],
) -> CreditorOut:
    with uow() as work:
        return CreditorOut.of(work.repository.get_creditor(creditor_id))


@router.post("/creditors", response_model=CreditorOut, status_code=201)
def register_creditor(
    body: NewCreditor,
    request: Request,
    uow: UowFactoryDep,
    granted: Annotated[Granted, require(Permission.REGISTER_CREDITOR, "region")],
) -> JSONResponse:
    address = body.address
    creditor_id = register_new_creditor(
        uow,
        name=body.name,
        iban=body.iban,
        bic=body.bic,
        kind=body.kind,
        address=Address(
            address.street, address.building_number, address.postcode, address.town, address.country
        ),
    )
    with uow() as work:
        created = CreditorOut.of(work.repository.get_creditor(creditor_id))
    return JSONResponse(
        created.model_dump(by_alias=True, mode="json"),
        status_code=201,
        headers={"Location": str(request.url_for("read_creditor", creditor_id=creditor_id))},
    )
