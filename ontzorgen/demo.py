"""Demo data: a living system to show, seeded only through the use cases of ``ontzorgen.services``.

Two municipalities (Rotterdam and Schiedam) served by one kredietbank, the creditors of the region,
and sixteen newcomer households from Eritrea, Syria, Afghanistan and Turkey with up to fourteen
months of history: bijstand recorded and allocated every month, milestones, phase steps decided by a
coach, a relapse, a partial first month that leaves arrears, a rent increase, a zorgtoeslag that
arrives late, the June vakantietoeslag and a bijstand payment that is missing this month. Every
date is relative to ``today``, so the demo looks current on any day and shows households in every
phase of the default ladder.

Invariants:
- nothing is written when the demo municipality (code ``0599``) exists already, so seeding twice
  changes nothing;
- all money moves through the services, so the books pass the same checks as real ones, and a step
  up happens only when the services allow it (the six-month floor passed, the milestones met);
- identifiers are valid: IBANs made by schwifty, BSNs from the BRP test range (``9999...``, no real
  person's number) passing the 11-proef, rent references with a betalingskenmerk check digit. The
  summary holds counts only, so no BSN can be printed from it.
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial

import schwifty
from dateutil.relativedelta import relativedelta
from sqlalchemy import Engine

from ledger.check import check_ledger
from ledger.money import Money
from ontzorgen import payment_runs, services, users
from ontzorgen.access import Role
from ontzorgen.arrangement import Decision, LegalBasis
from ontzorgen.households import Address, CreditorKind, Language, Member, MemberRole
from ontzorgen.identifiers import Betalingskenmerk, Bsn, FreeTextReference
from ontzorgen.months import Month
from ontzorgen.norms import BijstandNorms, NormCategory, load_norms
from ontzorgen.obligations import CreditorId, Frequency
from ontzorgen.phases import phase_on
from ontzorgen.policy import DEFAULT_LADDER, CostType, Policy
from ontzorgen.signals import URGENCY, SignalKind
from ontzorgen.unit_of_work import UnitOfWork

DEMO_MUNICIPALITY_CODE = "0599"


@dataclass(frozen=True, slots=True)
class DemoLogin:
    name: str
    password: str
    role: Role
    what: str


#: One local account per role, on the demo data only: the passwords are public, so never seed the
#: demo into a database with real people in it.
DEMO_LOGINS = (
    DemoLogin("inkomen", "demo-inkomen-2026", Role.INCOME_OFFICER, "Werk & Inkomen, Rotterdam"),
    DemoLogin(
        "inkomen2", "demo-inkomen2-2026", Role.INCOME_OFFICER, "a second officer (four-eyes)"
    ),
    DemoLogin("coach", "demo-coach-2026", Role.COACH, "budget coach, Kredietbank Rijnmond"),
    DemoLogin("nieuwkomer", "demo-nieuwkomer-2026", Role.NEWCOMER, "an Arabic-speaking newcomer"),
    DemoLogin("accountant", "demo-accountant-2026", Role.AUDITOR, "auditor, Rotterdam"),
)
KREDIETBANK_NAME = "Kredietbank Rijnmond"
COACH = "s.dekker@kredietbankrijnmond.nl"

#: Bijstand for a month is paid around the 24th of the month before (DOMAIN.md §5 step 1).
BIJSTAND_PAYMENT_DAY = 24
#: The Belastingdienst pays toeslagen around the 20th of the month before the month they are for.
TOESLAG_PAYMENT_DAY = 20
#: The coach records milestones early in the month and decides steps mid-month, so a step decided
#: on the 15th takes effect on the 1st of the next month, before that month is allocated.
MILESTONE_DAY = 8
RELAPSE_DAY = 12
DECISION_DAY = 15
#: Zorgtoeslag 2026, single, up to €129 a month (DOMAIN.md §4).
ZORGTOESLAG = Money(12_900)
ZORGPREMIE = Money(15_900)
#: The PIP of most households agrees a path of eighteen months back to self-management.
PIP_MONTH_COUNT = 18
#: Both municipalities keep the default policy: the statutory cost types and the default ladder.
DEMO_POLICY = Policy()


@dataclass(frozen=True, slots=True)
class DemoMunicipality:
    code: str
    name: str
    officer: str
    bank_iban: str


MUNICIPALITIES = (
    DemoMunicipality(
        DEMO_MUNICIPALITY_CODE,
        "Gemeente Rotterdam",
        "w.devries@rotterdam.nl",
        "NL37BNGH0285001111",
    ),
    DemoMunicipality("0606", "Gemeente Schiedam", "m.bakker@schiedam.nl", "NL13BNGH0285002222"),
)


class Creditor(enum.StrEnum):
    WOONSTAD = "woonstad"
    WOONPLUS = "woonplus"
    ENECO = "eneco"
    EVIDES = "evides"
    ZILVEREN_KRUIS = "zilveren_kruis"
    DSW = "dsw"


@dataclass(frozen=True, slots=True)
class DemoCreditor:
    name: str
    bank_code: str
    account_code: str
    kind: CreditorKind
    address: Address

    @property
    def iban(self) -> str:
        generated = schwifty.IBAN.generate(
            "NL", bank_code=self.bank_code, account_code=self.account_code
        )
        return str(generated.compact)


CREDITORS: dict[Creditor, DemoCreditor] = {
    Creditor.WOONSTAD: DemoCreditor(
        "Stichting Woonstad Rotterdam",
        "RABO",
        "0123456789",
        CreditorKind.WONINGCORPORATIE,
        Address("Max Euwelaan", "1", "3062 MA", "Rotterdam"),
    ),
    Creditor.WOONPLUS: DemoCreditor(
        "Stichting Woonplus Schiedam",
        "INGB",
        "0006543210",
        CreditorKind.WONINGCORPORATIE,
        Address("Stadserf", "1", "3112 DZ", "Schiedam"),
    ),
    Creditor.ENECO: DemoCreditor(
        "Eneco Consumenten B.V.",
        "ABNA",
        "0417164300",
        CreditorKind.ENERGIELEVERANCIER,
        Address("Marten Meesweg", "5", "3068 AV", "Rotterdam"),
    ),
    Creditor.EVIDES: DemoCreditor(
        "Evides N.V.",
        "BNGH",
        "0285001234",
        CreditorKind.WATERBEDRIJF,
        Address("Schaardijk", "150", "3063 NH", "Rotterdam"),
    ),
    Creditor.ZILVEREN_KRUIS: DemoCreditor(
        "Zilveren Kruis Zorgverzekeringen N.V.",
        "INGB",
        "0001234567",
        CreditorKind.ZORGVERZEKERAAR,
        Address("Handelsweg", "2", "3707 NH", "Zeist"),
    ),
    Creditor.DSW: DemoCreditor(
        "DSW Zorgverzekeraar U.A.",
        "RABO",
        "0376543218",
        CreditorKind.ZORGVERZEKERAAR,
        Address("'s-Gravelandseweg", "555", "3119 XT", "Schiedam"),
    ),
}

HOUSING = {"0599": Creditor.WOONSTAD, "0606": Creditor.WOONPLUS}


@dataclass(frozen=True, slots=True)
class DemoPerson:
    name: str
    role: MemberRole
    born_on: date


@dataclass(frozen=True, slots=True)
class DemoHousehold:
    """One household's story. Month numbers count from the month bijstand starts (month 0)."""

    family_name: str
    municipality_code: str
    language: Language
    members: tuple[DemoPerson, ...]
    #: The bijstand starts this many calendar months before today's month, on ``start_day``.
    months_ago: int
    start_day: int
    huur: Money
    energie: Money
    water: Money
    health_insurer: Creditor
    leefgeld_bank_code: str
    #: The months in which the coach decides the next step up, one per step.
    step_months: tuple[int, ...] = ()
    #: The last step is proposed but the coach has not decided it yet.
    last_step_awaits_decision: bool = False
    #: The month in which the coach moves the household back one phase.
    relapse_month: int | None = None
    #: From this month on, zorgtoeslag is paid into the arrangement.
    zorgtoeslag_from_month: int | None = None
    #: The rent goes up by this percentage on the first 1 July after the start (huurverhoging).
    rent_increase_percent: int | None = None
    #: The bills start in the first (partial) month instead of the next, so that month falls short.
    bills_from_start_month: bool = False
    #: The six-month point falls this many days after today, instead of ``months_ago``.
    six_month_point_in_days: int | None = None
    #: No bijstand arrives from the current month on (the payment was suspended).
    bijstand_missing_this_month: bool = False
    pip_agreed: bool = True

    def start_on(self, today: date) -> date:
        if self.six_month_point_in_days is not None:
            return (
                today + timedelta(days=self.six_month_point_in_days + 1) - relativedelta(months=6)
            )
        return Month.of(today).plus(-self.months_ago).first_day.replace(day=self.start_day)

    @property
    def adults(self) -> tuple[DemoPerson, ...]:
        return tuple(m for m in self.members if m.role is not MemberRole.CHILD)

    @property
    def norm_category(self) -> NormCategory:
        return NormCategory.COUPLE if len(self.adults) > 1 else NormCategory.SINGLE


