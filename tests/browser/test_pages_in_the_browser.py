"""The pages in Chromium: each role logs in and walks its main paths, a newcomer is kept out of
other households, and every page a role can reach, in Dutch and in Arabic, passes axe-core's
WCAG 2.1 A and AA rules. Each page checked leaves a screenshot in ``build/screenshots``.

The tests share one seeded server and one logged-in context per role (conftest.py); the ones that
change data (a milestone, a payment run) come first, so the sweep over every page sees their
results too.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import pytest
from fastapi.routing import APIRoute
from playwright.sync_api import BrowserContext, FilePayload, Page
from playwright.sync_api import Error as PlaywrightError

from api.pages import PAGE_ROUTERS
from api.pages.templating import menu_of
from ontzorgen import payment_runs, statement_intake
from ontzorgen.demo import MUNICIPALITIES
from ontzorgen.unit_of_work import UnitOfWork
from ontzorgen.views import runs as run_views
from tests.browser.conftest import (
    NOON,
    TODAY,
    Sessions,
    Site,
    axe_violations,
    describe_violations,
    principal_of,
    screenshot,
)
from tests.camt_builder import Line, statement

pytestmark = pytest.mark.browser

#: The four roles, by their demo login (``inkomen2`` is the second officer of the four-eyes rule).
ROLES = ("nieuwkomer", "coach", "inkomen", "accountant")
LANGUAGES = ("nl", "ar")
#: Links the sweep does not follow: they change state, switch language, or are no page of ours.
NOT_FOLLOWED = re.compile(r"^/(uitloggen|taal/|static/|fonts/|v1/)")
#: Links to files: fetched once per route to see they answer, not checked with axe.
A_FILE = re.compile(r"[./](pdf|csv|xml)$")
#: Of many links to the same kind of page (each household, each month), the sweep checks this many.
PAGES_PER_ROUTE_MAX = 2
#: A crawl that finds more pages than this has found a loop (say, "previous month" forever).
PAGES_PER_ROLE_MAX = 80
#: The account tests/camt_builder.py writes statements for, and the demo Rotterdam's own account.
CAMT_BUILDER_IBAN = b"NL14BNGH0285001234"
MUNICIPALITY_IBAN = MUNICIPALITIES[0].bank_iban.encode()


def household_ids(site: Site) -> list[int]:
    with UnitOfWork(site.engine) as uow:
        return list(uow.repository.household_ids())


def assert_accessible(page: Page, where: str) -> None:
    violations = axe_violations(page)
    assert not violations, describe_violations(where, violations)


# --- logging in, and the pages everyone can see ---------------------------------------------------


def test_the_login_page_passes_axe_in_dutch_and_in_arabic(
    anonymous: BrowserContext, site: Site
) -> None:
    page = anonymous.new_page()
    failures = []
    for language in LANGUAGES:
        page.goto(site.url(f"/taal/{language}?terug=/inloggen"))
        assert page.locator("html").get_attribute("lang") == language
        assert page.locator("html").get_attribute("dir") == ("rtl" if language == "ar" else "ltr")
        screenshot(page, f"login-{language}")
        violations = axe_violations(page)
        if violations:
            failures.append(describe_violations(f"/inloggen ({language})", violations))
    assert not failures, "\n".join(failures)


def test_a_wrong_password_shows_a_message_on_an_accessible_page(
    anonymous: BrowserContext, site: Site
) -> None:
    page = anonymous.new_page()
    page.goto(site.url("/taal/nl?terug=/inloggen"))
    page.fill("#naam", "coach")
    page.fill("#wachtwoord", "niet-het-wachtwoord")
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert page.url.endswith("/inloggen")
    assert page.get_by_role("alert").is_visible()
    screenshot(page, "login-wrong-password-nl")
    assert_accessible(page, "/inloggen after a wrong password (nl)")


def test_a_page_without_a_session_leads_to_the_login_page_and_back_after_logging_in(
    anonymous: BrowserContext, site: Site
) -> None:
    page = anonymous.new_page()
    page.goto(site.url("/coach"))
    assert urlsplit(page.url).path == "/inloggen"
    page.fill("#naam", "coach")
    page.fill("#wachtwoord", "demo-coach-2026")
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert urlsplit(page.url).path == "/coach"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_not_found_page_passes_axe(sessions: Sessions, site: Site, language: str) -> None:
    page = sessions.page("coach", language)
    response = page.goto(site.url("/deze-pagina-bestaat-niet"))
    assert response is not None
    assert response.status == 404
    assert page.locator("h1").count() == 1
    screenshot(page, f"error-404-{language}")
    assert_accessible(page, f"the 404 page ({language})")
    page.close()


def test_each_role_logs_in_through_the_form_and_lands_on_its_home_page(
    sessions: Sessions, site: Site
) -> None:
    for name in (*ROLES, "inkomen2"):
        page = sessions.page(name, "nl")
        home = menu_of(principal_of(site.engine, name))[0][1]
        page.goto(site.url(home))
        # A newcomer's "my money" is this month's statement: the home link may lead on.
        lands_on = page.url
        response = page.goto(site.url("/"))
        assert response is not None
        assert response.status == 200, f"{name}: / answered {response.status}"
        assert page.url == lands_on, f"{name} landed on {page.url}, not {lands_on}"
        page.close()


# --- the newcomer -------------------------------------------------------------------------------

ARABIC_LETTER = re.compile(r"[\u0600-\u06ff]")


def test_a_newcomer_sees_this_months_money_the_archive_and_the_pdf_and_switches_to_arabic(
    sessions: Sessions, site: Site
) -> None:
    page = sessions.page("nieuwkomer", "nl")
    page.goto(site.url("/mijn-geld"))
    statement = urlsplit(page.url).path
    assert re.fullmatch(r"/huishoudens/\d+/maandoverzicht/\d{4}-\d{2}", statement), page.url
    assert page.locator("h1").inner_text().startswith("Mijn geld in")
    assert page.locator("main table caption").count() >= 2, "what came in and what was paid"
    screenshot(page, "newcomer-nl-my-money")

    pdf = page.locator("main a[href$='/pdf']").first
    answer = page.context.request.get(site.url(pdf.get_attribute("href") or ""))
    assert answer.status == 200
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.body().startswith(b"%PDF")

    with page.expect_navigation():
        page.locator("header nav a[href='/mijn-geld/archief']").click()
    archive = urlsplit(page.url).path
    assert re.fullmatch(r"/huishoudens/\d+/maandoverzichten", archive), page.url
    months = page.locator("main table a[href*='/maandoverzicht/']")
    assert months.count() >= 2, "a newcomer in the demo has several months of statements"
    older = months.nth(1).get_attribute("href") or ""
    with page.expect_navigation():
        months.nth(1).click()
    assert urlsplit(page.url).path == older
    assert page.locator("html").get_attribute("dir") == "ltr"

    with page.expect_navigation():
        page.locator("header a[hreflang='ar']").click()
    assert urlsplit(page.url).path == older, "the language switch comes back to the same page"
    assert page.locator("html").get_attribute("lang") == "ar"
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert ARABIC_LETTER.search(page.locator("h1").inner_text()), "the heading is in Arabic"
    screenshot(page, "newcomer-ar-older-month")
    page.close()


# --- the coach ----------------------------------------------------------------------------------


def test_a_coach_opens_a_household_from_the_caseload_handles_a_signal_and_records_a_milestone(
    sessions: Sessions, site: Site
) -> None:
    page = sessions.page("coach", "nl")
    page.goto(site.url("/coach"))
    assert page.locator("main table caption").count() >= 1
    first_household = page.locator("main a[href^='/huishoudens/']").first
    with page.expect_navigation():
        first_household.click()
    household = urlsplit(page.url).path
    assert re.fullmatch(r"/huishoudens/\d+", household), page.url

    signal_forms = page.locator("form[action^='/signalen/']")
    open_signals = signal_forms.count()
    assert open_signals >= 1, "the most urgent household in the caseload has no open signal"
    signal_forms.first.locator("textarea").fill("Gebeld met het gezin. De huur is nu geregeld.")
    with page.expect_navigation():
        signal_forms.first.locator("button[type=submit]").click()
    assert urlsplit(page.url).path == household
    assert page.get_by_role("status").inner_text().strip() == "Het signaal is afgehandeld."
    assert page.locator("form[action^='/signalen/']").count() == open_signals - 1
    screenshot(page, "coach-nl-signal-handled")
    assert_accessible(page, f"{household} after handling a signal (nl)")

    milestone_form = page.locator(f"form[action='{household}/mijlpalen']")
    assert milestone_form.count() == 1, "no milestone is left to record for this household"
    chosen = milestone_form.locator("select option").first.inner_text().strip()
    milestone_form.locator("textarea[name=bewijs]").fill("Afspraak bij de bank gezien.")
    with page.expect_navigation():
        milestone_form.locator("button[type=submit]").click()
    assert page.get_by_role("status").inner_text().strip() == "De mijlpaal is opgeslagen."
    recorded = page.locator("#mijlpalen ~ * tr, section tr").filter(has_text=chosen)
    assert "Afspraak bij de bank gezien." in recorded.first.inner_text()
    assert_accessible(page, f"{household} after recording a milestone (nl)")

    milestone_form = page.locator(f"form[action='{household}/mijlpalen']")
    if milestone_form.count() == 1:
        milestone_form.locator("textarea[name=bewijs]").fill("   ")
        milestone_form.locator("textarea[name=bewijs]").evaluate("box => box.required = false")
        with page.expect_navigation():
            milestone_form.locator("button[type=submit]").click()
        assert page.locator(".utrecht-alert--error").count() == 1, "a refusal shows a message"
        screenshot(page, "coach-nl-milestone-refused")
        assert_accessible(page, f"{household} with a refused milestone (nl)")
    page.close()


def test_a_coach_asks_for_a_phase_step_and_decides_the_proposal_with_a_reason(
    sessions: Sessions, site: Site
) -> None:
    page = sessions.page("coach", "nl")
    page.goto(site.url("/coach"))
    households = sorted(
        {
            href
            for href in page.eval_on_selector_all(
                "main a[href^='/huishoudens/']", "links => links.map(a => a.getAttribute('href'))"
            )
            if re.fullmatch(r"/huishoudens/\d+", href)
        }
    )
    decision = page.locator("form[action*='/fasevoorstel/'][action$='/besluit']")
    for household in households:
        page.goto(site.url(household))
        ask = f"form[action='{household}/fasevoorstel']"
        if decision.count() == 0 and page.locator(ask).count() == 1:
            submit(page, ask)
            assert page.get_by_role("status").count() == 1, "asking always gives an answer"
        if decision.count() == 1:
            break
    assert decision.count() == 1, "no household in the demo is ready for a step"
    screenshot(page, "coach-nl-phase-proposal")
    assert_accessible(page, f"{household} with a phase proposal to decide (nl)")

    page.check("#besluit-niet-akkoord")
    page.fill("#reden", "Eerst nog twee maanden zonder achterstand.")
    submit(page, "form[action*='/fasevoorstel/'][action$='/besluit']")
    assert "niet akkoord" in page.get_by_role("status").inner_text()
    assert "Eerst nog twee maanden zonder achterstand." in page.locator("main").inner_text()
    assert_accessible(page, f"{household} after deciding a proposal (nl)")
    page.close()


# --- the income officers and the auditor ---------------------------------------------------------


def submit(page: Page, form: str) -> None:
    with page.expect_navigation():
        page.locator(f"{form} button[type=submit]").click()


def post_as_if_the_button_were_there(page: Page, action: str) -> None:
    """A form the page does not offer, sent anyway (a stale tab, a crafted request)."""
    with page.expect_navigation():
        page.evaluate(
            """action => {
                const form = document.createElement("form");
                form.method = "post";
                form.action = action;
                form.appendChild(document.querySelector("input[name=csrfToken]").cloneNode());
                document.body.appendChild(form);
                form.submit();
            }""",
            action,
        )


def test_an_officer_prepares_a_payment_run_another_approves_it_and_the_file_downloads(
    sessions: Sessions, site: Site
) -> None:
    municipality = municipality_of(site, "inkomen")
    runs = f"/gemeenten/{municipality}/betaalruns"
    page = sessions.page("inkomen", "nl")
    page.goto(site.url(runs))
    assert page.locator("h1").count() == 1
    page.fill("#uitvoerdatum", (TODAY + timedelta(days=1)).isoformat())
    submit(page, f"form[action='{runs}']")
    run = urlsplit(page.url).path
    assert re.fullmatch(r"/betaalruns/\d+", run), page.url
    assert "klaargezet" in page.get_by_role("status").inner_text()
    screenshot(page, "inkomen-nl-run-prepared")
    assert_accessible(page, f"{run} just prepared (nl)")

    # Four eyes: the preparer is told a colleague approves, and approving anyway is refused.
    assert page.locator(f"form[action='{run}/goedkeuren']").count() == 0
    assert page.get_by_text("Een collega moet hem goedkeuren.").count() == 1
    post_as_if_the_button_were_there(page, f"{run}/goedkeuren")
    assert page.get_by_role("alert").count() == 1, "the preparer sees why approving failed"
    assert page.get_by_text("Nog niet goedgekeurd").count() == 1
    screenshot(page, "inkomen-nl-run-approval-refused")
    assert_accessible(page, f"{run} after the preparer tried to approve (nl)")
    page.close()

    second = sessions.page("inkomen2", "nl")
    second.goto(site.url(run))
    submit(second, f"form[action='{run}/goedkeuren']")
    assert "goedgekeurd" in second.get_by_role("status").inner_text()
    submit(second, f"form[action='{run}/uitvoeren']")
    assert "uitgevoerd" in second.get_by_role("status").inner_text()
    screenshot(second, "inkomen2-nl-run-executed")
    assert_accessible(second, f"{run} executed (nl)")

    file_link = second.locator(f"a[href^='{run}/bestanden/']").first
    with second.expect_download() as started:
        file_link.click()
    content = Path(started.value.path()).read_bytes()
    assert b"urn:iso:std:iso:20022:tech:xsd:pain.001.001.09" in content
    second.close()


def municipality_of(site: Site, name: str) -> int:
    municipality = principal_of(site.engine, name).municipality_id
    assert municipality is not None
    return municipality


def an_executed_run(site: Site) -> int:
    """The run the officers' test executed, or one executed here when that test did not run."""
    municipality = municipality_of(site, "inkomen")
    with UnitOfWork(site.engine) as uow:
        found = run_views.runs_of(uow.connection, municipality, before_id=0, limit=20)
    executed = [run.run_id for run in found if run.status == "executed"]
    if executed:
        return executed[0]
    view = payment_runs.prepare_run(
        UnitOfWork(site.engine), municipality, TODAY + timedelta(days=1), actor="inkomen"
    )
    payment_runs.approve_run(UnitOfWork(site.engine), view.run.run_id, actor="inkomen2")
    payment_runs.execute_run(
        UnitOfWork(site.engine), view.run.run_id, actor="inkomen2", today=TODAY, now=NOON
    )
    return view.run.run_id


