"""Read queries behind the budget plan: municipalities, the creditor register, a household's
obligations (with every amount they ever had), its income and its minimum leefgeld decision.

Every query reads in the caller's transaction and changes nothing. Lists page by id (``after_id``,
``limit``), so none of them grows without bound.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection, select

from ledger.money import Money
from ontzorgen.households import Address, CreditorKind
from ontzorgen.identifiers import Betalingskenmerk, FreeTextReference, PaymentReference
from ontzorgen.obligations import Frequency, Schedule
from ontzorgen.policy import CostType
from ontzorgen.tables import (
    creditors,
    incomes,
    kredietbank_municipalities,
    kredietbanken,
    minimum_leefgeld_decisions,
    municipalities,
    obligation_amounts,
    obligations,
)

# -- municipalities ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MunicipalitySummary:
    municipality_id: int
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class BankAccountView:
    holder: str
    iban: str
    bic: str | None


@dataclass(frozen=True, slots=True)
class KredietbankSummary:
    kredietbank_id: int
    name: str


@dataclass(frozen=True, slots=True)
class MunicipalityView:
    municipality_id: int
    code: str
    name: str
    bank_account: BankAccountView | None
    kredietbanken: tuple[KredietbankSummary, ...]


def municipalities_of(
    connection: Connection,
    *,
    municipality_id: int | None,
    kredietbank_id: int | None,
    after_id: int,
    limit: int,
) -> list[MunicipalitySummary]:
    """Municipalities by id; only ``municipality_id`` itself, or those ``kredietbank_id`` serves,
    when given."""
    query = (
        select(municipalities.c.id, municipalities.c.code, municipalities.c.name)
        .where(municipalities.c.id > after_id)
        .order_by(municipalities.c.id)
        .limit(limit)
    )
    if municipality_id is not None:
        query = query.where(municipalities.c.id == municipality_id)
    if kredietbank_id is not None:
        query = query.where(
            municipalities.c.id.in_(
                select(kredietbank_municipalities.c.municipality_id).where(
                    kredietbank_municipalities.c.kredietbank_id == kredietbank_id
                )
            )
        )
    return [MunicipalitySummary(row.id, row.code, row.name) for row in connection.execute(query)]


def municipality_view(connection: Connection, municipality_id: int) -> MunicipalityView | None:
    row = connection.execute(
        select(municipalities).where(municipalities.c.id == municipality_id)
    ).one_or_none()
    if row is None:
        return None
    serving = connection.execute(
        select(kredietbanken.c.id, kredietbanken.c.name)
        .join(
            kredietbank_municipalities,
            kredietbank_municipalities.c.kredietbank_id == kredietbanken.c.id,
        )
        .where(kredietbank_municipalities.c.municipality_id == municipality_id)
        .order_by(kredietbanken.c.id)
    )
    account = (
        None
        if row.bank_iban is None
        else BankAccountView(row.bank_account_holder or "", row.bank_iban, row.bank_bic)
    )
    return MunicipalityView(
        row.id,
        row.code,
        row.name,
        account,
        tuple(KredietbankSummary(k.id, k.name) for k in serving),
    )


# -- creditors ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CreditorView:
    creditor_id: int
    name: str
    iban: str
    bic: str | None
    kind: CreditorKind
    address: Address


def creditors_page(connection: Connection, *, after_id: int, limit: int) -> list[CreditorView]:
    rows = connection.execute(
        select(creditors).where(creditors.c.id > after_id).order_by(creditors.c.id).limit(limit)
    )
    return [
        CreditorView(
            row.id,
            row.name,
            row.iban,
            row.bic,
            CreditorKind(row.kind),
            Address(row.street, row.building_number, row.postcode, row.town, row.country),
        )
        for row in rows
    ]


def creditor_id_by_account(connection: Connection, iban: str, name: str) -> int | None:
    """The creditor registered under exactly this IBAN (electronic form) and name, if any."""
    found = connection.execute(
        select(creditors.c.id).where(creditors.c.iban == iban, creditors.c.name == name)
    ).scalar()
    return None if found is None else int(found)


# -- obligations -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AmountView:
    effective_on: date
    amount: Money
    recorded_by: str


@dataclass(frozen=True, slots=True)
class ObligationView:
    obligation_id: int
    household_id: int
    cost_type: CostType
    creditor_id: int
    creditor_name: str
    schedule: Schedule
    reference: PaymentReference
    #: Every amount from its effective date, oldest first; none is ever edited.
    amounts: tuple[AmountView, ...]

    def amount_on(self, day: date) -> Money:
        """The amount in force on ``day``; before the first change, the first amount."""
        current = self.amounts[0].amount
        for change in self.amounts:
            if change.effective_on <= day:
                current = change.amount
        return current


def obligation_household(connection: Connection, obligation_id: int) -> int | None:
    found = connection.execute(
        select(obligations.c.household_id).where(obligations.c.id == obligation_id)
    ).scalar()
    return None if found is None else int(found)


def obligations_page(
    connection: Connection,
    household_id: int,
    *,
    obligation_id: int | None = None,
    after_id: int = 0,
    limit: int = 1,
) -> list[ObligationView]:
    """A household's obligations by id, each with its creditor's name and amount history."""
    query = (
        select(obligations, creditors.c.name.label("creditor_name"))
        .join(creditors, creditors.c.id == obligations.c.creditor_id)
        .where(obligations.c.household_id == household_id, obligations.c.id > after_id)
        .order_by(obligations.c.id)
        .limit(limit)
    )
    if obligation_id is not None:
        query = query.where(obligations.c.id == obligation_id)
    rows = connection.execute(query).all()
    if not rows:
        return []
    history: dict[int, list[AmountView]] = {}
    for amount in connection.execute(
        select(obligation_amounts)
        .where(obligation_amounts.c.obligation_id.in_([row.id for row in rows]))
        .order_by(obligation_amounts.c.obligation_id, obligation_amounts.c.effective_on)
    ):
        history.setdefault(amount.obligation_id, []).append(
            AmountView(amount.effective_on, Money(amount.amount_cents), amount.recorded_by)
        )
    return [
        ObligationView(
            obligation_id=row.id,
            household_id=row.household_id,
            cost_type=CostType(row.cost_type),
            creditor_id=row.creditor_id,
            creditor_name=row.creditor_name,
            schedule=Schedule(Frequency(row.frequency), row.first_due_on, row.ends_on),
            reference=Betalingskenmerk.parse(row.reference)
            if row.reference_kind == "kenmerk"
            else FreeTextReference(row.reference),
            amounts=tuple(history.get(row.id, ())),
        )
        for row in rows
    ]


# -- income ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IncomeView:
    income_id: int
    household_id: int
    month: str
    kind: str
    source_reference: str
    full_month_amount: Money
    gross: Money
    vakantietoeslag: Money
    received_on: date
    allocated_month: str | None

    @property
    def net(self) -> Money:
        return self.gross - self.vakantietoeslag


def incomes_page(
    connection: Connection,
    household_id: int,
    *,
    after_id: int = 0,
    limit: int = 1,
    month: str | None = None,
    kind: str | None = None,
    source_reference: str | None = None,
) -> list[IncomeView]:
    """A household's recorded income by id; the filters find the one booking of a month, kind
    and source reference."""
    query = (
        select(incomes)
        .where(incomes.c.household_id == household_id, incomes.c.id > after_id)
        .order_by(incomes.c.id)
        .limit(limit)
    )
    if month is not None:
        query = query.where(incomes.c.month == month)
    if kind is not None:
        query = query.where(incomes.c.kind == kind)
    if source_reference is not None:
        query = query.where(incomes.c.source_reference == source_reference)
    return [
        IncomeView(
            row.id,
            row.household_id,
            row.month,
            row.kind,
            row.source_reference,
            Money(row.full_month_cents),
            Money(row.gross_cents),
            Money(row.vakantietoeslag_cents),
            row.received_on,
            row.allocated_month,
        )
        for row in connection.execute(query)
    ]


# -- minimum leefgeld --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MinimumLeefgeldDecisionView:
    amount: Money | None
    decided_on: date
    actor: str
    reason: str


def last_minimum_leefgeld_decision(
    connection: Connection, household_id: int
) -> MinimumLeefgeldDecisionView | None:
    row = connection.execute(
        select(minimum_leefgeld_decisions)
        .where(minimum_leefgeld_decisions.c.household_id == household_id)
        .order_by(minimum_leefgeld_decisions.c.id.desc())
        .limit(1)
    ).one_or_none()
    if row is None:
        return None
    return MinimumLeefgeldDecisionView(
        None if row.amount_cents is None else Money(row.amount_cents),
        row.decided_on,
        row.actor,
        row.reason,
    )
