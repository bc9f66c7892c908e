"""Bad input to the ontzorgen services is refused with a named error, and nothing is written.

Each test takes a snapshot of every table (``ledger.schema.metadata`` with the domain tables
registered): the row count and the rows themselves, so the ledger balances are in it too. It then
offers the bad input to a service, checks the named error and the ids it carries, and compares a
new snapshot with the first one. On SQLite and on PostgreSQL.

Refusals covered: a mistyped IBAN (creditor, leefgeld account), an invalid BSN (whose digits never
reach the message), an invalid betalingskenmerk, an unknown creditor, a phase step the ladder does
not allow, an end before a start, ending inside the six months of art. 56a Pw, allocating a month
without bijstand, a cost type the policy does not withhold, a kredietbank that does not serve the
municipality, a computed or unknown milestone, and handling a signal twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

import pytest
from sqlalchemy import Engine, func, select

import ontzorgen.tables  # noqa: F401  (registers the domain tables in the shared metadata)
from ledger.check import check_ledger
from ledger.money import Money
from ledger.schema import metadata
from ontzorgen import services
from ontzorgen.arrangement import Decision, LegalBasis, StatutoryPeriodCannotBeShortened
from ontzorgen.households import (
    Address,
    CreditorKind,
    KredietbankDoesNotServeMunicipality,
    Language,
    Member,
    MemberRole,
    UnknownCreditor,
)
from ontzorgen.identifiers import (
    Betalingskenmerk,
    Bsn,
    FreeTextReference,
    InvalidBetalingskenmerk,
    InvalidBsn,
    InvalidIban,
    parse_payment_reference,
)
from ontzorgen.months import Month
from ontzorgen.obligations import EndBeforeStart, Frequency
from ontzorgen.phases import PhaseStepNotAllowed, StepAssessment, decide_step
from ontzorgen.policy import CostType, Policy
from ontzorgen.unit_of_work import UnitOfWork
from tests.factories import (
    NEWCOMER_IBAN,
    NewcomerHousehold,
    World,
    add_newcomer,
    allocate_full_month,
    make_world,
)

START_ON = date(2026, 1, 1)
JANUARY, FEBRUARY = Month(2026, 1), Month(2026, 2)
COACH = "coach@kredietbank.nl"
ADDRESS = Address("Coolsingel", "40", "3011 AD", "Rotterdam")

Refusal = TypeVar("Refusal", bound=Exception)


@dataclass(frozen=True)
class Snapshot:
    row_counts: dict[str, int]
    balances: dict[str, int]  # ledger account code: balance in cents
    rows: dict[str, list[tuple[Any, ...]]]


def snapshot(engine: Engine) -> Snapshot:
    """Every row of every table, in a stable order; the ledger must pass its own check."""
    with engine.connect() as connection:
        report = check_ledger(connection)
        assert report.passed, report.summary()
        row_counts = {
            table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in metadata.sorted_tables
        }
        accounts = metadata.tables["ledger_accounts"]
        balances = {
            row.code: row.balance_cents
            for row in connection.execute(select(accounts.c.code, accounts.c.balance_cents))
        }
        rows = {
            table.name: sorted((tuple(row) for row in connection.execute(select(table))), key=repr)
            for table in metadata.sorted_tables
        }
    return Snapshot(row_counts, balances, rows)


def refused_without_writing(
    engine: Engine, error_type: type[Refusal], action: Callable[[], object]
) -> Refusal:
    """Run ``action``, expect ``error_type``, and prove that no table changed."""
    before = snapshot(engine)
    with pytest.raises(error_type) as caught:
        action()
    after = snapshot(engine)
    assert after.row_counts == before.row_counts
    assert after.balances == before.balances
    assert after.rows == before.rows
    return caught.value


@dataclass(frozen=True)
class Setting:
    """A municipality, its creditors and one newcomer with an allocated January, so the ledger
    has balances a wrongly written refusal could disturb."""

    engine: Engine
    world: World
    household: NewcomerHousehold

    def uow(self) -> UnitOfWork:
        return self.world.uow()

    @property
    def household_id(self) -> int:
        return self.household.household_id


@pytest.fixture
def setting(engine: Engine) -> Setting:
    world = make_world(engine)
    household = add_newcomer(world, bijstand_start_on=START_ON)
    allocate_full_month(world, household, JANUARY)
    return Setting(engine, world, household)


def register(setting: Setting, **changes: Any) -> int:
    """Register a household in the setting's municipality, with ``changes`` to the defaults."""
    arguments: dict[str, Any] = {
        "municipality_id": setting.world.municipality_id,
        "kredietbank_id": setting.world.kredietbank_id,
        "name": "Huishouden Tesfay",
        "members": [Member("Saba Tesfay", MemberRole.APPLICANT)],
        "language": Language.TIGRINYA,
        "leefgeld_iban": NEWCOMER_IBAN,
        "leefgeld_account_holder": "S. Tesfay",
    }
    arguments.update(changes)
    return services.register_household(setting.uow(), **arguments)