def _applicant(name: str, born_on: str) -> DemoPerson:
    return DemoPerson(name, MemberRole.APPLICANT, date.fromisoformat(born_on))


def _partner(name: str, born_on: str) -> DemoPerson:
    return DemoPerson(name, MemberRole.PARTNER, date.fromisoformat(born_on))


def _child(name: str, born_on: str) -> DemoPerson:
    return DemoPerson(name, MemberRole.CHILD, date.fromisoformat(born_on))


HOUSEHOLDS = (
    DemoHousehold(
        "Tesfay",
        "0599",
        Language.TIGRINYA,
        (_applicant("Yonas Tesfay", "1994-03-12"),),
        months_ago=14,
        start_day=1,
        huur=Money(61_500),
        energie=Money(9_500),
        water=Money(2_200),
        health_insurer=Creditor.ZILVEREN_KRUIS,
        leefgeld_bank_code="INGB",
        step_months=(6, 9, 11, 13),
        rent_increase_percent=4,
    ),
    DemoHousehold(
        "Al-Hassan",
        "0599",
        Language.ARABIC,
        (
            _applicant("Khaled Al-Hassan", "1985-07-02"),
            _partner("Rasha Al-Hassan", "1988-11-23"),
            _child("Omar Al-Hassan", "2012-05-14"),
            _child("Lina Al-Hassan", "2015-09-30"),
            _child("Yara Al-Hassan", "2019-01-08"),
        ),
        months_ago=14,
        start_day=4,
        huur=Money(69_000),
        energie=Money(17_500),
        water=Money(3_500),
        health_insurer=Creditor.ZILVEREN_KRUIS,
        leefgeld_bank_code="ABNA",
        step_months=(6, 8, 10, 12),
    ),
    DemoHousehold(
        "Çelik",
        "0606",
        Language.TURKISH,
        (_applicant("Elif Çelik", "1991-04-17"),),
        months_ago=13,
        start_day=1,
        huur=Money(60_500),
        energie=Money(9_500),
        water=Money(2_200),
        health_insurer=Creditor.DSW,
        leefgeld_bank_code="RABO",
        step_months=(6, 8, 10, 12),
    ),
    DemoHousehold(
        "Ahmadi",
        "0599",
        Language.FARSI,
        (
            _applicant("Farid Ahmadi", "1987-02-21"),
            _partner("Mariam Ahmadi", "1990-06-11"),
            _child("Sohrab Ahmadi", "2014-10-03"),
            _child("Nilofar Ahmadi", "2017-12-19"),
        ),
        months_ago=12,
        start_day=1,
        huur=Money(72_000),
        energie=Money(16_000),
        water=Money(3_200),
        health_insurer=Creditor.ZILVEREN_KRUIS,
        leefgeld_bank_code="ASNB",
        step_months=(6, 8, 10),
    ),
    DemoHousehold(
        "Yılmaz",
        "0606",
        Language.TURKISH,
        (
            _applicant("Mehmet Yılmaz", "1979-08-29"),
            _partner("Ayşe Yılmaz", "1982-03-05"),
        ),
        months_ago=12,
        start_day=1,
        huur=Money(64_000),
        energie=Money(12_000),
        water=Money(2_600),
        health_insurer=Creditor.DSW,
        leefgeld_bank_code="SNSB",
        step_months=(6, 8, 10),
    ),
    DemoHousehold(
        "Gebremedhin",
        "0599",
        Language.ENGLISH,
        (
            _applicant("Senait Gebremedhin", "1992-01-15"),
            _child("Robel Gebremedhin", "2016-04-22"),
            _child("Winta Gebremedhin", "2020-08-09"),
        ),
        months_ago=10,
        start_day=1,
        huur=Money(56_000),
        energie=Money(13_000),
        water=Money(2_700),
        health_insurer=Creditor.ZILVEREN_KRUIS,
        leefgeld_bank_code="INGB",
        step_months=(6, 8),
    ),
    DemoHousehold(
        "Haddad",
        "0599",
        Language.DUTCH,
        (
            _applicant("Mohammad Haddad", "1983-10-10"),
            _partner("Hiba Haddad", "1986-02-27"),
            _child("Sami Haddad", "2013-06-16"),
        ),
        months_ago=10,
        start_day=12,
        huur=Money(69_000),
        energie=Money(14_000),
        water=Money(2_900),
        health_insurer=Creditor.DSW,
        leefgeld_bank_code="RABO",
        step_months=(6, 8),
    ),
    DemoHousehold(
        "Rahimi",
        "0599",
        Language.FARSI,
        (_applicant("Hamid Rahimi", "1996-09-01"),),
        months_ago=8,
        start_day=1,
        huur=Money(58_500),
        energie=Money(9_000),
        water=Money(2_000),
        health_insurer=Creditor.ZILVEREN_KRUIS,
        leefgeld_bank_code="BUNQ",
        step_months=(6,),
    ),
    DemoHousehold(
        "Hakimi",
        "0606",
        Language.FARSI,
        (
            _applicant("Sohail Hakimi", "1989-05-24"),
            _partner("Parwana Hakimi", "1991-12-02"),
            _child("Yusuf Hakimi", "2018-03-13"),
        ),
        months_ago=8,
        start_day=1,
        huur=Money(67_000),
        energie=Money(14_000),
        water=Money(2_900),
        health_insurer=Creditor.DSW,
        leefgeld_bank_code="ABNA",
        step_months=(6,),
        bijstand_missing_this_month=True,
    ),
    DemoHousehold(
        "Kidane",
        "0599",
        Language.TIGRINYA,
        (
            _applicant("Filmon Kidane", "1990-07-19"),
            _partner("Mehret Kidane", "1993-11-04"),
        ),
        months_ago=11,
        start_day=1,
        huur=Money(65_000),
        energie=Money(12_000),
        water=Money(2_500),
        health_insurer=Creditor.ZILVEREN_KRUIS,
        leefgeld_bank_code="RABO",
        step_months=(6,),
        relapse_month=9,
    ),
    DemoHousehold(
        "Khalil",
        "0599",
        Language.ARABIC,
        (
            _applicant("Ahmad Khalil", "1982-04-06"),
            _partner("Nour Khalil", "1987-08-15"),
            _child("Karim Khalil", "2011-02-28"),
            _child("Salma Khalil", "2016-07-07"),
        ),
        months_ago=7,
        start_day=1,
        huur=Money(76_000),
        energie=Money(16_000),
        water=Money(3_200),
        health_insurer=Creditor.ZILVEREN_KRUIS,
        leefgeld_bank_code="INGB",
        step_months=(6,),
        last_step_awaits_decision=True,
    ),
    DemoHousehold(
        "Sultani",
        "0599",
        Language.ENGLISH,
        (_applicant("Shabnam Sultani", "1998-12-12"),),
        months_ago=6,
        start_day=1,
        huur=Money(60_000),
        energie=Money(9_500),
        water=Money(2_200),
        health_insurer=Creditor.ZILVEREN_KRUIS,
        leefgeld_bank_code="KNAB",
        six_month_point_in_days=12,
        pip_agreed=False,
    ),
    DemoHousehold(
        "Berhane",
        "0599",
        Language.TIGRINYA,
        (_applicant("Kibrom Berhane", "1999-06-25"),),
        months_ago=4,
        start_day=1,
        huur=Money(84_500),
        energie=Money(12_000),
        water=Money(2_800),
        health_insurer=Creditor.ZILVEREN_KRUIS,
        leefgeld_bank_code="ASNB",
        zorgtoeslag_from_month=2,
    ),
    DemoHousehold(
        "Yohannes",
        "0606",
        Language.TIGRINYA,
        (_applicant("Meron Yohannes", "1997-10-20"),),
        months_ago=3,
        start_day=1,
        huur=Money(59_000),
        energie=Money(9_000),
        water=Money(2_100),
        health_insurer=Creditor.DSW,
        leefgeld_bank_code="SNSB",
    ),
    DemoHousehold(
        "Noori",
        "0599",
        Language.FARSI,
        (
            _applicant("Zahra Noori", "1995-01-31"),
            _child("Ali Noori", "2021-09-14"),
        ),
        months_ago=2,
        start_day=1,
        huur=Money(57_500),
        energie=Money(11_000),
        water=Money(2_400),
        health_insurer=Creditor.ZILVEREN_KRUIS,
        leefgeld_bank_code="TRIO",
    ),
    DemoHousehold(
        "Darwish",
        "0599",
        Language.ARABIC,
        (_applicant("Omar Darwish", "2000-03-03"),),
        months_ago=1,
        start_day=17,
        huur=Money(60_000),
        energie=Money(9_500),
        water=Money(2_200),
        health_insurer=Creditor.ZILVEREN_KRUIS,
        leefgeld_bank_code="INGB",
        bills_from_start_month=True,
    ),
)

