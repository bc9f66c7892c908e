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
from urllib.parse import urldefrag, urlsplit

import pytest
from fastapi.routing import APIRoute
from playwright.sync_api import BrowserContext, Page
from playwright.sync_api import Error as PlaywrightError

from api.pages import PAGE_ROUTERS
from api.pages.templating import menu_of
from ontzorgen.unit_of_work import UnitOfWork
from tests.browser.conftest import (
    Sessions,
    Site,
    axe_violations,
    describe_violations,
    principal_of,
    screenshot,
)

pytestmark = pytest.mark.browser

#: The four roles, by their demo login (``inkomen2`` is the second officer of the four-eyes rule).
ROLES = ("nieuwkomer", "coach", "inkomen", "accountant")
LANGUAGES = ("nl", "ar")
#: Links the sweep does not follow: they change state, switch language, or download a file.
NOT_A_PAGE = re.compile(r"^/(uitloggen|taal/|static/|fonts/|v1/)|[./](pdf|csv|xml)$")
#: Of many links to the same kind of page (each household, each month), the sweep checks this many.
PAGES_PER_ROUTE_MAX = 2
#: A crawl that finds more pages than this has found a loop (say, "previous month" forever).
PAGES_PER_ROLE_MAX = 80


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
        response = page.goto(site.url("/"))
        assert response is not None
        assert response.status == 200, f"{name}: {home} answered {response.status}"
        assert urlsplit(page.url).path == home, f"{name} landed on {page.url}, not {home}"
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
    downloads: list[str] = field(default_factory=list)


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
            # A link to a file (a PDF, a payment file) the browser downloads instead of showing.
            if "Download is starting" in str(error):
                result.downloads.append(path)
                continue
            raise
        status = response.status if response is not None else 0
        kind = (response.headers.get("content-type", "") if response is not None else "") or ""
        if status != 200:
            result.broken.append(f"{path} answered {status}")
            continue
        if not kind.startswith("text/html"):
            continue
        result.urls.append(path)
        assert len(result.urls) <= PAGES_PER_ROLE_MAX, f"{name}: more than 80 pages: {result.urls}"
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)"):
            url, _ = urldefrag(href)
            parts = urlsplit(url)
            if f"{parts.scheme}://{parts.netloc}" != site.base_url:
                continue
            local = parts.path + (f"?{parts.query}" if parts.query else "")
            if NOT_A_PAGE.search(parts.path) or local in seen:
                continue
            seen.add(local)
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


@pytest.fixture(scope="module")
def crawls(sessions: Sessions, site: Site) -> dict[str, Crawl]:
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
    reached = set().union(*(crawls[name].routes for name in ROLES))
    not_pages = {"/", "/taal/{code}"}
    missing = sorted(set(page_routes()) - reached - not_pages - set(DOWNLOAD_ROUTES))
    assert not missing, f"page routes no role reaches by a link from its menu: {missing}"


#: GET routes that answer a file, not a page (checked by the main-path tests instead).
DOWNLOAD_ROUTES: tuple[str, ...] = ()