def add_huur(setting: Setting, **changes: Any) -> int:
    """Add a monthly rent to the setting's household, with ``changes`` to the defaults."""
    arguments: dict[str, Any] = {
        "household_id": setting.household_id,
        "cost_type": CostType.HUUR,
        "creditor_id": setting.world.creditors[CostType.HUUR],
        "frequency": Frequency.MONTHLY,
        "first_due_on": date(2026, 2, 1),
        "amount": Money(65_000),
        "reference": FreeTextReference("Huurcontract 2026-118"),
        "actor": COACH,
    }
    arguments.update(changes)
    return services.add_obligation(setting.uow(), **arguments)


def test_the_snapshot_notices_a_write_that_a_refusal_left_behind(setting: Setting) -> None:
    """The check of every test below is not vacuous: a committed write before an error fails it."""

    def write_then_refuse() -> None:
        services.create_municipality(setting.uow(), "0363", "Amsterdam", Policy())
        raise services.NoArrangement(setting.household_id)

    with pytest.raises(AssertionError):
        refused_without_writing(setting.engine, services.NoArrangement, write_then_refuse)


# -- identifiers -------------------------------------------------------------------------------


def test_a_creditor_with_a_mistyped_iban_is_refused_and_nothing_is_written(
    setting: Setting,
) -> None:
    mistyped = "NL44 RABO 0123 4567 88"  # the real one ends in 89
    error = refused_without_writing(
        setting.engine,
        InvalidIban,
        lambda: services.register_creditor(
            setting.uow(),
            name="Havensteder",
            iban=mistyped,
            bic=None,
            kind=CreditorKind.WONINGCORPORATIE,
            address=ADDRESS,
        ),
    )
    assert error.value == mistyped
    assert "check digits" in error.reason


def test_a_household_with_a_mistyped_leefgeld_iban_is_refused_and_nothing_is_written(
    setting: Setting,
) -> None:
    error = refused_without_writing(
        setting.engine, InvalidIban, lambda: register(setting, leefgeld_iban="NL66ASNB0707070708")
    )
    assert error.value == "NL66ASNB0707070708"


INVALID_BSNS = [
    "123456789",  # fails the 11-proef
    "12345678",  # eight digits, read as 012345678, fails the 11-proef
    "1234567890",  # ten digits
    "12345678X",  # not a number
    "000000000",  # all zeros
]


def everything_shown_by(error: Exception) -> str:
    return " ".join(
        [str(error), repr(error), *map(str, error.args), *map(str, vars(error).values())]
    )


def test_a_member_with_an_invalid_bsn_is_refused_and_nothing_is_written(setting: Setting) -> None:
    def register_with_bsn() -> int:
        member = Member("Saba Tesfay", MemberRole.APPLICANT, bsn=Bsn.parse("123456789"))
        return register(setting, members=[member])

    error = refused_without_writing(setting.engine, InvalidBsn, register_with_bsn)
    assert "123456789" not in everything_shown_by(error)


@pytest.mark.parametrize("typed", INVALID_BSNS)
def test_an_invalid_bsn_never_shows_more_than_its_last_three_characters(typed: str) -> None:
    with pytest.raises(InvalidBsn) as caught:
        Bsn.parse(typed)
    shown = everything_shown_by(caught.value)
    assert typed not in shown
    assert typed[:6] not in shown
    assert caught.value.__cause__ is None


def test_an_obligation_with_an_invalid_betalingskenmerk_is_refused_and_nothing_is_written(
    setting: Setting,
) -> None:
    refused_without_writing(
        setting.engine,
        InvalidBetalingskenmerk,
        lambda: add_huur(
            setting, reference=parse_payment_reference("2000 0000 0000 0005", structured=True)
        ),
    )