#: When a milestone is recorded, in months before the month of the step that needs it: toeslagen
#: come in a few months after the start, the budget course takes a couple of months.
MILESTONE_LEAD_MONTHS = {"toeslagen": 4, "budgetcursus": 2}
MILESTONE_EVIDENCE = {
    "toeslagen": "Zorgtoeslag en huurtoeslag toegekend; beschikkingen Belastingdienst/Toeslagen.",
    "budgetcursus": "Budgetcursus Kredietbank Rijnmond gevolgd, vier bijeenkomsten.",
    "eigen_betaalrekening": "Eigen betaalrekening; incasso's voor energie en water ingericht.",
    "zelfredzaam_oordeel": "Gesprek met de budgetcoach: betaalt de eigen rekeningen op tijd.",
}


@dataclass(frozen=True, slots=True)
class DemoSummary:
    """What the database holds on ``today``; ``seeded`` is False when nothing was written."""

    today: date
    seeded: bool
    #: What this call wrote; zero when nothing was seeded.
    municipality_count: int
    kredietbank_count: int
    creditor_count: int
    household_count: int
    #: (phase, number of households in it on ``today``) for every phase of the ladder.
    households_per_phase: tuple[tuple[int, int], ...]
    #: (signal kind, number of open signals) for every kind that has open signals.
    open_signals_per_kind: tuple[tuple[str, int], ...]
    ledger_entry_count: int
    ledger_check_passed: bool

    @property
    def open_signal_count(self) -> int:
        return sum(count for _, count in self.open_signals_per_kind)

    def describe(self) -> str:
        """Plain lines for the command line; counts only, so no personal data can appear."""
        if self.seeded:
            lines = [
                f"Demo seeded for {self.today:%d-%m-%Y}: {self.municipality_count} municipalities, "
                f"{self.kredietbank_count} kredietbank, {self.creditor_count} creditors, "
                f"{self.household_count} households."
            ]
        else:
            lines = [
                f"The demo municipality {DEMO_MUNICIPALITY_CODE} exists already; nothing was "
                f"seeded. The database on {self.today:%d-%m-%Y}: {self.household_count} households."
            ]
        lines.append("Households per phase:")
        lines.extend(
            f"  phase {phase} ({_phase_name(phase)}): {count}"
            for phase, count in self.households_per_phase
        )
        lines.append(f"Open signals: {self.open_signal_count}")
        lines.extend(f"  {kind}: {count}" for kind, count in self.open_signals_per_kind)
        verdict = "passed" if self.ledger_check_passed else "FAILED"
        lines.append(f"Ledger: {self.ledger_entry_count} entries; ledger check {verdict}.")
        lines.append(
            "Demo logins (name / password; `ontzorgen users token NAME` gives an API token):"
        )
        lines.extend(
            f"  {login.role:<15} {login.name:<11} {login.password:<22} {login.what}"
            for login in DEMO_LOGINS
        )
        return "\n".join(lines)


