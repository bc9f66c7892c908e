"""The caseload's households read set-based (``views.caseload.caseload_households``).

Proven here, on SQLite and PostgreSQL:
- for households without an arrangement, with a bijstand that starts later, with steps, a relapse,
  a step dated in the future and two changes on the same day, the phase on a day equals
  ``phases.phase_on`` over the household's changes, the current phase and its name equal
  ``views.phases.phase_overview``, and the open-signal count equals the household's open signals;
- only the kredietbank's own households come, by id, paged after an id;
- the coach's caseload page costs the same number of queries for 3 households as for 12.
"""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event

from ontzorgen import services
from ontzorgen.arrangement import Decision, LegalBasis
from ontzorgen.households import Language, Member, MemberRole
from ontzorgen.phases import ChangeKind, PhaseChange, phase_on
from ontzorgen.services import NoArrangement
from ontzorgen.signals import NewSignal, SignalKind
from ontzorgen.views.caseload import SignalStatus, caseload_households, signals_page
from ontzorgen.views.phases import phase_overview
from tests.api_world import ApiWorld, make_api_world
from tests.factories import NEWCOMER_IBAN, World, make_world

TODAY = date(2026, 1, 12)
DAYS = (date(2025, 12, 31), date(2026, 1, 10), date(2026, 1, 11), TODAY, date(2026, 3, 1))


def add_household(world: World, name: str, start_on: date | None) -> int:
    household_id = services.register_household(
        world.uow(),
        municipality_id=world.municipality_id,
        kredietbank_id=world.kredietbank_id,
        name=name,
        members=[Member("Amanuel Haile", MemberRole.APPLICANT)],
        language=Language.TIGRINYA,
        leefgeld_iban=NEWCOMER_IBAN,
        leefgeld_account_holder="A. Haile",
    )
    if start_on is not None:
        services.record_arrangement(
            world.uow(),
            household_id=household_id,
            legal_basis=LegalBasis.ART_56A,
            bijstand_start_on=start_on,
            machtiging_signed_on=start_on,
            decision=Decision(start_on, "w.devries@rotterdam.nl", f"ONT-{household_id:05d}"),
        )
    return household_id


def change(
    world: World,
    household_id: int,
    to_phase: int,
    effective_on: date,
    decided_on: date | None = None,
) -> None:
    """A change stored as it is, without the ladder's rules: the read must follow any history."""
    with world.uow() as work:
        work.repository.add_phase_change(
            PhaseChange(
                household_id,
                ChangeKind.STEP,
                None,
                to_phase,
                effective_on,
                decided_on or effective_on,
                "coach",
                "Test",
            )
        )
        work.commit()


def signal(world: World, household_id: int, subject: str) -> None:
    with world.uow() as work:
        work.repository.raise_signal(
            NewSignal(household_id, SignalKind.ARREAR, subject, date(2026, 1, 5), subject)
        )
        work.commit()


@pytest.fixture
def world(engine: Engine) -> World:
    return make_world(engine)


def build_caseload(world: World) -> list[int]:
    none = add_household(world, "Zonder regeling", None)
    started = add_household(world, "Gestart", date(2026, 1, 1))
    later = add_household(world, "Start later", date(2026, 2, 1))
    relapsed = add_household(world, "Teruggevallen", date(2025, 6, 1))
    change(world, relapsed, 2, date(2026, 1, 10))
    services.record_relapse(
        world.uow(),
        relapsed,
        to_phase=1,
        effective_on=date(2026, 1, 11),
        decided_on=date(2026, 1, 11),
        actor="coach",
        reason="Huur kwam terug.",
    )
    ahead = add_household(world, "Stap vooruit", date(2025, 6, 1))
    change(world, ahead, 2, date(2026, 1, 10))
    change(world, ahead, 3, date(2026, 2, 1), decided_on=date(2026, 1, 11))
    same_day = add_household(world, "Zelfde dag", date(2025, 6, 1))
    change(world, same_day, 2, date(2026, 1, 11))
    change(world, same_day, 1, date(2026, 1, 11))  # a tie: phase_on keeps the first stored
    later_decision = add_household(world, "Later besluit", date(2025, 6, 1))
    change(world, later_decision, 3, date(2026, 1, 11), decided_on=date(2026, 1, 12))
    change(world, later_decision, 2, date(2026, 1, 11), decided_on=date(2026, 1, 11))
    for n in range(3):
        signal(world, started, f"open-{n}")
    signal(world, relapsed, "nog-open")
    signal(world, same_day, "afgehandeld")
    with world.uow() as work:
        handled = signals_page(
            work.connection, household_id=same_day, status=SignalStatus.OPEN, after=None, limit=5
        )[0]
    services.handle_signal(
        world.uow(), handled.signal_id, actor="coach", handled_on=TODAY, note="Gebeld."
    )
    return [none, started, later, relapsed, ahead, same_day, later_decision]