@pytest.mark.parametrize(
    "typed",
    [
        "1234 5678",  # eight digits: not a length the Betaalvereniging allows
        "2000 0000 0000 0005",  # the check digit of 000000000000005 is 1, not 2
        "9301234567",  # ten digits, but the length code must be 8
        "1000-0000-0000-0005",  # dashes are no separator on an acceptgiro
    ],
)
def test_an_invalid_betalingskenmerk_is_refused_by_name(typed: str) -> None:
    assert Betalingskenmerk.parse("1000 0000 0000 0005").check_digit == 1
    with pytest.raises(InvalidBetalingskenmerk):
        parse_payment_reference(typed, structured=True)


# -- obligations, arrangements and allocation ---------------------------------------------------


def test_an_obligation_for_an_unknown_creditor_is_refused_and_nothing_is_written(
    setting: Setting,
) -> None:
    error = refused_without_writing(
        setting.engine, UnknownCreditor, lambda: add_huur(setting, creditor_id=9_999)
    )
    assert error.creditor_id == 9_999


def test_an_obligation_that_ends_before_its_first_due_date_is_refused(setting: Setting) -> None:
    error = refused_without_writing(
        setting.engine,
        EndBeforeStart,
        lambda: add_huur(setting, first_due_on=date(2026, 3, 1), ends_on=date(2026, 2, 28)),
    )
    assert (error.start_on, error.end_on) == (date(2026, 3, 1), date(2026, 2, 28))


def test_an_arrangement_whose_pip_ends_before_bijstand_starts_is_refused(
    setting: Setting,
) -> None:
    household_id = register(setting)
    error = refused_without_writing(
        setting.engine,
        EndBeforeStart,
        lambda: services.record_arrangement(
            setting.uow(),
            household_id=household_id,
            legal_basis=LegalBasis.ART_56A,
            bijstand_start_on=date(2026, 3, 1),
            machtiging_signed_on=date(2026, 3, 1),
            decision=Decision(date(2026, 3, 1), COACH, "ONT-00002"),
            pip_end_on=date(2026, 2, 1),
        ),
    )
    assert error.what == "PIP agreement"


def test_agreeing_a_pip_end_before_bijstand_started_is_refused(setting: Setting) -> None:
    refused_without_writing(
        setting.engine,
        EndBeforeStart,
        lambda: services.agree_pip_end(setting.uow(), setting.household_id, date(2025, 12, 31)),
    )


@pytest.mark.parametrize("ended_on", [date(2026, 3, 31), date(2026, 6, 29)])
def test_ending_the_arrangement_inside_the_six_months_is_refused(
    setting: Setting, ended_on: date
) -> None:
    error = refused_without_writing(
        setting.engine,
        StatutoryPeriodCannotBeShortened,
        lambda: services.end_arrangement(setting.uow(), setting.household_id, ended_on),
    )
    assert error.household_id == setting.household_id
    assert error.statutory_end_on == date(2026, 6, 30)
    assert error.requested_on == ended_on


def test_ending_the_arrangement_on_the_last_day_of_the_six_months_is_allowed(
    setting: Setting,
) -> None:
    ended = services.end_arrangement(setting.uow(), setting.household_id, date(2026, 6, 30))
    assert ended.period_end_on == date(2026, 6, 30)


def test_allocating_a_month_without_recorded_bijstand_is_refused(setting: Setting) -> None:
    error = refused_without_writing(
        setting.engine,
        services.BijstandNotRecorded,
        lambda: services.allocate_month(
            setting.uow(), setting.household_id, FEBRUARY, today=date(2026, 2, 3)
        ),
    )
    assert (error.household_id, error.month) == (setting.household_id, FEBRUARY)


def test_agreeing_a_cost_type_the_policy_does_not_withhold_is_refused(setting: Setting) -> None:
    narrow = Policy(cost_types=frozenset({CostType.HUUR, CostType.ZORGVERZEKERING}))
    municipality_id = services.create_municipality(setting.uow(), "0363", "Amsterdam", narrow)
    household_id = register(setting, municipality_id=municipality_id, kredietbank_id=None)
    error = refused_without_writing(
        setting.engine,
        services.CostTypeNotWithholdable,
        lambda: services.record_arrangement(
            setting.uow(),
            household_id=household_id,
            legal_basis=LegalBasis.ART_56A,
            bijstand_start_on=START_ON,
            machtiging_signed_on=START_ON,
            decision=Decision(START_ON, COACH, "ONT-00002"),
            agreed_cost_types=frozenset({CostType.HUUR, CostType.OVERIGE_VERZEKERING}),
        ),
    )
    assert error.municipality_id == municipality_id
    assert error.cost_type == CostType.OVERIGE_VERZEKERING.value


