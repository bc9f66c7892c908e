"""The pages in a real browser: Debian's Chromium driven by Playwright against a real server.

One server for the whole session: a fresh SQLite database, migrated and seeded with the demo as it
looks on ``TODAY``, served by uvicorn in a thread with a clock that stands still on that day (so the
pages show the same months on any day, and no session ever times out). One Chromium for the whole
session and one logged-in browser context per demo login, reused by every test: logging in again
or seeding again would only cost time.

Playwright never downloads a browser here (downloads fail on this machine and in CI); it drives
``/usr/bin/chromium`` from Debian's ``chromium`` package, which ``.ci/run`` installs when missing.
axe-core is vendored under ``tests/vendor/axe-core`` and injected into each page checked.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import uvicorn
from fastapi import FastAPI
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright
from sqlalchemy import Engine

from api.app import create_app
from api.pages.templating import LANGUAGE_COOKIE
from ledger.database import make_engine
from ontzorgen import users
from ontzorgen.access import Principal
from ontzorgen.database import upgrade
from ontzorgen.demo import DEMO_LOGINS, DemoLogin, seed_demo
from ontzorgen.unit_of_work import UnitOfWork

CHROMIUM = Path("/usr/bin/chromium")
AXE_SCRIPT = Path(__file__).resolve().parents[1] / "vendor" / "axe-core" / "axe.min.js"
SCREENSHOT_DIRECTORY = Path(__file__).resolve().parents[2] / "build" / "screenshots"
#: The demo as it looks on this day; the server's clock stands still at noon on it.
TODAY = date(2026, 11, 23)
NOON = datetime(2026, 11, 23, 11, 0, tzinfo=UTC)
WCAG_21_AA_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
#: A page that takes longer than this in the browser is a failure of its own.
PAGE_TIMEOUT_MS = 20_000


@dataclass(frozen=True, slots=True)
class Site:
    """The running server: where it listens, its application and its database."""

    base_url: str
    app: FastAPI
    engine: Engine

    def url(self, path: str) -> str:
        return self.base_url + path


@pytest.fixture(scope="session")
def demo_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    directory = tmp_path_factory.mktemp("browser")
    engine = make_engine(f"sqlite:///{directory / 'demo.db'}")
    upgrade(engine)
    seed_demo(engine, TODAY)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def site(demo_engine: Engine) -> Iterator[Site]:
    app = create_app(demo_engine, clock=lambda: NOON)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("The test server did not start within 30 seconds.")
        time.sleep(0.05)
    yield Site(f"http://127.0.0.1:{port}", app, demo_engine)
    server.should_exit = True
    thread.join(timeout=10)
    listener.close()


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's chromium "
            "(apt-get install -y --no-install-recommends chromium); never `playwright install`."
        )
    launched = playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
    )
    yield launched
    launched.close()


def demo_login(name: str) -> DemoLogin:
    return next(login for login in DEMO_LOGINS if login.name == name)


def principal_of(engine: Engine, name: str) -> Principal:
    """Who a demo login is (their household, municipality), read by logging in once directly."""
    login = demo_login(name)
    session = users.login(
        UnitOfWork(engine), login.name, login.password, remote_address="tests", now=NOON
    )
    return session.principal


def log_in(page: Page, site: Site, name: str) -> None:
    """Through the login form, as a person would."""
    login = demo_login(name)
    page.goto(site.url("/inloggen"))
    page.fill("#naam", login.name)
    page.fill("#wachtwoord", login.password)
    with page.expect_navigation():
        page.click("button[type=submit]")
    if page.url.startswith(site.url("/inloggen")):
        raise AssertionError(f"Logging in as {name} failed:\n{page.inner_text('main')}")


def use_language(context: BrowserContext, site: Site, code: str) -> None:
    """The language cookie the /taal/<code> link sets, without a page visit."""
    context.add_cookies([{"name": LANGUAGE_COOKIE, "value": code, "url": site.base_url}])


def switch_language(page: Page, site: Site, code: str, back_to: str) -> None:
    """The way a person does it: the language link, which comes back to the page."""
    page.goto(site.url(f"/taal/{code}?terug={quote(back_to, safe='/')}"))


class Sessions:
    """One logged-in browser context per demo login, made on first use and kept for the session."""

    def __init__(self, browser: Browser, site: Site) -> None:
        self._browser = browser
        self._site = site
        self._contexts: dict[str, BrowserContext] = {}

    def context(self, name: str) -> BrowserContext:
        if name not in self._contexts:
            context = self._browser.new_context(base_url=self._site.base_url, locale="nl-NL")
            context.set_default_timeout(PAGE_TIMEOUT_MS)
            page = context.new_page()
            log_in(page, self._site, name)
            page.close()
            self._contexts[name] = context
        return self._contexts[name]

    def page(self, name: str, language: str = "nl") -> Page:
        """A new tab, logged in as ``name``, with the pages in ``language``."""
        context = self.context(name)
        use_language(context, self._site, language)
        return context.new_page()

    def close(self) -> None:
        for context in self._contexts.values():
            context.close()


@pytest.fixture(scope="session")
def sessions(browser: Browser, site: Site) -> Iterator[Sessions]:
    made = Sessions(browser, site)
    yield made
    made.close()


@pytest.fixture
def anonymous(browser: Browser, site: Site) -> Iterator[BrowserContext]:
    """A browser context without a session: what someone sees before logging in."""
    context = browser.new_context(base_url=site.base_url, locale="nl-NL")
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    yield context
    context.close()


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.0/2.1 A and AA rules on the page as it is now."""
    page.add_script_tag(path=str(AXE_SCRIPT))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']})",
        list(WCAG_21_AA_TAGS),
    )
    violations: list[dict[str, Any]] = result["violations"]
    return violations


def describe_violations(where: str, violations: list[dict[str, Any]]) -> str:
    """Each violation with the elements that fail it, enough for a page author to fix it."""
    lines = [f"{where}: {len(violations)} WCAG 2.1 A/AA violation(s)"]
    for violation in violations:
        lines.append(
            f"  - {violation['id']} ({violation['impact']}): {violation['help']} "
            f"[{violation['helpUrl']}]"
        )
        for node in violation["nodes"][:8]:
            target = " ".join(str(part) for part in node["target"])
            html = re.sub(r"\s+", " ", node["html"])[:300]
            lines.append(f"      at {target}: {html}")
            summary = re.sub(r"\s+", " ", node.get("failureSummary") or "")[:300]
            if summary:
                lines.append(f"        {summary}")
        if len(violation["nodes"]) > 8:
            lines.append(f"      ... and {len(violation['nodes']) - 8} more elements")
    return "\n".join(lines)


def screenshot(page: Page, name: str) -> None:
    """A picture of the whole page under build/screenshots, for people to look at."""
    SCREENSHOT_DIRECTORY.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_")
    page.screenshot(path=str(SCREENSHOT_DIRECTORY / f"{safe}.png"), full_page=True)
