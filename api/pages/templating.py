"""Rendering pages: one Jinja2 environment (autoescaped), and per request the language, its
direction, the logged-in user and the CSRF token every form sends back.

Templates call ``_("Dutch text")`` (or ``_("... %(name)s ...", name=value)``) for every text a
person reads; ``euro(money)`` and ``day(date)`` format amounts and dates the Dutch way, as on the
newcomer's letters; on right-to-left pages the templates wrap them in ``<bdi>``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from api.pages.i18n import LANGUAGES, Language, language_of, translations
from ledger.money import Money
from ontzorgen.access import Principal, Role

TEMPLATE_DIRECTORY = Path(__file__).parent / "templates"
LANGUAGE_COOKIE = "ontzorgen_taal"

environment = Environment(
    loader=FileSystemLoader(TEMPLATE_DIRECTORY),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def euro(money: Money) -> str:
    """``€ 1.234,56``: the Dutch way, as on the newcomer's letters and bank statements."""
    sign = "-" if money.cents < 0 else ""
    whole, cents = divmod(abs(money.cents), 100)
    return f"{sign}€\u00a0{whole:,}".replace(",", ".") + f",{cents:02d}"


def day(value: date) -> str:
    return f"{value:%d-%m-%Y}"


def menu_of(principal: Principal) -> list[tuple[str, str]]:
    """(Dutch label, path) of each role's menu; the first is the role's home page."""
    if principal.role is Role.NEWCOMER:
        return [("Mijn geld", "/mijn-geld"), ("Eerdere overzichten", "/mijn-geld/archief")]
    if principal.role is Role.COACH:
        return [("Mijn huishoudens", "/coach")]
    municipality = f"/gemeenten/{principal.municipality_id}"
    if principal.role is Role.AUDITOR:
        return [
            ("Rapportages", f"{municipality}/rapportages"),
            ("Betaalruns", f"{municipality}/betaalruns"),
            ("Auditlog", f"{municipality}/auditlog"),
        ]
    return [
        ("Betaalruns", f"{municipality}/betaalruns"),
        ("Bankafschriften", f"{municipality}/bankafschriften"),
        ("Rapportages", f"{municipality}/rapportages"),
    ]


def gettext_for(language: Language) -> Callable[..., str]:
    catalog = translations(language.code)

    def translate(message: str, **values: Any) -> str:
        text = catalog.gettext(message)
        return text % values if values else text

    return translate


def page_language(request: Request, principal: Principal | None = None) -> Language:
    """The language asked for (cookie), else the household's (set at login), else Dutch."""
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in LANGUAGES:
        return LANGUAGES[chosen]
    preferred: str | None = getattr(request.state, "household_language", None)
    return language_of(preferred)


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> HTMLResponse:
    principal: Principal | None = getattr(request.state, "principal", None)
    language = page_language(request, principal)
    values = {
        "request": request,
        "language": language,
        "languages": LANGUAGES.values(),
        "user": principal,
        "csrf_token": getattr(request.state, "csrf_token", ""),
        "_": gettext_for(language),
        "euro": euro,
        "day": day,
        "path": request.url.path,
        "menu": [] if principal is None else menu_of(principal),
        **(context or {}),
    }
    body = environment.get_template(template).render(values)
    return HTMLResponse(body, status_code=status_code)
