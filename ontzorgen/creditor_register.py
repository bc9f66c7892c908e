"""Registering a creditor in the region's shared register at most once per account.

The register keeps one row per IBAN and exact account-holder name (a unique constraint in
``creditors``). ``services.register_creditor`` lets the database refuse a second one, which would
surface as an unnamed integrity error; this use case names the refusal and the creditor that is
already there, so the caller can use that one instead.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.exc import IntegrityError

from ontzorgen import services
from ontzorgen.errors import OntzorgenError
from ontzorgen.households import Address, CreditorKind
from ontzorgen.identifiers import ExactAccountHolderName, Iban
from ontzorgen.obligations import CreditorId
from ontzorgen.unit_of_work import UnitOfWork
from ontzorgen.views.plan import creditor_id_by_account


class CreditorAlreadyRegistered(OntzorgenError):
    """A creditor with this IBAN and exact account-holder name is already in the register."""

    def __init__(self, creditor_id: int, iban: str, name: str) -> None:
        super().__init__(
            f"Creditor {creditor_id} is already registered with IBAN {iban} and name {name!r}. "
            "Use that creditor."
        )
        self.creditor_id, self.iban, self.name = creditor_id, iban, name


def _registered(uow: UnitOfWork, iban: Iban, holder: ExactAccountHolderName) -> int | None:
    with uow:
        return creditor_id_by_account(uow.connection, iban.value, holder.value)


def register_new_creditor(
    make_uow: Callable[[], UnitOfWork],
    *,
    name: str,
    iban: str,
    bic: str | None,
    kind: CreditorKind,
    address: Address,
) -> CreditorId:
    """Register a creditor, refusing by name one whose IBAN and exact name are already known."""
    parsed_iban = Iban.parse(iban)
    holder = ExactAccountHolderName.parse(name)
    existing = _registered(make_uow(), parsed_iban, holder)
    if existing is not None:
        raise CreditorAlreadyRegistered(existing, parsed_iban.value, holder.value)
    try:
        return services.register_creditor(
            make_uow(), name=name, iban=iban, bic=bic, kind=kind, address=address
        )
    except IntegrityError:
        # Someone registered the same account between the look-up and the insert.
        raced = _registered(make_uow(), parsed_iban, holder)
        if raced is None:
            raise
        raise CreditorAlreadyRegistered(raced, parsed_iban.value, holder.value) from None