def _phase_name(phase: int) -> str:
    return DEFAULT_LADDER.phase(phase).name if phase <= DEFAULT_LADDER.last else "?"


@dataclass(frozen=True, slots=True)
class _World:
    engine: Engine
    municipality_ids: dict[str, int]
    kredietbank_id: int
    creditor_ids: dict[Creditor, CreditorId]

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.engine)


@dataclass(frozen=True, slots=True, order=True)
class _Event:
    """Something that happens to one household on a day; ``rank`` orders the events of a day."""

    on: date
    rank: int
    action: Callable[[], object] = field(compare=False)


# The ranks of a day's events: news first, then the coach, then the money of the month.
AMOUNT_CHANGE_RANK, TOESLAG_RANK, COACH_RANK, BIJSTAND_RANK, ALLOCATION_RANK = range(5)


def seed_demo(engine: Engine, today: date) -> DemoSummary:
    """Seed the demo as it looks on ``today``, or write nothing if the demo municipality exists."""
    with UnitOfWork(engine) as uow:
        exists = uow.repository.municipality_id_by_code(DEMO_MUNICIPALITY_CODE) is not None
    if exists:
        return _summary(engine, today, seeded=False)
    norms = load_norms()
    # A date the norms table cannot cover is refused before anything is written, not halfway.
    for plan in HOUSEHOLDS:
        norms.norm_on(plan.start_on(today), plan.norm_category)
    world = _seed_organisations(engine)
    for number, plan in enumerate(HOUSEHOLDS, start=1):
        _Story(world, plan, number, today, norms).seed()
    services.raise_time_signals(UnitOfWork(engine), today=today)
    _seed_logins(engine, world)
    return _summary(engine, today, seeded=True)


