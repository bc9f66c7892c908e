"""The demo seed on both databases: every phase shown, sound books, seeded once, no BSN printed."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, func, select

import ontzorgen.tables  # noqa: F401  (registers the domain tables in the shared metadata)
from api.cli import main
from ledger.check import check_ledger
from ledger.schema import metadata
from ontzorgen.demo import HOUSEHOLDS, seed_demo
from ontzorgen.phases import phase_on
from ontzorgen.signals import SignalKind
from ontzorgen.tables import household_members
from ontzorgen.unit_of_work import UnitOfWork

TODAY = date(2026, 11, 23)


def row_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in metadata.sorted_tables
        }


def test_the_demo_shows_every_phase_and_open_arrears_in_sound_books_seeded_once(
    engine: Engine,
) -> None:
    summary = seed_demo(engine, TODAY)
    assert summary.seeded
    with UnitOfWork(engine) as uow:
        household_ids = uow.repository.household_ids()
        phases = {
            phase_on(uow.repository.phase_changes_of(household_id), TODAY)
            for household_id in household_ids
        }
        open_kinds = {
            signal.kind
            for household_id in household_ids
            for signal in uow.repository.signals_of(household_id, open_only=True)
        }
        report = check_ledger(uow.connection)
    assert len(household_ids) == len(HOUSEHOLDS)
    assert phases == {1, 2, 3, 4, 5}
    assert SignalKind.ARREAR.value in open_kinds
    assert report.passed, report.summary()
    assert summary.ledger_check_passed
    assert summary.ledger_entry_count == report.entry_count
    assert dict(summary.households_per_phase) == {1: 7, 2: 2, 3: 2, 4: 2, 5: 3}

    counts = row_counts(engine)
    again = seed_demo(engine, date(2027, 1, 15))
    assert not again.seeded
    assert row_counts(engine) == counts


@pytest.fixture
def database_url(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> str:
    url = engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("ONTZORGEN_DATABASE_URL", url)
    return url


def test_the_demo_command_seeds_once_and_prints_counts_but_never_a_bsn(
    engine: Engine, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--today", "2026-11-23"]) == 0
    out = capsys.readouterr().out
    assert "16 households" in out
    assert "phase 5 (Afgerond): 3" in out
    assert "ledger check passed" in out
    with engine.connect() as connection:
        bsns = connection.execute(select(household_members.c.bsn)).scalars().all()
    assert len(bsns) == len(set(bsns)) > 0
    assert not [bsn for bsn in bsns if bsn in out]
    counts = row_counts(engine)

    assert main(["demo", "--today", "2026-11-23"]) == 0
    again = capsys.readouterr().out
    assert "exists already; nothing was seeded" in again
    assert row_counts(engine) == counts
    # The second run describes the same database: the same phases, signals and entries.
    assert again.splitlines()[1:] == out.splitlines()[1:-1]


def test_the_demo_has_a_login_for_every_role_whose_password_works(engine: Engine) -> None:
    from datetime import UTC, datetime

    from ontzorgen import users
    from ontzorgen.access import Role
    from ontzorgen.demo import DEMO_LOGINS

    seed_demo(engine, TODAY)
    now = datetime(2026, 11, 23, 9, tzinfo=UTC)
    roles = set()
    for login in DEMO_LOGINS:
        session = users.login(
            UnitOfWork(engine), login.name, login.password, remote_address="test", now=now
        )
        assert session.principal.role is login.role
        roles.add(login.role)
    assert roles == set(Role)
    newcomer = next(login for login in DEMO_LOGINS if login.role is Role.NEWCOMER)
    with UnitOfWork(engine) as uow:
        principal = uow.access.user_by_name(newcomer.name)
        assert principal is not None and principal.principal.household_id is not None
        household = uow.repository.get_household(principal.principal.household_id)
    assert household.language.value == "ar"