def test_an_officer_imports_a_bank_statement_and_matches_a_line_by_hand(
    sessions: Sessions, site: Site
) -> None:
    run_id = an_executed_run(site)
    with UnitOfWork(site.engine) as uow:
        paid = run_views.payments_of_run(uow.connection, run_id, after_id=0, limit=2)
    municipality = municipality_of(site, "inkomen")
    camt = statement(
        [
            Line(paid[0].end_to_end_id, paid[0].amount.cents),
            Line(None, paid[1].amount.cents, remittance="Huur november, kenmerk onleesbaar"),
        ],
        booked_on=TODAY,
        statement_id="BROWSER-1",
    ).replace(CAMT_BUILDER_IBAN, MUNICIPALITY_IBAN)
    imports = f"/gemeenten/{municipality}/bankafschriften"
    page = sessions.page("inkomen", "nl")
    page.goto(site.url(imports))
    upload = FilePayload(name="afschrift.xml", mimeType="application/xml", buffer=camt)
    page.set_input_files("#bestand", files=[upload])
    submit(page, f"form[action='{imports}']")
    statement_page = urlsplit(page.url).path
    assert re.fullmatch(r"/bankafschriften/\d+", statement_page), page.url
    by_hand = "form[action*='/koppelen']:not(.ontzorgen-candidate)"
    candidate = "form.ontzorgen-candidate[action*='/koppelen']"
    assert page.locator(by_hand).count() == 1, "one line has no EndToEndId: it waits for a person"
    # The sent payment of the line's amount is offered, with a button that matches it.
    assert page.locator(candidate).count() == 1
    assert paid[1].end_to_end_id in page.locator(f"{candidate} button").inner_text()
    screenshot(page, "inkomen-nl-statement-imported")
    assert_accessible(page, f"{statement_page} with a line to match (nl)")

    page.locator(f"{by_hand} input[name=betaling]").fill("ONTZ-BESTAAT-NIET")
    submit(page, by_hand)
    assert page.get_by_role("alert").count() == 1, "an unknown payment is refused in words"
    assert_accessible(page, f"{statement_page} after an unknown payment (nl)")

    submit(page, candidate)
    assert page.get_by_role("alert").count() == 0, page.locator("main").inner_text()
    assert page.locator("form[action*='/koppelen']").count() == 0
    page.close()