def _seed_logins(engine: Engine, world: _World) -> None:
    rotterdam = world.municipality_ids[DEMO_MUNICIPALITY_CODE]
    with UnitOfWork(engine) as uow:
        newcomer = next(
            household_id
            for household_id in uow.repository.household_ids()
            if (household := uow.repository.get_household(household_id)).language is Language.ARABIC
            and household.municipality_id == rotterdam
        )
    for login in DEMO_LOGINS:
        users.add_user(
            UnitOfWork(engine),
            login.name,
            login.role,
            password=login.password,
            municipality_id=(
                rotterdam if login.role in (Role.INCOME_OFFICER, Role.AUDITOR) else None
            ),
            kredietbank_id=world.kredietbank_id if login.role is Role.COACH else None,
            household_id=newcomer if login.role is Role.NEWCOMER else None,
        )


def _demo_bsn(serial: int) -> Bsn:
    """A BSN from the BRP test range ``9999xxxxx`` that passes the 11-proef.

    The check digit is the sum of the first eight digits weighted 9 down to 2, modulo 11; a sum
    that leaves 10 has no valid check digit, so that serial moves on to the next.
    """
    while True:
        body = f"9999{serial % 10_000:04d}"
        weights = range(9, 1, -1)
        check = sum(int(digit) * weight for digit, weight in zip(body, weights, strict=True)) % 11
        if check < 10:
            return Bsn(f"{body}{check}")
        serial += 1


