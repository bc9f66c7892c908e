"""The municipality's pages over HTTP, on SQLite and PostgreSQL: payment runs (prepare, four-eyes
approval, execution, the pain.001 download), bank statements (upload, matching by hand), the
reports with their chart and CSV files, and the audit log; who may open them, the Arabic version,
and that every text on them is translated in each catalog."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.pages.chart import Bar, bar_chart
from api.pages.templating import LANGUAGE_COOKIE
from ontzorgen import payment_runs, services
from ontzorgen.months import Month
from tests.api_world import TODAY, ApiWorld, make_api_world
from tests.camt_builder import Line, statement
from tests.factories import NORM_SINGLE

PAGES = Path(__file__).resolve().parents[1] / "api" / "pages"
TEMPLATES = PAGES / "templates" / "municipality"
CATALOG_LANGUAGES = ("en", "ar", "ti", "fa", "tr")
JANUARY = Month(2026, 1)
CSRF = re.compile(r'name="csrfToken" value="([^"]+)"')


@pytest.fixture
def world(engine: Engine) -> ApiWorld:
    return make_api_world(engine)


def logged_in(world: ApiWorld, name: str, language: str = "nl") -> TestClient:
    client = TestClient(world.client.app)
    client.cookies.set(LANGUAGE_COOKIE, language)
    answer = client.post(
        "/inloggen",
        data={"naam": name, "wachtwoord": f"{name}-wachtwoord"},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    return client


def csrf_of(client: TestClient, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200, page.text
    found = CSRF.search(page.text)
    assert found is not None
    return found.group(1)


def post_form(client: TestClient, path: str, form_page: str, **fields: Any) -> Any:
    data = {"csrfToken": csrf_of(client, form_page), **fields}
    return client.post(path, data=data, follow_redirects=False)


def allocate_january(world: ApiWorld) -> None:
    household_id = world.own.household_id
    services.record_bijstand(
        world.uow(),
        household_id=household_id,
        month=JANUARY,
        full_month_amount=NORM_SINGLE,
        received_on=date(2026, 1, 2),
    )
    services.allocate_month(world.uow(), household_id, JANUARY, today=date(2026, 1, 2))


def executed_run(world: ApiWorld) -> payment_runs.RunView:
    allocate_january(world)
    municipality_id = world.own.world.municipality_id
    run_id = payment_runs.prepare_run(world.uow(), municipality_id, TODAY, actor="officer").run
    payment_runs.approve_run(world.uow(), run_id.run_id, actor="officer-2")
    return payment_runs.execute_run(
        world.uow(),
        run_id.run_id,
        actor="officer",
        today=TODAY,
        now=datetime(2026, 1, 12, 9, tzinfo=UTC),
    )


def test_one_officer_prepares_a_run_another_approves_it_and_the_file_is_downloaded(
    world: ApiWorld,
) -> None:
    allocate_january(world)
    runs = f"/gemeenten/{world.own.world.municipality_id}/betaalruns"
    officer = logged_in(world, "officer")
    page = officer.get(runs)
    assert page.status_code == 200
    assert "Betaalrun klaarzetten" in page.text
    # The next business day after Monday 12 January 2026 is the default.
    assert 'value="2026-01-13"' in page.text

    prepared = post_form(officer, runs, runs, uitvoerdatum="2026-01-12")
    assert prepared.status_code == 303
    run_path = prepared.headers["location"].split("?")[0]
    run_page = officer.get(prepared.headers["location"])
    assert run_page.status_code == 200
    assert "De betaalrun is klaargezet" in run_page.text
    assert "Woonstad Rotterdam" in run_page.text and "€\u00a0650,00" in run_page.text
    assert "Huur" in run_page.text and "Leefgeld aan de huishoudens" in run_page.text

    refused = post_form(officer, f"{run_path}/goedkeuren", run_path)
    assert refused.status_code == 403
    assert "U heeft deze betaalrun zelf klaargezet" in refused.text
    assert 'role="alert"' in refused.text

    second = logged_in(world, "officer-2")
    too_early = post_form(second, f"{run_path}/uitvoeren", run_path)
    assert too_early.status_code == 409 and "nog niet goedgekeurd" in too_early.text
    approved = post_form(second, f"{run_path}/goedkeuren", run_path)
    assert approved.status_code == 303
    executed = post_form(second, f"{run_path}/uitvoeren", run_path)
    assert executed.status_code == 303
    done = second.get(executed.headers["location"])
    assert "De betaalrun is uitgevoerd" in done.text
    (link,) = re.findall(r'href="(/betaalruns/\d+/bestanden/[^"]+)"', done.text)
    download = second.get(link)
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("application/xml")
    assert download.headers["content-disposition"].startswith("attachment")
    assert b"pain.001.001.09" in download.content
    assert second.get(f"{run_path}/bestanden/ONTZ-NIET-BESTAAND").status_code == 404

    listed = officer.get(runs)
    assert "Uitgevoerd" in listed.text and run_path in listed.text


def test_a_run_on_a_day_the_bank_does_not_pay_is_refused_in_plain_words(world: ApiWorld) -> None:
    runs = f"/gemeenten/{world.own.world.municipality_id}/betaalruns"
    officer = logged_in(world, "officer")
    saturday = post_form(officer, runs, runs, uitvoerdatum="2026-01-17")
    assert saturday.status_code == 400
    assert "Op 17-01-2026 betaalt de bank niet" in saturday.text
    assert "16-01-2026" in saturday.text
    unreadable = post_form(officer, runs, runs, uitvoerdatum="morgen")
    assert unreadable.status_code == 400 and "Vul een datum in" in unreadable.text
    assert "Er zijn nog geen betaalruns" in officer.get(runs).text


def test_a_statement_is_uploaded_and_an_unmatched_line_is_matched_by_hand(
    world: ApiWorld,
) -> None:
    view = executed_run(world)
    municipality_id = world.own.world.municipality_id
    imports = f"/gemeenten/{municipality_id}/bankafschriften"
    with world.uow() as work:
        (huur,) = [p for p in work.runs.payments_of(view.run.run_id) if p.cost_type == "huur"]
    data = statement(
        [Line(None, huur.amount.cents, remittance="huur januari Haile")], booked_on=TODAY
    )
    officer = logged_in(world, "officer")
    uploaded = officer.post(
        imports,
        data={"csrfToken": csrf_of(officer, imports)},
        files={"bestand": ("afschrift.xml", data, "application/xml")},
        follow_redirects=False,
    )
    assert uploaded.status_code == 303, uploaded.text
    import_path = uploaded.headers["location"].split("?")[0]
    page = officer.get(uploaded.headers["location"])
    assert "Het bankafschrift is ingelezen" in page.text
    assert "Regel 1 koppelen" in page.text and "huur januari Haile" in page.text
    # The sent rent of the same amount is offered as the line's candidate, with a button that
    # sends its EndToEndId, as the one below does by hand.
    assert "Mogelijke betalingen voor regel 1" in page.text
    assert f"Regel 1 koppelen aan {huur.end_to_end_id}" in page.text
    assert f'name="betaling" value="{huur.end_to_end_id}"' in page.text
    assert "afschrift.xml" in officer.get(imports).text

    wrong = post_form(officer, f"{import_path}/regels/1/koppelen", import_path, betaling="ONTZ-X")
    assert wrong.status_code == 400 and "Wij vinden geen betaling" in wrong.text
    matched = post_form(
        officer, f"{import_path}/regels/1/koppelen", import_path, betaling=huur.end_to_end_id
    )
    assert matched.status_code == 303
    after = officer.get(matched.headers["location"])
    assert "De regel is gekoppeld" in after.text and "Met de hand gekoppeld" in after.text
    assert "Alle regels zijn gekoppeld" in after.text
    again = post_form(officer, f"{import_path}/regels/1/koppelen", import_path, betaling="1")
    assert again.status_code == 400 and "Regel 1 is al gekoppeld" in again.text

    same = officer.post(
        imports,
        data={"csrfToken": csrf_of(officer, imports)},
        files={"bestand": ("afschrift.xml", data, "application/xml")},
        follow_redirects=False,
    )
    assert same.headers["location"].endswith("gedaan=al-ingelezen")
    assert "Er is niets veranderd" in officer.get(same.headers["location"]).text


def test_a_bad_or_foreign_statement_file_is_refused_and_nothing_is_imported(
    world: ApiWorld,
) -> None:
    imports = f"/gemeenten/{world.own.world.municipality_id}/bankafschriften"
    officer = logged_in(world, "officer")

    def upload(content: bytes) -> Any:
        return officer.post(
            imports,
            data={"csrfToken": csrf_of(officer, imports)},
            files={"bestand": ("a.xml", content, "application/xml")},
            follow_redirects=False,
        )

    bad = upload(b"<Document>geen afschrift</Document>")
    assert bad.status_code == 400 and "geen goed bankafschrift" in bad.text
    assert "Melding van het systeem" in bad.text
    empty = upload(b"")
    assert empty.status_code == 400 and "Kies eerst een bestand" in empty.text
    foreign = logged_in(world, "officer-utrecht")
    utrecht = f"/gemeenten/{world.foreign.world.municipality_id}/bankafschriften"
    refused = foreign.post(
        utrecht,
        data={"csrfToken": csrf_of(foreign, utrecht)},
        files={"bestand": ("a.xml", statement([Line("X", 100)], booked_on=TODAY), "text/xml")},
        follow_redirects=False,
    )
    assert refused.status_code == 400 and "niet de rekening van de gemeente" in refused.text
    assert "Er zijn nog geen bankafschriften ingelezen" in officer.get(imports).text


def test_the_reports_show_a_chart_with_the_same_figures_in_a_table_and_csv_files(
    world: ApiWorld,
) -> None:
    view = executed_run(world)
    total = view.totals.overall.total
    reports = f"/gemeenten/{world.own.world.municipality_id}/rapportages"
    auditor = logged_in(world, "auditor")
    page = auditor.get(f"{reports}?van=2025-11&tot=2026-01")
    assert page.status_code == 200
    svg = page.text[page.text.index("<svg") : page.text.index("</svg>")]
    assert 'role="img"' in svg and "<title" in svg and "<desc" in svg
    assert svg.count("<rect") == 3
    amount = f"€\u00a0{total.cents // 100:,}".replace(",", ".") + f",{total.cents % 100:02d}"
    assert amount in svg and "januari 2026" in page.text and amount in page.text
    assert "Huishoudens per fase" in page.text and "Open achterstanden" in page.text

    paid = auditor.get(f"{reports}/betaald.csv?van=2026-01&tot=2026-01")
    assert paid.status_code == 200 and paid.headers["content-type"].startswith("text/csv")
    assert paid.text.splitlines()[0] == "month,creditorId,creditorName,costType,paymentCount,amount"
    assert "Woonstad Rotterdam,huur,1,650.00" in paid.text
    phases = auditor.get(f"{reports}/fasen.csv")
    assert phases.text.splitlines()[0] == "phase,name,householdCount"
    arrears = auditor.get(f"{reports}/achterstanden.csv")
    assert arrears.text.startswith("householdId,householdName")
    assert auditor.get(f"{reports}/geheim.csv").status_code == 404

    wrong = auditor.get(f"{reports}?van=2026-03&tot=2026-01")
    assert wrong.status_code == 400 and "De eerste maand komt na de laatste" in wrong.text


def test_an_auditor_reads_the_audit_log_and_downloads_a_period_as_csv(world: ApiWorld) -> None:
    municipality_id = world.own.world.municipality_id
    auditor = logged_in(world, "auditor")
    auditor.get(f"/gemeenten/{municipality_id}/rapportages")
    page = auditor.get(f"/gemeenten/{municipality_id}/auditlog")
    assert page.status_code == 200
    assert "Bekeken" in page.text and f"/gemeenten/{municipality_id}/rapportages" in page.text
    exported = auditor.get(
        f"/gemeenten/{municipality_id}/auditlog.csv?van=2026-01-12&tot=2026-01-12"
    )
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    lines = exported.text.splitlines()
    assert lines[0].startswith("at,userId,userName,role") and len(lines) > 2
    assert "auditor" in exported.text
    too_long = auditor.get(f"/gemeenten/{municipality_id}/auditlog?van=2024-01-01&tot=2026-01-12")
    assert too_long.status_code == 400 and "hoogstens 366 dagen" in too_long.text


def test_only_the_own_municipalitys_officers_and_auditors_reach_these_pages(
    world: ApiWorld,
) -> None:
    view = executed_run(world)
    own = world.own.world.municipality_id
    run_path = f"/betaalruns/{view.run.run_id}"
    auditor = logged_in(world, "auditor")
    assert auditor.get(f"/gemeenten/{own}/auditlog").status_code == 200
    run_page = auditor.get(run_path)
    assert run_page.status_code == 200 and "Betaalrun goedkeuren" not in run_page.text
    assert "Betaalrun klaarzetten" not in auditor.get(f"/gemeenten/{own}/betaalruns").text
    assert "Bankafschrift inlezen" not in auditor.get(f"/gemeenten/{own}/bankafschriften").text
    assert (
        auditor.post(
            f"/gemeenten/{own}/betaalruns",
            data={"csrfToken": csrf_of(auditor, run_path), "uitvoerdatum": "2026-01-13"},
        ).status_code
        == 403
    )
    officer = logged_in(world, "officer")
    assert officer.get(f"/gemeenten/{own}/auditlog").status_code == 403
    foreign = logged_in(world, "officer-utrecht")
    for path in (
        f"/gemeenten/{own}/betaalruns",
        run_path,
        f"{run_path}/bestanden/ONTZ-R1-1",
        f"/gemeenten/{own}/bankafschriften",
        f"/gemeenten/{own}/rapportages",
        f"/gemeenten/{own}/rapportages/betaald.csv",
    ):
        answer = foreign.get(path)
        assert answer.status_code == 403, path
        assert "<h1" in answer.text
    for name in ("coach", "newcomer"):
        assert logged_in(world, name).get(f"/gemeenten/{own}/betaalruns").status_code == 403
    anonymous = TestClient(world.client.app)
    gone = anonymous.get(f"/gemeenten/{own}/rapportages", follow_redirects=False)
    assert gone.status_code == 303 and gone.headers["location"].startswith("/inloggen")


def test_the_pages_in_arabic_are_right_to_left_and_translated(world: ApiWorld) -> None:
    view = executed_run(world)
    own = world.own.world.municipality_id
    officer = logged_in(world, "officer", "ar")
    runs = officer.get(f"/gemeenten/{own}/betaalruns")
    assert 'dir="rtl"' in runs.text and 'lang="ar"' in runs.text
    assert "Betaalrun klaarzetten" not in runs.text
    run_page = officer.get(f"/betaalruns/{view.run.run_id}")
    # Dutch cost names stay visible next to the translation.
    assert '<span lang="nl" dir="ltr" class="ontzorgen-dutch-term">(huur)</span>' in run_page.text
    assert "<bdi>" in run_page.text
    reports = officer.get(f"/gemeenten/{own}/rapportages")
    assert 'role="img"' in reports.text and "يناير 2026" in reports.text


def test_the_chart_is_one_escaped_accessible_svg_with_a_bar_per_month() -> None:
    svg = bar_chart(
        [Bar("01-2026", 100, "€ 1,00"), Bar("02-2026", 0, "€ 0,00"), Bar("<b>", 50, "x")],
        identifier="test",
        title="Betaald <per> maand",
        description="Samen € 1,50.",
    )
    assert svg.startswith("<svg") and svg.count("<rect") == 3
    assert 'role="img"' in svg and 'aria-labelledby="test-titel"' in svg
    assert "Betaald &lt;per&gt; maand" in svg and "&lt;b&gt;" in svg and "<b>" not in svg
    assert "<rect" not in bar_chart([], identifier="leeg", title="t", description="d")
    with pytest.raises(ValueError):
        bar_chart([Bar("x", -1, "-")], identifier="x", title="t", description="d")


def template_messages() -> set[str]:
    """Every ``_("...")`` text in the municipality's templates."""
    found: set[str] = set()
    for template in sorted(TEMPLATES.glob("*.html")):
        for _, message, _, _ in extract_from_file(
            "jinja2.ext.babel_extract", str(template), keywords={"_": None}
        ):
            found.add(message if isinstance(message, str) else message[0])
    return found


@pytest.mark.parametrize("language", CATALOG_LANGUAGES)
def test_every_text_on_the_municipality_pages_is_translated(language: str) -> None:
    messages = template_messages()
    assert len(messages) > 100
    with (PAGES / "locale" / language / "municipality.po").open("rb") as file:
        catalog = read_po(file, locale=language)
    translated = {m.id: m.string for m in catalog if m.id}
    missing = sorted(m for m in messages if not translated.get(m))
    assert not missing, f"{language}: no translation for {missing}"
    for message in messages:
        placeholders = sorted(re.findall(r"%\(\w+\)s", message))
        assert sorted(re.findall(r"%\(\w+\)s", str(translated[message]))) == placeholders, message
