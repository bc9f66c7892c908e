"""The budget coach's pages through HTTP: the caseload, a household's page, a reserve's ledger, and
the forms (a milestone, a phase step asked for and decided, a signal handled).

Proven here, on SQLite and PostgreSQL, with the API world of ``tests.api_world`` (clock Monday
12 January 2026; Rotterdam is "own", Utrecht "foreign"), logged in through the login page:
- the caseload lists the open signals of the coach's own kredietbank only, most urgent first, in
  plain words with the household and the date; below, every household with its phase and count;
- the household page shows the members (a BSN only masked), the arrangement's ends, the budget plan
  with what the current phase withholds, each reserve's last movements (and a paged reserve page),
  milestones, phase and history, and open signals with a form to handle each;
- a milestone recorded by form can complete a step's requirements; the system then proposes the
  step and the coach accepts or rejects it with a reason; each form answers 303 and the page says
  what happened; a refusal re-renders the page with the reason in plain words (400 or 409);
- a newcomer opening their own household goes to /mijn-geld; another household, another
  kredietbank's household, or the caseload of someone who is no coach give 403;
- every page works in Arabic (right to left) and every text of these templates is translated in
  each of the five catalogs.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.pages.templating import LANGUAGE_COOKIE, day, euro
from ledger.money import Money
from ontzorgen import services
from ontzorgen.households import Language, Member, MemberRole
from ontzorgen.identifiers import Bsn
from ontzorgen.months import Month
from ontzorgen.signals import NewSignal, SignalKind
from tests.api_world import TODAY, ApiWorld, make_api_world
from tests.factories import NEWCOMER_IBAN, NORM_SINGLE, add_newcomer

PAGES = Path(__file__).parent.parent / "api" / "pages"
TEMPLATES = sorted((PAGES / "templates" / "coach").glob("*.html"))
TRANSLATED = ("en", "ar", "ti", "fa", "tr")
CSRF = re.compile(r'name="csrfToken" value="([^"]+)"')


@pytest.fixture
def world(engine: Engine) -> ApiWorld:
    return make_api_world(engine)


def logged_in(world: ApiWorld, name: str, language: str | None = None) -> TestClient:
    client = TestClient(world.client.app)
    if language is not None:
        client.cookies.set(LANGUAGE_COOKIE, language)
    answer = client.post(
        "/inloggen",
        data={"naam": name, "wachtwoord": f"{name}-wachtwoord"},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    return client


def csrf_of(client: TestClient, path: str) -> str:
    found = CSRF.search(client.get(path).text)
    assert found is not None
    return found.group(1)


def signal(
    world: ApiWorld, household_id: int, kind: SignalKind, raised_on: date, text: str
) -> None:
    with world.uow() as work:
        work.repository.raise_signal(NewSignal(household_id, kind, f"test:{text}", raised_on, text))
        work.commit()


def open_signal_ids(world: ApiWorld, household_id: int) -> list[int]:
    from ontzorgen.views.caseload import SignalStatus, signals_page

    with world.uow() as work:
        found = signals_page(
            work.connection,
            household_id=household_id,
            status=SignalStatus.OPEN,
            after=None,
            limit=50,
        )
    return [view.signal_id for view in found]


def allocate_january(world: ApiWorld, household_id: int) -> None:
    services.record_bijstand(
        world.uow(),
        household_id=household_id,
        month=Month(2026, 1),
        full_month_amount=NORM_SINGLE,
        received_on=date(2026, 1, 5),
    )
    services.allocate_month(world.uow(), household_id, Month(2026, 1), today=TODAY)


# -- the caseload ------------------------------------------------------------------------------


def test_the_caseload_shows_own_open_signals_most_urgent_first_and_every_household(
    world: ApiWorld,
) -> None:
    own = world.own.household_id
    second = add_newcomer(world.own.world, name="Huishouden Yonas").household_id
    signal(world, own, SignalKind.MILESTONE_REVIEW_DUE, date(2026, 1, 2), "Bespreek de mijlpalen.")
    signal(world, second, SignalKind.RETURNED_PAYMENT, date(2026, 1, 10), "Huur kwam terug.")
    signal(world, world.foreign.household_id, SignalKind.ARREAR, date(2026, 1, 3), "Utrecht tekort")

    page = logged_in(world, "coach").get("/coach")

    assert page.status_code == 200
    text = page.text
    assert "<h1" in text and text.count("<h1") == 1
    assert text.index("Huur kwam terug.") < text.index("Bespreek de mijlpalen.")
    assert "Betaling teruggekomen" in text and "Zeer dringend" in text
    assert "de betalingen van dit huishouden wachten" in text
    assert "10-01-2026" in text
    assert f'href="/huishoudens/{second}#signalen"' in text
    assert "Utrecht tekort" not in text and "Tesfay" not in text
    assert f'href="/huishoudens/{own}"' in text and f'href="/huishoudens/{second}"' in text
    assert "Fase 1: Volledig ontzorgd" in text


def test_the_caseload_in_arabic_is_right_to_left_and_translated(world: ApiWorld) -> None:
    signal(world, world.own.household_id, SignalKind.ARREAR, date(2026, 1, 2), "Tekort huur.")

    text = logged_in(world, "coach", language="ar").get("/coach").text

    assert 'dir="rtl"' in text and 'lang="ar"' in text
    assert "Mijn huishoudens</h1>" not in text
    assert "التنبيهات المفتوحة" in text
    # What the domain wrote stays Dutch, marked so a screen reader reads it as Dutch.
    assert '<span lang="nl" dir="ltr">Tekort huur.</span>' in text


def test_only_a_coach_has_a_caseload(world: ApiWorld) -> None:
    assert logged_in(world, "officer").get("/coach").status_code == 403
    assert logged_in(world, "auditor").get("/coach").status_code == 403
    assert logged_in(world, "newcomer").get("/coach").status_code == 403
    anonymous = TestClient(world.client.app).get("/coach", follow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/inloggen")


# -- one household -----------------------------------------------------------------------------


def test_the_household_page_shows_members_arrangement_plan_reserves_and_phase(
    world: ApiWorld,
) -> None:
    own = world.own.household_id
    allocate_january(world, own)
    with world.uow() as work:
        found = work.repository.get_arrangement(own)
    assert found is not None
    arrangement = found[0]

    page = logged_in(world, "coach").get(f"/huishoudens/{own}")

    assert page.status_code == 200
    text = page.text
    assert text.count("<h1") == 1 and "Huishouden Haile" in text
    assert "Amanuel Haile" in text and "Aanvrager" in text
    assert day(arrangement.statutory_end_on) in text and day(arrangement.period_end_on) in text
    assert "Woonstad Rotterdam" in text and euro(Money(65_000)) in text
    assert "Dag 1 van de maand" in text and "De kredietbank (ingehouden)" in text
    assert "Fase 1: Volledig ontzorgd" in text and "Leefgeld elke week" in text
    assert "Budgetcursus gevolgd" in text and "Een mijlpaal vastleggen" in text
    assert "januari 2026" in text
    assert "Laatste boekingen: Huur · Woonstad Rotterdam" in text
    assert re.search(rf'href="/huishoudens/{own}/reserves/\d+"', text)


def test_a_bsn_is_shown_masked_and_a_household_without_arrangement_still_has_a_page(
    world: ApiWorld,
) -> None:
    bsn = "111222333"
    household_id = services.register_household(
        world.uow(),
        municipality_id=world.own.world.municipality_id,
        kredietbank_id=world.own.world.kredietbank_id,
        name="Huishouden Berhe",
        members=[Member("Selam Berhe", MemberRole.APPLICANT, date(1990, 5, 1), Bsn.parse(bsn))],
        language=Language.ARABIC,
        leefgeld_iban=NEWCOMER_IBAN,
        leefgeld_account_holder="S. Berhe",
    )

    text = logged_in(world, "coach").get(f"/huishoudens/{household_id}").text

    assert "Selam Berhe" in text and "01-05-1990" in text
    assert bsn not in text and "*****" in text
    assert "nog geen regeling vastgelegd" in text
    caseload = logged_in(world, "coach").get("/coach").text
    assert "Nog geen regeling" in caseload


def test_the_household_page_in_arabic_is_right_to_left(world: ApiWorld) -> None:
    text = logged_in(world, "coach", language="ar").get(f"/huishoudens/{world.own.household_id}")
    assert text.status_code == 200
    assert 'dir="rtl"' in text.text and "المعالم" in text.text
    assert '<bdi class="ontzorgen-amount">' in text.text


def test_a_newcomer_goes_to_their_own_page_and_nobody_opens_another_caseload(
    world: ApiWorld,
) -> None:
    own, foreign = world.own.household_id, world.foreign.household_id
    newcomer = logged_in(world, "newcomer")
    mine = newcomer.get(f"/huishoudens/{own}", follow_redirects=False)
    assert mine.status_code == 303 and mine.headers["location"] == "/mijn-geld"
    assert newcomer.get(f"/huishoudens/{foreign}").status_code == 403

    coach = logged_in(world, "coach")
    assert coach.get(f"/huishoudens/{foreign}").status_code == 403
    assert coach.get("/huishoudens/999999").status_code == 404
    token = csrf_of(coach, f"/huishoudens/{own}")
    refused = coach.post(
        f"/huishoudens/{foreign}/mijlpalen",
        data={"csrfToken": token, "mijlpaal": "budgetcursus", "datum": "2026-01-10", "bewijs": "x"},
    )
    assert refused.status_code == 403
    # The officer of the municipality reads the household, but records no milestone.
    officer = logged_in(world, "officer")
    officer_page = officer.get(f"/huishoudens/{own}").text
    assert "Amanuel Haile" in officer_page and 'action="/huishoudens' not in officer_page


def test_a_reserve_page_pages_through_the_ledger_and_knows_only_own_reserves(
    world: ApiWorld,
) -> None:
    own = world.own.household_id
    allocate_january(world, own)
    coach = logged_in(world, "coach")
    household_page = coach.get(f"/huishoudens/{own}").text
    account_id = re.findall(rf'href="/huishoudens/{own}/reserves/(\d+)"', household_page)[0]

    page = coach.get(f"/huishoudens/{own}/reserves/{account_id}")

    assert page.status_code == 200
    assert page.text.count("<h1") == 1 and "Reservering Huur · Woonstad Rotterdam" in page.text
    assert "Erbij" in page.text and euro(Money(65_000)) in page.text
    assert coach.get(f"/huishoudens/{own}/reserves/{account_id}?na=1").status_code == 200
    foreign = world.foreign.household_id
    assert coach.get(f"/huishoudens/{foreign}/reserves/{account_id}").status_code == 403
    assert coach.get(f"/huishoudens/{own}/reserves/1").status_code == 404


# -- the forms ---------------------------------------------------------------------------------


def test_milestones_by_form_lead_to_a_proposal_the_coach_accepts_with_a_reason(
    world: ApiWorld,
) -> None:
    # Bijstand since June 2025: the statutory six months are over on 12 January 2026.
    household_id = add_newcomer(
        world.own.world, bijstand_start_on=date(2025, 6, 1), name="Huishouden Yonas"
    ).household_id
    coach = logged_in(world, "coach")
    path = f"/huishoudens/{household_id}"
    token = csrf_of(coach, path)

    asked = coach.post(f"{path}/fasevoorstel", data={"csrfToken": token}, follow_redirects=False)
    assert asked.status_code == 303 and "gedaan=geen-voorstel" in asked.headers["location"]
    assert "Een stap kan nog niet." in coach.get(asked.headers["location"]).text

    for code in ("budgetcursus", "toeslagen"):
        done = coach.post(
            f"{path}/mijlpalen",
            data={"csrfToken": token, "mijlpaal": code, "datum": "2026-01-08", "bewijs": "Gezien."},
            follow_redirects=False,
        )
        assert done.status_code == 303 and "gedaan=mijlpaal" in done.headers["location"]
    page = coach.get(path).text
    assert "Voorstel: van fase 1 naar fase 2" in page
    proposal_id = re.findall(rf'action="{path}/fasevoorstel/(\d+)/besluit"', page)[0]

    no_reason = coach.post(
        f"{path}/fasevoorstel/{proposal_id}/besluit",
        data={"csrfToken": token, "besluit": "akkoord", "reden": "  "},
    )
    assert no_reason.status_code == 400 and "Schrijf een reden op." in no_reason.text

    accepted = coach.post(
        f"{path}/fasevoorstel/{proposal_id}/besluit",
        data={"csrfToken": token, "besluit": "akkoord", "reden": "Gaat goed.", "ingangsdatum": ""},
        follow_redirects=False,
    )
    assert accepted.status_code == 303 and "gedaan=akkoord" in accepted.headers["location"]
    page = coach.get(accepted.headers["location"]).text
    assert "Fase 2: Eerste eigen rekeningen" in page and "Gaat goed." in page
    assert "U bent akkoord gegaan." in page

    again = coach.post(
        f"{path}/fasevoorstel/{proposal_id}/besluit",
        data={"csrfToken": token, "besluit": "niet-akkoord", "reden": "Toch niet."},
    )
    assert again.status_code == 409 and "Over dit voorstel is al besloten." in again.text


def test_a_milestone_form_refuses_in_plain_words_and_changes_nothing(world: ApiWorld) -> None:
    own = world.own.household_id
    coach = logged_in(world, "coach")
    path = f"/huishoudens/{own}"
    token = csrf_of(coach, path)

    empty = coach.post(
        f"{path}/mijlpalen",
        data={"csrfToken": token, "mijlpaal": "budgetcursus", "datum": "2026-01-08", "bewijs": ""},
    )
    assert empty.status_code == 400 and "Schrijf op waaruit blijkt" in empty.text
    assert 'role="alert"' in empty.text

    computed = coach.post(
        f"{path}/mijlpalen",
        data={
            "csrfToken": token,
            "mijlpaal": "drie_maanden_zonder_achterstand",
            "datum": "2026-01-08",
            "bewijs": "Klopt.",
        },
    )
    assert computed.status_code == 409 and "telt het systeem zelf" in computed.text
    with world.uow() as work:
        assert work.repository.milestones_of(own) == []
    no_token = coach.post(
        f"{path}/mijlpalen",
        data={"mijlpaal": "budgetcursus", "datum": "2026-01-08", "bewijs": "Gezien."},
    )
    assert no_token.status_code == 403


def test_a_coach_handles_a_signal_once_with_a_note(world: ApiWorld) -> None:
    own = world.own.household_id
    signal(world, own, SignalKind.ARREAR, date(2026, 1, 2), "Tekort huur.")
    [signal_id] = open_signal_ids(world, own)
    coach = logged_in(world, "coach")
    token = csrf_of(coach, f"/huishoudens/{own}")

    empty = coach.post(
        f"/signalen/{signal_id}/afhandelen", data={"csrfToken": token, "notitie": ""}
    )
    assert empty.status_code == 400 and "Schrijf een korte notitie" in empty.text

    handled = coach.post(
        f"/signalen/{signal_id}/afhandelen",
        data={"csrfToken": token, "notitie": "Gebeld met de verhuurder."},
        follow_redirects=False,
    )
    assert handled.status_code == 303
    assert handled.headers["location"] == f"/huishoudens/{own}?gedaan=signaal#signalen"
    assert open_signal_ids(world, own) == []
    assert "Het signaal is afgehandeld." in coach.get(handled.headers["location"]).text

    again = coach.post(
        f"/signalen/{signal_id}/afhandelen", data={"csrfToken": token, "notitie": "Nog eens."}
    )
    assert again.status_code == 409 and "al afgehandeld door" in again.text
    foreign_coach = logged_in(world, "coach-utrecht")
    other_token = csrf_of(foreign_coach, "/coach")
    assert (
        foreign_coach.post(
            f"/signalen/{signal_id}/afhandelen", data={"csrfToken": other_token, "notitie": "x"}
        ).status_code
        == 403
    )


# -- the catalogs ------------------------------------------------------------------------------


def template_messages() -> set[str]:
    """Every msgid of the coach templates, as Babel extracts them from Jinja2."""
    found: set[str] = set()
    for path in TEMPLATES:
        for _line, message, _comments, _context in extract_from_file(
            "jinja2.ext.babel_extract", path, keywords={"_": None}
        ):
            if isinstance(message, str):
                found.add(message)
    return found


PLACEHOLDER = re.compile(r"%\((\w+)\)s")
SAME_WORD = frozenset({("en", "Partner"), ("en", "Start")})


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_text_of_the_coach_pages_is_translated(language: str) -> None:
    messages = template_messages()
    assert len(messages) > 100
    with (PAGES / "locale" / language / "coach.po").open("rb") as file:
        catalog = read_po(file, locale=language)
    translated = {
        m.id: m.string for m in catalog if isinstance(m.id, str) and isinstance(m.string, str)
    }
    missing = sorted(m for m in messages if not translated.get(m))
    assert missing == []
    for message in messages:
        text = translated[message]
        # A few words are the same in English; everything else is really translated.
        assert text != message or (language, message) in SAME_WORD, message
        assert sorted(PLACEHOLDER.findall(text)) == sorted(PLACEHOLDER.findall(message)), message