def _seed_organisations(engine: Engine) -> _World:
    municipality_ids = {
        m.code: int(services.create_municipality(UnitOfWork(engine), m.code, m.name, DEMO_POLICY))
        for m in MUNICIPALITIES
    }
    for m in MUNICIPALITIES:
        payment_runs.set_bank_account(
            UnitOfWork(engine), municipality_ids[m.code], holder=m.name, iban=m.bank_iban, bic=None
        )
    kredietbank_id = services.create_kredietbank(
        UnitOfWork(engine), KREDIETBANK_NAME, list(municipality_ids.values())
    )
    creditor_ids = {
        key: services.register_creditor(
            UnitOfWork(engine),
            name=creditor.name,
            iban=creditor.iban,
            bic=None,
            kind=creditor.kind,
            address=creditor.address,
        )
        for key, creditor in CREDITORS.items()
    }
    return _World(engine, municipality_ids, kredietbank_id, creditor_ids)


class _Story:
    """One household's history, played through the services in date order up to ``today``."""

    def __init__(
        self, world: _World, plan: DemoHousehold, number: int, today: date, norms: BijstandNorms
    ) -> None:
        self.world = world
        self.plan = plan
        self.number = number
        self.today = today
        self.norms = norms
        self.start_on = plan.start_on(today)
        self.start_month = Month.of(self.start_on)
        # A household that starts mid-month gets its first bills the next month, unless the story
        # is exactly that the rent was already running (the partial month that falls short).
        self.bills_month = (
            self.start_month
            if plan.bills_from_start_month or self.start_on.day == 1
            else self.start_month.next()
        )
        self.household_id = 0

    def day(self, month_offset: int, day: int) -> date:
        return self.start_month.plus(month_offset).first_day.replace(day=day)

    def seed(self) -> None:
        self.household_id = self._register()
        huur_id = self._add_bills()
        events = [
            *self._money_events(),
            *self._coach_events(),
            *self._rent_increase_events(huur_id),
        ]
        for event in sorted(events):
            if event.on <= self.today:
                event.action()

    # -- the household, its arrangement and its bills ------------------------------------------

    def _register(self) -> int:
        plan, number = self.plan, self.number
        applicant = plan.members[0].name
        household_id = services.register_household(
            self.world.uow(),
            municipality_id=self.world.municipality_ids[plan.municipality_code],
            kredietbank_id=self.world.kredietbank_id,
            name=f"Huishouden {plan.family_name}",
            members=[
                Member(
                    person.name, person.role, person.born_on, _demo_bsn(number * 100 + 7 * index)
                )
                for index, person in enumerate(plan.members)
            ],
            language=plan.language,
            leefgeld_iban=schwifty.IBAN.generate(
                "NL",
                bank_code=plan.leefgeld_bank_code,
                account_code=str(5_100_000_000 + 7_919 * number),
            ).compact,
            leefgeld_account_holder=f"{applicant[0]}. {applicant.split(' ', 1)[1]}",
        )
        officer = next(m.officer for m in MUNICIPALITIES if m.code == plan.municipality_code)
        services.record_arrangement(
            self.world.uow(),
            household_id=household_id,
            legal_basis=LegalBasis.ART_56A,
            bijstand_start_on=self.start_on,
            machtiging_signed_on=self.start_on,
            decision=Decision(
                self.start_on,
                officer,
                f"ONT-{plan.municipality_code}-{self.start_on.year}-{number:04d}",
            ),
            pip_end_on=(
                self.start_on + relativedelta(months=PIP_MONTH_COUNT) - timedelta(days=1)
                if plan.pip_agreed
                else None
            ),
        )
        return household_id

    def _add_bills(self) -> int:
        """Huur with a betalingskenmerk, zorgpremie per adult, energie and water; the huur id."""
        plan, number, first_due_on = self.plan, self.number, self.bills_month.first_day
        creditors = self.world.creditor_ids

        def add(cost_type: CostType, creditor: Creditor, amount: Money, reference: str) -> int:
            return services.add_obligation(
                self.world.uow(),
                household_id=self.household_id,
                cost_type=cost_type,
                creditor_id=creditors[creditor],
                frequency=Frequency.MONTHLY,
                first_due_on=first_due_on,
                amount=amount,
                reference=(
                    Betalingskenmerk.with_check_digit(reference)
                    if cost_type is CostType.HUUR
                    else FreeTextReference(reference)
                ),
                actor=COACH,
            )

        huur_id = add(
            CostType.HUUR,
            HOUSING[plan.municipality_code],
            plan.huur,
            f"{plan.municipality_code[1:]}{4_400_000_000 + 104_729 * number:012d}",
        )
        for index in range(len(plan.adults)):
            add(
                CostType.ZORGVERZEKERING,
                plan.health_insurer,
                ZORGPREMIE,
                f"Polisnummer {180_000_000 + 3_571 * number + index}",
            )
        add(
            CostType.ENERGIE,
            Creditor.ENECO,
            plan.energie,
            f"Klantnummer {20_000_000 + 1_009 * number} termijnbedrag",
        )
        add(CostType.WATER, Creditor.EVIDES, plan.water, f"Klantnummer {7_300_000 + 613 * number}")
        return huur_id

    # -- the money of each month ----------------------------------------------------------------

    def _money_events(self) -> list[_Event]:
        """Bijstand recorded around the 24th of the month before, then the month allocated."""
        plan, household_id, uow = self.plan, self.household_id, self.world.uow
        events = []
        month = self.start_month
        while True:
            received_on = max(
                self.start_on, month.previous().first_day.replace(day=BIJSTAND_PAYMENT_DAY)
            )
            if received_on > self.today:
                break
            if plan.bijstand_missing_this_month and month >= Month.of(self.today):
                break
            offset = month.months_since(self.start_month)
            if plan.zorgtoeslag_from_month is not None and offset >= plan.zorgtoeslag_from_month:
                events.append(
                    _Event(
                        month.previous().first_day.replace(day=TOESLAG_PAYMENT_DAY),
                        TOESLAG_RANK,
                        partial(
                            services.record_toeslag,
                            uow(),
                            household_id=household_id,
                            month=month,
                            amount=ZORGTOESLAG,
                            received_on=month.previous().first_day.replace(day=TOESLAG_PAYMENT_DAY),
                            source_reference=f"zorgtoeslag {month}",
                        ),
                    )
                )
            events.append(
                _Event(
                    received_on,
                    BIJSTAND_RANK,
                    partial(
                        services.record_bijstand,
                        uow(),
                        household_id=household_id,
                        month=month,
                        full_month_amount=self.norms.norm_on(month.first_day, plan.norm_category),
                        received_on=received_on,
                        source_reference=f"bijstand {plan.municipality_code} {month}",
                    ),
                )
            )
            events.append(
                _Event(
                    received_on,
                    ALLOCATION_RANK,
                    partial(services.allocate_month, uow(), household_id, month, today=received_on),
                )
            )
            month = month.next()
        return events

    # -- the coach: milestones, steps, a relapse, signals handled -------------------------------

    def _coach_events(self) -> list[_Event]:
        plan, policy = self.plan, DEMO_POLICY
        events = []
        for index, step_month in enumerate(plan.step_months):
            to_phase = index + 2
            for code in policy.ladder.phase(to_phase).required_milestones:
                definition = policy.milestone(code)
                if definition is None or definition.computed:
                    continue
                achieved_on = self.day(
                    step_month - MILESTONE_LEAD_MONTHS.get(code, 0), MILESTONE_DAY
                )
                events.append(
                    _Event(
                        achieved_on,
                        COACH_RANK,
                        partial(
                            services.record_milestone,
                            self.world.uow(),
                            self.household_id,
                            code,
                            achieved_on=achieved_on,
                            evidence=MILESTONE_EVIDENCE[code],
                            actor=COACH,
                        ),
                    )
                )
            decide = not (plan.last_step_awaits_decision and index == len(plan.step_months) - 1)
            decided_on = self.day(step_month, DECISION_DAY)
            events.append(
                _Event(decided_on, COACH_RANK, partial(self._step, to_phase, decided_on, decide))
            )
        if plan.relapse_month is not None:
            decided_on = self.day(plan.relapse_month, RELAPSE_DAY)
            events.append(_Event(decided_on, COACH_RANK, partial(self._relapse, decided_on)))
        if plan.zorgtoeslag_from_month is not None:
            # Once the zorgtoeslag comes in the budget fits; the coach closes the early arrears.
            handled_on = self.day(plan.zorgtoeslag_from_month - 1, TOESLAG_PAYMENT_DAY + 2)
            events.append(
                _Event(
                    handled_on,
                    COACH_RANK,
                    partial(
                        self._handle_signals,
                        SignalKind.ARREAR,
                        handled_on,
                        "Zorgtoeslag komt nu binnen, het budget sluit weer. Voor de achterstand "
                        "energie en water is een betalingsregeling met Eneco en Evides gemaakt.",
                    ),
                )
            )
        return events

    def _step(self, to_phase: int, decided_on: date, decide: bool) -> None:
        """The system proposes when the services find the household ready; the coach decides."""
        services.evaluate_step(self.world.uow(), self.household_id, today=decided_on)
        proposal = services.open_proposal(self.world.uow(), self.household_id)
        if proposal is None or proposal.to_phase != to_phase or not decide:
            return
        phase_name = DEMO_POLICY.ladder.phase(to_phase).name
        effective_on = Month.of(decided_on).next().first_day
        services.decide_proposal(
            self.world.uow(),
            proposal.proposal_id,
            approve=True,
            effective_on=effective_on,
            decided_on=decided_on,
            actor=COACH,
            reason=f"Mijlpalen gehaald; samen besproken: door naar fase {to_phase} ({phase_name}).",
        )
        self._handle_signals(
            SignalKind.STEP_PROPOSED,
            decided_on,
            f"Besloten: fase {to_phase} vanaf {effective_on:%d-%m-%Y}.",
        )

    def _relapse(self, decided_on: date) -> None:
        with self.world.uow() as uow:
            current = phase_on(uow.repository.phase_changes_of(self.household_id), decided_on)
        if current is None or current <= 1:
            return
        services.record_relapse(
            self.world.uow(),
            self.household_id,
            to_phase=current - 1,
            effective_on=Month.of(decided_on).next().first_day,
            decided_on=decided_on,
            actor=COACH,
            reason="Eneco meldt twee maanden achterstand in de termijnbedragen; energie en water "
            "worden weer ingehouden.",
        )

    def _handle_signals(self, kind: SignalKind, handled_on: date, note: str) -> None:
        with self.world.uow() as uow:
            open_ones = [
                signal.signal_id
                for signal in uow.repository.signals_of(self.household_id, open_only=True)
                if signal.kind == kind.value
            ]
        for signal_id in open_ones:
            services.handle_signal(
                self.world.uow(), signal_id, actor=COACH, handled_on=handled_on, note=note
            )

    # -- news from a creditor -------------------------------------------------------------------

    def _rent_increase_events(self, huur_id: int) -> list[_Event]:
        """The yearly rent increase on 1 July, announced about six weeks ahead."""
        percent = self.plan.rent_increase_percent
        if percent is None:
            return []
        first_due_on = self.bills_month.first_day
        effective_on = date(first_due_on.year, 7, 1)
        if effective_on <= first_due_on:
            effective_on = date(first_due_on.year + 1, 7, 1)
        announced_on = max(self.start_on, effective_on - timedelta(days=42))
        return [
            _Event(
                announced_on,
                AMOUNT_CHANGE_RANK,
                partial(
                    services.change_obligation_amount,
                    self.world.uow(),
                    huur_id,
                    effective_on=effective_on,
                    amount=self.plan.huur.scaled(100 + percent, 100),
                    actor=COACH,
                    today=announced_on,
                ),
            )
        ]


def _summary(engine: Engine, today: date, *, seeded: bool) -> DemoSummary:
    phases: Counter[int] = Counter()
    open_signals: Counter[str] = Counter()
    with UnitOfWork(engine) as uow:
        household_ids = uow.repository.household_ids()
        for household_id in household_ids:
            phase = phase_on(uow.repository.phase_changes_of(household_id), today)
            if phase is not None:
                phases[phase] += 1
            open_signals.update(
                signal.kind for signal in uow.repository.signals_of(household_id, open_only=True)
            )
        report = check_ledger(uow.connection)
    phase_count = max([DEFAULT_LADDER.last, *phases])
    return DemoSummary(
        today=today,
        seeded=seeded,
        municipality_count=len(MUNICIPALITIES) if seeded else 0,
        kredietbank_count=1 if seeded else 0,
        creditor_count=len(CREDITORS) if seeded else 0,
        household_count=len(household_ids),
        households_per_phase=tuple((phase, phases[phase]) for phase in range(1, phase_count + 1)),
        open_signals_per_kind=tuple(
            sorted(open_signals.items(), key=lambda item: (URGENCY[SignalKind(item[0])], item[0]))
        ),
        ledger_entry_count=report.entry_count,
        ledger_check_passed=report.passed,
    )