def test_an_auditor_reads_the_reports_with_the_chart_and_the_audit_log(
    sessions: Sessions, site: Site
) -> None:
    municipality = municipality_of(site, "accountant")
    page = sessions.page("accountant", "nl")
    page.goto(site.url("/"))
    assert urlsplit(page.url).path == f"/gemeenten/{municipality}/rapportages"
    chart = page.locator("main svg[role=img]")
    assert chart.count() == 1
    assert chart.get_attribute("aria-labelledby")
    assert page.locator("main svg rect").count() >= 1, "a bar for each month"
    assert page.locator("main table caption").count() >= 1
    assert page.locator("form[method=post]").count() == 1, "only the logout form: an auditor reads"

    with page.expect_navigation():
        page.locator(f"header nav a[href='/gemeenten/{municipality}/auditlog']").click()
    assert page.locator("main table tbody tr").count() >= 1, "today's page visits are logged"
    assert "inkomen2" in page.locator("main").inner_text(), "who approved the run shows up"
    page.close()


# --- a newcomer sees only their own household ------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_newcomer_cannot_open_another_households_pages(
    sessions: Sessions, site: Site, language: str
) -> None:
    own = principal_of(site.engine, "nieuwkomer").household_id
    other = next(household for household in household_ids(site) if household != own)
    page = sessions.page("nieuwkomer", language)
    failures = []
    for path in (f"/huishoudens/{other}", f"/huishoudens/{other}/maandoverzicht/2026-10"):
        response = page.goto(site.url(path))
        assert response is not None
        assert response.status == 403, f"{path} answered {response.status}, not 403"
        assert page.locator("h1").count() == 1
        if language == "nl":
            assert "Deze pagina is niet voor u." in page.locator("main").inner_text()
        screenshot(page, f"error-403-{language}-{path}")
        violations = axe_violations(page)
        if violations:
            failures.append(describe_violations(f"the 403 page {path} ({language})", violations))
    page.close()
    assert not failures, "\n".join(failures)


