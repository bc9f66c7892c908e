"""The newcomer's pages in the browser's place: "Mijn geld", the archive and the PDF statement,
in Dutch and in the newcomer's languages; and every text of these pages (and of the shared
layout) translated in each catalog.

January 2026 of the own household (Haile, Rotterdam): the bijstand arrives on 2 January and is
divided the same day, the run of Monday 5 January pays the four bills and the first weekly
leefgeld; February is divided on 12 January, the pages' today.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pypdf
import pypdfium2
import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.pages import newcomer_pages
from api.pages.i18n import LOCALE_DIRECTORY
from api.pages.statement_pdf import statement_pdf
from api.pages.templating import TEMPLATE_DIRECTORY
from ontzorgen.monthly_statements import COST_TYPE_NAMES, STATUTORY_PERIOD_TITLE, monthly_statement
from ontzorgen.months import Month
from ontzorgen.policy import DEFAULT_LADDER, DEFAULT_MILESTONES
from tests.api_world import TODAY, ApiWorld, make_lived_api_world

JANUARY = Month(2026, 1)
FEBRUARY = Month(2026, 2)
TRANSLATED = ("en", "ar", "ti", "fa", "tr")
PAGES = Path(newcomer_pages.__file__).parent
#: The PDFs the tests make, kept to look at (``pdftoppm`` turns them into images).
SAVED_PDFS = Path(__file__).parent.parent / "build" / "statements"


@pytest.fixture
def world(engine: Engine) -> ApiWorld:
    return make_lived_api_world(engine)


def plain(text: str) -> str:
    """The text without the Unicode isolates that keep amounts and dates whole in rtl lines."""
    return text.translate({0x2066: None, 0x2067: None, 0x2068: None, 0x2069: None})


def logged_in(world: ApiWorld, name: str, language: str | None = None) -> TestClient:
    client = TestClient(world.client.app, follow_redirects=False)
    if language is not None:
        client.cookies.set("ontzorgen_taal", language)
    response = client.post("/inloggen", data={"naam": name, "wachtwoord": f"{name}-wachtwoord"})
    assert response.status_code == 303, response.text
    return client


def test_mijn_geld_sends_the_newcomer_to_their_newest_statement(world: ApiWorld) -> None:
    client = logged_in(world, "newcomer")
    household_id = world.own.household_id

    response = client.get("/mijn-geld")
    assert response.status_code == 303
    assert response.headers["location"] == f"/huishoudens/{household_id}/maandoverzicht/2026-02"

    archive = client.get("/mijn-geld/archief")
    assert archive.headers["location"] == f"/huishoudens/{household_id}/maandoverzichten"


def test_the_statement_page_shows_where_the_money_went_in_plain_dutch(world: ApiWorld) -> None:
    client = logged_in(world, "newcomer", "nl")
    household_id = world.own.household_id

    response = client.get(f"/huishoudens/{household_id}/maandoverzicht/2026-01")

    assert response.status_code == 200
    page = plain(response.text)
    assert page.count("<h1") == 1
    assert "Mijn geld in januari 2026" in page
    assert 'dir="ltr"' in page
    for text in (
        "Woonstad Rotterdam",
        "€\u00a0650,00",
        "Betaald op 05-01-2026.",
        "Zorgverzekering",
        "€\u00a0346,61",  # the leefgeld
        "€\u00a086,65",  # a weekly part
        "U heeft geen achterstand.",
        "Wat kunt u zelf al?",
        "Volledig ontzorgd",
        "Kredietbank Rijnmond",
        "Budgetcursus gevolgd",
        "vakantietoeslag",
    ):
        assert text in page, text
    assert f"/huishoudens/{household_id}/maandoverzicht/2026-02" in page  # next month
    assert f"/huishoudens/{household_id}/maandoverzicht/2026-01/pdf" in page
    assert f"/huishoudens/{household_id}/maandoverzichten" in page


def test_the_arabic_statement_is_right_to_left_translated_and_keeps_the_dutch_words(
    world: ApiWorld,
) -> None:
    client = logged_in(world, "newcomer", "ar")
    household_id = world.own.household_id

    page = client.get(f"/huishoudens/{household_id}/maandoverzicht/2026-01").text

    assert 'dir="rtl"' in page and 'lang="ar"' in page
    assert "ماذا دخل من مال؟" in page  # "Wat kwam er binnen?"
    assert '<span class="ontzorgen-dutch-term" lang="nl">(Huur)</span>' in page
    assert '<bdi class="ontzorgen-amount">€\u00a0650,00</bdi>' in page
    assert "Wat kwam er binnen?" not in page


def test_the_archive_lists_every_month_with_a_statement_newest_first(world: ApiWorld) -> None:
    client = logged_in(world, "newcomer", "nl")
    household_id = world.own.household_id

    page = client.get(f"/huishoudens/{household_id}/maandoverzichten").text

    assert page.index("februari 2026") < page.index("januari 2026")
    assert f'href="/huishoudens/{household_id}/maandoverzicht/2026-01"' in page


def test_a_month_without_a_statement_is_the_not_found_page(world: ApiWorld) -> None:
    client = logged_in(world, "newcomer", "nl")
    household_id = world.own.household_id

    response = client.get(f"/huishoudens/{household_id}/maandoverzicht/2025-06")

    assert response.status_code == 404
    assert "Deze pagina bestaat niet." in response.text
    bad = client.get(f"/huishoudens/{household_id}/maandoverzicht/2026-13")
    assert bad.status_code == 400


def test_a_newcomer_cannot_open_another_households_statement(world: ApiWorld) -> None:
    client = logged_in(world, "newcomer", "nl")
    foreign = world.foreign.household_id

    for path in (
        f"/huishoudens/{foreign}/maandoverzicht/2026-01",
        f"/huishoudens/{foreign}/maandoverzicht/2026-01/pdf",
        f"/huishoudens/{foreign}/maandoverzichten",
    ):
        response = client.get(path)
        assert response.status_code == 403, path
        assert "Deze pagina is niet voor u." in response.text


def test_staff_who_reach_the_household_read_its_statement_and_go_home_from_mijn_geld(
    world: ApiWorld,
) -> None:
    coach = logged_in(world, "coach", "nl")
    household_id = world.own.household_id

    assert coach.get(f"/huishoudens/{household_id}/maandoverzicht/2026-01").status_code == 200
    assert coach.get("/mijn-geld").headers["location"] == "/coach"
    assert coach.get("/mijn-geld/archief").headers["location"] == "/coach"
    foreign_coach = logged_in(world, "coach-utrecht", "nl")
    assert (
        foreign_coach.get(f"/huishoudens/{household_id}/maandoverzicht/2026-01").status_code == 403
    )


def test_without_a_login_the_statement_leads_to_the_login_page(world: ApiWorld) -> None:
    client = TestClient(world.client.app, follow_redirects=False)
    household_id = world.own.household_id

    response = client.get(f"/huishoudens/{household_id}/maandoverzicht/2026-01")

    assert response.status_code == 303
    assert response.headers["location"].startswith("/inloggen?volgende=")


def test_a_newcomer_without_a_statement_yet_reads_that_in_plain_words(world: ApiWorld) -> None:
    client = logged_in(world, "newcomer-utrecht", "nl")

    response = client.get("/mijn-geld")

    assert response.status_code == 200
    assert "Er is nog geen overzicht van uw geld." in response.text


def test_the_pdf_is_downloaded_in_the_pages_language(world: ApiWorld) -> None:
    client = logged_in(world, "newcomer", "ti")
    household_id = world.own.household_id

    response = client.get(f"/huishoudens/{household_id}/maandoverzicht/2026-01/pdf")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.content.startswith(b"%PDF")
    assert b"NotoSansEthiopic" in response.content


@pytest.mark.parametrize(
    ("language", "font", "expected"),
    [
        ("nl", b"+NotoSans", ["Mijn geld in januari 2026", "Woonstad Rotterdam", "650,00"]),
        ("ar", b"NotoSansArabic", ["ماذا دخل", "Woonstad Rotterdam", "650,00"]),
        ("ti", b"NotoSansEthiopic", ["ገንዘበይ", "Woonstad Rotterdam", "650,00"]),
        ("fa", b"NotoSansArabic", ["Woonstad Rotterdam", "650,00"]),
    ],
)
def test_the_statement_pdf_embeds_the_script_font_and_its_text_can_be_read_back(
    world: ApiWorld, language: str, font: bytes, expected: list[str]
) -> None:
    statement = monthly_statement(world.uow(), world.own.household_id, JANUARY, today=TODAY)

    document = statement_pdf(statement, language)
    SAVED_PDFS.mkdir(parents=True, exist_ok=True)
    (SAVED_PDFS / f"maandoverzicht-{language}.pdf").write_bytes(document)

    assert document.startswith(b"%PDF")
    assert document.rstrip().endswith(b"%%EOF")
    assert font in document
    reader = pypdf.PdfReader(io.BytesIO(document))
    text = "\n".join(page.extract_text() for page in reader.pages)
    for piece in expected:
        assert piece in text, (piece, text[:400])

    # An image of the first page, to look at (build/statements/); it must hold ink, not be blank.
    first_page = pypdfium2.PdfDocument(document)[0].render(scale=1.5).to_pil().convert("L")
    first_page.save(SAVED_PDFS / f"maandoverzicht-{language}-page-1.png")
    dark_pixels = sum(first_page.histogram()[:128])
    assert dark_pixels > 0.01 * first_page.width * first_page.height


# -- the catalogs ----------------------------------------------------------------------------

#: Texts that reach _() as values, not as literals the extractor sees.
DYNAMIC_NEWCOMER_TEXTS = (
    *COST_TYPE_NAMES.values(),
    "Leefgeld",
    "Vakantietoeslag",
    "Bijstand",
    "Toeslag",
    STATUTORY_PERIOD_TITLE,
    *(phase.name for phase in DEFAULT_LADDER.phases),
    *(milestone.title for milestone in DEFAULT_MILESTONES),
    *newcomer_pages.MILESTONE_HELP.values(),
)
COMMON_DYNAMIC_TEXTS = (
    "Mijn geld",
    "Eerdere overzichten",
    "Mijn huishoudens",
    "Rapportages",
    "Betaalruns",
    "Auditlog",
    "Bankafschriften",
    "Ontzorgen",
)


def _extracted(path: Path) -> set[str]:
    method = "jinja2.ext.babel_extract" if path.suffix == ".html" else "python"
    found = set()
    for _line, message, _comments, _context in extract_from_file(
        method, path, keywords={"_": None}
    ):
        if isinstance(message, str):
            found.add(message)
        elif message and isinstance(message[0], str):
            found.add(message[0])
    return found


def _catalog(language: str, area: str) -> dict[str, str]:
    with (LOCALE_DIRECTORY / language / f"{area}.po").open("rb") as file:
        return {
            str(message.id): str(message.string)
            for message in read_po(file, locale=language)
            if message.id
        }


def _assert_translated(area: str, texts: set[str]) -> None:
    assert texts
    for language in TRANSLATED:
        catalog = _catalog(language, area)
        missing = sorted(text for text in texts if not catalog.get(text))
        assert not missing, (language, missing)
        copied = sorted(text for text in texts if catalog[text] == text and len(text) > 12)
        assert not copied, (language, copied)


def test_every_newcomer_text_is_translated_in_every_language() -> None:
    texts = set(DYNAMIC_NEWCOMER_TEXTS)
    for template in sorted((TEMPLATE_DIRECTORY / "newcomer").glob("*.html")):
        texts |= _extracted(template)
    texts |= _extracted(PAGES / "statement_pdf.py")
    texts |= _extracted(PAGES / "newcomer_pages.py")
    _assert_translated("newcomer", texts)


def test_every_text_of_the_layout_login_and_error_pages_is_translated() -> None:
    texts = set(COMMON_DYNAMIC_TEXTS)
    for name in ("base.html", "login.html", "error.html"):
        texts |= _extracted(TEMPLATE_DIRECTORY / name)
    _assert_translated("common", texts)


def test_the_catalogs_keep_every_placeholder() -> None:
    for language in TRANSLATED:
        for area in ("common", "newcomer"):
            for source, translated in _catalog(language, area).items():
                names = sorted(_placeholders(source))
                assert sorted(_placeholders(translated)) == names, (language, source)


def _placeholders(text: str) -> list[str]:
    return re.findall(r"%\((\w+)\)s", text)