def test_a_household_at_a_kredietbank_that_does_not_serve_its_municipality_is_refused(
    setting: Setting,
) -> None:
    elsewhere = services.create_municipality(setting.uow(), "0363", "Amsterdam", Policy())
    error = refused_without_writing(
        setting.engine,
        KredietbankDoesNotServeMunicipality,
        lambda: register(setting, municipality_id=elsewhere),
    )
    assert (error.kredietbank_id, error.municipality_id) == (
        setting.world.kredietbank_id,
        elsewhere,
    )


# -- phases, milestones and signals --------------------------------------------------------------


def test_deciding_a_jump_from_phase_1_to_phase_3_is_refused() -> None:
    ready = StepAssessment(current_phase=1, next_phase=2, open_requirements=())
    with pytest.raises(PhaseStepNotAllowed) as caught:
        decide_step(
            Policy(),
            ready,
            7,
            requested=3,
            effective_on=date(2026, 8, 1),
            decided_on=date(2026, 7, 15),
            actor=COACH,
            reason="Gaat goed",
            last_effective_on=START_ON,
        )
    assert (caught.value.household_id, caught.value.current, caught.value.requested) == (7, 1, 3)


@pytest.mark.parametrize("to_phase", [0, 2])
def test_a_relapse_from_phase_1_is_refused_and_nothing_is_written(
    setting: Setting, to_phase: int
) -> None:
    error = refused_without_writing(
        setting.engine,
        PhaseStepNotAllowed,
        lambda: services.record_relapse(
            setting.uow(),
            setting.household_id,
            to_phase=to_phase,
            effective_on=date(2026, 3, 1),
            decided_on=date(2026, 2, 20),
            actor=COACH,
            reason="Huur teruggestort",
        ),
    )
    assert (error.current, error.requested) == (1, to_phase)


def test_recording_a_computed_milestone_is_refused(setting: Setting) -> None:
    error = refused_without_writing(
        setting.engine,
        services.MilestoneIsComputed,
        lambda: services.record_milestone(
            setting.uow(),
            setting.household_id,
            "drie_maanden_zonder_achterstand",
            achieved_on=date(2026, 4, 1),
            evidence="Zelf geteld",
            actor=COACH,
        ),
    )
    assert error.code == "drie_maanden_zonder_achterstand"


def test_recording_an_unknown_milestone_is_refused(setting: Setting) -> None:
    error = refused_without_writing(
        setting.engine,
        services.UnknownMilestone,
        lambda: services.record_milestone(
            setting.uow(),
            setting.household_id,
            "rijbewijs",
            achieved_on=date(2026, 4, 1),
            evidence="Rijbewijs gehaald",
            actor=COACH,
        ),
    )
    assert error.code == "rijbewijs"


def test_handling_a_signal_twice_is_refused_and_the_first_handling_stands(
    setting: Setting,
) -> None:
    raised = services.raise_time_signals(setting.uow(), today=date(2026, 2, 5))
    assert [signal.kind.value for signal in raised] == ["missing_bijstand"]
    with setting.uow() as uow:
        (signal,) = uow.repository.signals_of(setting.household_id)
    services.handle_signal(
        setting.uow(),
        signal.signal_id,
        actor=COACH,
        handled_on=date(2026, 2, 5),
        note="Uitkering komt een dag later",
    )
    error = refused_without_writing(
        setting.engine,
        services.SignalAlreadyHandled,
        lambda: services.handle_signal(
            setting.uow(),
            signal.signal_id,
            actor="andere.coach@kredietbank.nl",
            handled_on=date(2026, 2, 6),
            note="Nogmaals",
        ),
    )
    assert error.signal_id == signal.signal_id
    assert COACH in str(error)


def test_handling_a_signal_that_does_not_exist_is_refused(setting: Setting) -> None:
    error = refused_without_writing(
        setting.engine,
        services.UnknownSignal,
        lambda: services.handle_signal(
            setting.uow(), 9_999, actor=COACH, handled_on=date(2026, 2, 6), note="?"
        ),
    )
    assert error.signal_id == 9_999