# --- the sweep: every page each role can reach, in Dutch and in Arabic ---------------------------


@dataclass
class Crawl:
    """The pages a role reaches by following links from its menu, and what went wrong on the way."""

    urls: list[str] = field(default_factory=list)
    broken: list[str] = field(default_factory=list)
    routes: set[str] = field(default_factory=set)
    #: Routes that answered a file to a link (a PDF, a CSV, a payment file), by their template.
    files: set[str] = field(default_factory=set)


def page_routes() -> dict[str, re.Pattern[str]]:
    """Every GET route of the pages (not the API), by its path template."""
    return {
        route.path: route.path_regex
        for router in PAGE_ROUTERS
        for route in router.routes
        if isinstance(route, APIRoute) and "GET" in (route.methods or set())
    }


def route_of(routes: dict[str, re.Pattern[str]], path: str) -> str | None:
    matches = [template for template, pattern in routes.items() if pattern.match(path)]
    # The most specific template wins: /x/{id} and /x/nieuw both match /x/nieuw.
    return min(matches, key=lambda template: template.count("{")) if matches else None


def local_of(url: str) -> str:
    """The path and query of a URL on this site, without the fragment."""
    parts = urlsplit(urldefrag(url)[0])
    return parts.path + (f"?{parts.query}" if parts.query else "")