def test_the_set_based_read_equals_the_per_household_rules(world: World) -> None:
    ids = build_caseload(world)
    # Another kredietbank's household does not come.
    other = services.create_kredietbank(world.uow(), "Kredietbank Elders", [world.municipality_id])
    stranger = add_household(
        World(world.engine, world.municipality_id, other, world.creditors), "Elders", None
    )
    for day in DAYS:
        with world.uow() as work:
            rows = caseload_households(
                work.connection, world.kredietbank_id, day=day, after_id=0, limit=50
            )
            assert [row.household_id for row in rows] == ids
            assert stranger not in {row.household_id for row in rows}
            for row in rows:
                changes = work.repository.phase_changes_of(row.household_id)
                assert row.phase_on_day == phase_on(changes, day), (row.name, day)
                expected: tuple[int | None, str | None]
                try:
                    overview = phase_overview(work, row.household_id, day)
                    expected = (overview.current_phase, overview.current_phase_name)
                except NoArrangement:
                    expected = (None, None)
                assert (row.current_phase, row.current_phase_name) == expected, (row.name, day)
                open_signals = signals_page(
                    work.connection,
                    household_id=row.household_id,
                    status=SignalStatus.OPEN,
                    after=None,
                    limit=100,
                )
                assert row.open_signal_count == len(open_signals), row.name
    # The cases the histories were built for, on 12 January 2026.
    with world.uow() as work:
        today = {
            row.name: (row.phase_on_day, row.current_phase, row.open_signal_count)
            for row in caseload_households(
                work.connection, world.kredietbank_id, day=TODAY, after_id=0, limit=50
            )
        }
    assert today == {
        "Zonder regeling": (None, None, 0),
        "Gestart": (1, 1, 3),
        "Start later": (None, 1, 0),
        "Teruggevallen": (1, 1, 2),  # its own signal and the relapse's
        "Stap vooruit": (2, 2, 0),
        "Zelfde dag": (2, 2, 0),
        "Later besluit": (3, 3, 0),
    }


def test_pages_follow_each_other_by_id(world: World) -> None:
    ids = [add_household(world, f"Huishouden {n}", date(2026, 1, 1)) for n in range(5)]
    seen: list[int] = []
    after = 0
    with world.uow() as work:
        while page := caseload_households(
            work.connection, world.kredietbank_id, day=TODAY, after_id=after, limit=2
        ):
            assert len(page) <= 2
            seen.extend(row.household_id for row in page)
            after = page[-1].household_id
    assert seen == ids


def queries_of_caseload_page(world: ApiWorld) -> int:
    coach = TestClient(world.client.app)
    login = {"naam": "coach", "wachtwoord": "coach-wachtwoord"}
    assert coach.post("/inloggen", data=login, follow_redirects=False).status_code == 303
    seen: list[str] = []

    def count(_conn: object, _cursor: object, sql: str, *_args: object) -> None:
        seen.append(sql)

    event.listen(world.engine, "before_cursor_execute", count)
    try:
        answer = coach.get("/coach")
    finally:
        event.remove(world.engine, "before_cursor_execute", count)
    assert answer.status_code == 200, answer.text
    return len(seen)


def test_the_caseload_page_costs_the_same_queries_for_3_or_12_households(engine: Engine) -> None:
    world = make_api_world(engine)
    own = world.own.world
    for n in range(2):
        add_household(own, f"Huishouden {n}", date(2026, 1, 1))
    few = queries_of_caseload_page(world)
    for n in range(2, 11):
        household_id = add_household(own, f"Huishouden {n}", date(2025, 6, 1))
        change(own, household_id, 2, date(2026, 1, 5))
        signal(own, household_id, f"open-{n}")
    many = queries_of_caseload_page(world)
    print(f"caseload page queries: 3 households {few}, 12 households {many}")
    assert many == few <= 10
