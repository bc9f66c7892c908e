"""Municipalities, kredietbanken, households and creditors: who is involved, as plain records.

A BSN is kept only for the member it identifies, for matching with the bijstand administration; it
never appears in a URL, a log line or a repr (``ontzorgen.identifiers.Bsn`` masks itself).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date
from typing import NewType

from ledger.money import Money
from ontzorgen.errors import OntzorgenError
from ontzorgen.identifiers import Bic, Bsn, ExactAccountHolderName, Iban
from ontzorgen.policy import Policy

MunicipalityId = NewType("MunicipalityId", int)
KredietbankId = NewType("KredietbankId", int)
HouseholdId = NewType("HouseholdId", int)

HOUSEHOLD_MEMBERS_MAX = 20


class Language(enum.StrEnum):
    """Languages a statement can be read in; Arabic and Dari/Farsi are written right to left."""

    DUTCH = "nl"
    ENGLISH = "en"
    ARABIC = "ar"
    TIGRINYA = "ti"
    FARSI = "fa"
    TURKISH = "tr"


class MemberRole(enum.StrEnum):
    APPLICANT = "applicant"
    PARTNER = "partner"
    CHILD = "child"
    OTHER = "other"


class CreditorKind(enum.StrEnum):
    WONINGCORPORATIE = "woningcorporatie"
    ENERGIELEVERANCIER = "energieleverancier"
    WATERBEDRIJF = "waterbedrijf"
    ZORGVERZEKERAAR = "zorgverzekeraar"
    VERZEKERAAR = "verzekeraar"
    OVERIG = "overig"


class HouseholdInvalid(OntzorgenError):
    """A household's members do not make a household."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"The household is not valid: {reason}")
        self.reason = reason


class UnknownMunicipality(OntzorgenError):
    """No municipality has this id or code."""

    def __init__(self, municipality: int | str) -> None:
        super().__init__(f"Municipality {municipality} does not exist.")
        self.municipality = municipality


class UnknownKredietbank(OntzorgenError):
    """No kredietbank has this id."""

    def __init__(self, kredietbank_id: int) -> None:
        super().__init__(f"Kredietbank {kredietbank_id} does not exist.")
        self.kredietbank_id = kredietbank_id


class KredietbankDoesNotServeMunicipality(OntzorgenError):
    """A household was assigned to a kredietbank that does not work for its municipality."""

    def __init__(self, kredietbank_id: int, municipality_id: int) -> None:
        super().__init__(
            f"Kredietbank {kredietbank_id} does not serve municipality {municipality_id}. "
            "Pick a kredietbank that does, or add the municipality to it first."
        )
        self.kredietbank_id, self.municipality_id = kredietbank_id, municipality_id


class UnknownHousehold(OntzorgenError):
    """No household has this id."""

    def __init__(self, household_id: int) -> None:
        super().__init__(f"Household {household_id} does not exist.")
        self.household_id = household_id


class UnknownCreditor(OntzorgenError):
    """An obligation names a creditor that is not in the register."""

    def __init__(self, creditor_id: int) -> None:
        super().__init__(
            f"Creditor {creditor_id} is not in the creditor register. Register the creditor first."
        )
        self.creditor_id = creditor_id


@dataclass(frozen=True, slots=True)
class Municipality:
    municipality_id: MunicipalityId
    code: str  # CBS gemeentecode, e.g. "0599" for Rotterdam
    name: str
    policy: Policy


@dataclass(frozen=True, slots=True)
class Kredietbank:
    kredietbank_id: KredietbankId
    name: str
    municipality_ids: frozenset[MunicipalityId]


@dataclass(frozen=True, slots=True)
class Member:
    name: str
    role: MemberRole
    born_on: date | None = None
    bsn: Bsn | None = None


@dataclass(frozen=True, slots=True)
class Household:
    household_id: HouseholdId
    municipality_id: MunicipalityId
    kredietbank_id: KredietbankId | None
    name: str
    members: tuple[Member, ...]
    language: Language
    leefgeld_iban: Iban
    leefgeld_account_holder: ExactAccountHolderName
    #: A coach's decision for this household replaces the municipality's minimum leefgeld;
    #: zero means the fixed costs are funded before any leefgeld.
    minimum_leefgeld_override: Money | None = None

    def __post_init__(self) -> None:
        if not self.members:
            raise HouseholdInvalid("it needs at least one member")
        if len(self.members) > HOUSEHOLD_MEMBERS_MAX:
            raise HouseholdInvalid(f"at most {HOUSEHOLD_MEMBERS_MAX} members")
        applicants = [m for m in self.members if m.role is MemberRole.APPLICANT]
        if len(applicants) != 1:
            raise HouseholdInvalid("exactly one member must be the applicant")
        if not self.name.strip():
            raise HouseholdInvalid("it needs a name")

    def minimum_leefgeld(self, policy: Policy) -> Money:
        if self.minimum_leefgeld_override is not None:
            return self.minimum_leefgeld_override
        return policy.minimum_leefgeld(len(self.members))


@dataclass(frozen=True, slots=True)
class Address:
    """A structured address (pain.001.001.09 accepts only structured addresses from Nov 2025)."""

    street: str
    building_number: str
    postcode: str
    town: str
    country: str = "NL"


@dataclass(frozen=True, slots=True)
class Creditor:
    creditor_id: int
    name: ExactAccountHolderName
    iban: Iban
    bic: Bic | None
    kind: CreditorKind
    address: Address