def check_file(
    page: Page, site: Site, routes: dict[str, re.Pattern[str]], path: str, result: Crawl
) -> None:
    """A file link must answer its file: fetched once per route, with the page's session."""
    template = route_of(routes, urlsplit(path).path)
    if template in result.files:
        return
    answer = page.context.request.get(site.url(path))
    kind = answer.headers.get("content-type", "")
    if answer.status != 200 or kind.startswith("text/html"):
        result.broken.append(f"{path} (a file) answered {answer.status} {kind}")
    elif template is not None:
        result.files.add(template)


def crawl(sessions: Sessions, site: Site, name: str) -> Crawl:
    """Breadth first from the role's menu, same site, GET links only, a few of each route."""
    routes = page_routes()
    result = Crawl()
    page = sessions.page(name, "nl")
    queue = [href for _, href in menu_of(principal_of(site.engine, name))]
    seen = set(queue)
    per_route: Counter[str] = Counter()
    while queue:
        path = queue.pop(0)
        template = route_of(routes, urlsplit(path).path)
        if template is not None:
            if per_route[template] >= PAGES_PER_ROUTE_MAX:
                continue
            per_route[template] += 1
            result.routes.add(template)
        try:
            response = page.goto(site.url(path))
        except PlaywrightError as error:
            # A link to a file the browser downloads instead of showing.
            if "Download is starting" in str(error):
                check_file(page, site, routes, path, result)
                continue
            raise
        status = response.status if response is not None else 0
        kind = (response.headers.get("content-type", "") if response is not None else "") or ""
        if status != 200:
            result.broken.append(f"{path} answered {status}")
            continue
        if not kind.startswith("text/html"):
            continue
        landed = local_of(page.url)
        if landed != path:
            # A link that leads on (the newcomer's "my money" is this month's statement): the
            # page it leads to is checked once, under its own address.
            if landed in seen:
                continue
            seen.add(landed)
            template = route_of(routes, urlsplit(landed).path)
            if template is not None:
                per_route[template] += 1
                result.routes.add(template)
        result.urls.append(landed)
        assert len(result.urls) <= PAGES_PER_ROLE_MAX, f"{name}: more than 80 pages: {result.urls}"
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)"):
            parts = urlsplit(urldefrag(href)[0])
            if f"{parts.scheme}://{parts.netloc}" != site.base_url:
                continue
            local = local_of(href)
            if local in seen or NOT_FOLLOWED.search(parts.path):
                continue
            seen.add(local)
            if A_FILE.search(parts.path):
                check_file(page, site, routes, local, result)
            else:
                queue.append(local)
    page.close()
    return result


class LazyCrawls(dict[str, Crawl]):
    """Each role's crawl on first use, so one role's broken page does not fail the others' tests."""

    def __init__(self, sessions: Sessions, site: Site) -> None:
        super().__init__()
        self._sessions, self._site = sessions, site

    def __missing__(self, name: str) -> Crawl:
        self[name] = crawl(self._sessions, self._site, name)
        return self[name]


def a_statement_import(site: Site) -> None:
    """A bank statement imported, so its page is there to check (the officers' test makes one)."""
    municipality = municipality_of(site, "inkomen")
    run_id = an_executed_run(site)
    with UnitOfWork(site.engine) as uow:
        if run_views.statement_imports_of(uow.connection, municipality, before_id=0, limit=1):
            return
        paid = run_views.payments_of_run(uow.connection, run_id, after_id=0, limit=1)
    camt = statement(
        [Line(paid[0].end_to_end_id, paid[0].amount.cents), Line(None, 1234, remittance="?")],
        booked_on=TODAY,
        statement_id="BROWSER-SWEEP",
    ).replace(CAMT_BUILDER_IBAN, MUNICIPALITY_IBAN)
    statement_intake.import_municipal_statement(
        UnitOfWork(site.engine),
        municipality,
        camt,
        file_name="afschrift.xml",
        actor="inkomen",
        today=TODAY,
    )


@pytest.fixture(scope="module")
def crawls(sessions: Sessions, site: Site) -> dict[str, Crawl]:
    # Pages that exist only once something happened: an executed run, an imported statement.
    an_executed_run(site)
    a_statement_import(site)
    return LazyCrawls(sessions, site)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", ROLES)
def test_every_page_a_role_can_reach_passes_axe(
    sessions: Sessions, site: Site, crawls: dict[str, Crawl], name: str, language: str
) -> None:
    found = crawls[name]
    assert not found.broken, f"{name}: links that do not lead to a page: {found.broken}"
    page = sessions.page(name, language)
    failures = []
    for path in found.urls:
        response = page.goto(site.url(path))
        assert response is not None
        assert response.status == 200, f"{name} {language}: {path} answered {response.status}"
        direction = page.locator("html").get_attribute("dir")
        assert direction == ("rtl" if language == "ar" else "ltr"), f"{path}: dir={direction}"
        assert page.locator("h1").count() == 1, f"{name} {language}: {path} has no single h1"
        screenshot(page, f"{name}-{language}-{path}")
        violations = axe_violations(page)
        if violations:
            failures.append(describe_violations(f"{path} as {name} ({language})", violations))
    page.close()
    assert not failures, "\n\n".join(failures)


def test_the_sweep_reaches_every_page_route(site: Site, crawls: dict[str, Crawl]) -> None:
    """A page nobody can reach by a link, or one added later, must not escape the axe check."""
    pages = set().union(*(crawls[name].routes for name in ROLES))
    files = set().union(*(crawls[name].files for name in ROLES))
    missing = sorted(set(page_routes()) - pages - set(FILE_ROUTES) - set(CHECKED_ELSEWHERE))
    assert not missing, f"page routes no role reaches by a link from its menu: {missing}"
    unlinked = sorted(set(FILE_ROUTES) - files)
    assert not unlinked, f"file routes no page links to (or that do not answer): {unlinked}"


#: GET routes that answer a file to a link, not a page: the sweep fetches each once.
FILE_ROUTES = (
    "/huishoudens/{household_id}/maandoverzicht/{month}/pdf",
    "/betaalruns/{run_id}/bestanden/{message_id}",
    "/gemeenten/{municipality_id}/rapportages/{naam}.csv",
    "/gemeenten/{municipality_id}/auditlog.csv",
)
#: GET routes of the pages the sweep does not reach by links, and where they are checked.
CHECKED_ELSEWHERE = {
    "/": "a redirect to the role's home (test_each_role_logs_in_...)",
    "/taal/{code}": "a redirect back with the language cookie (the newcomer's test)",
    "/inloggen": "test_the_login_page_passes_axe_in_dutch_and_in_arabic",
}
