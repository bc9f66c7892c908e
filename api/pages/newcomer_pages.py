"""The newcomer's pages: "Mijn geld" (my money) for one month, the archive of months, and the
same statement as a PDF to print or show at the counter.

- ``/mijn-geld`` sends a newcomer to their household's newest statement (or says there is none
  yet); ``/mijn-geld/archief`` to their list of months. Staff have no money of their own here:
  they go to their own home page.
- ``/huishoudens/{id}/maandoverzicht/{month}`` (and ``.../pdf``) and ``/huishoudens/{id}/
  maandoverzichten`` need ``READ_HOUSEHOLD`` on the household, as the API's statements do: the
  newcomer of that household, and the staff who reach it.

No rules live here: the statement is ``ontzorgen.monthly_statements``' read model, read as it
stands today; a month without a statement (``NoStatement``) is the 404 page. The words are Dutch
at B1 level through the page's gettext; ``api.pages.statement_pdf`` holds the sentences the page
and the PDF share.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import RedirectResponse

from api.dependencies import TodayDep, UowFactoryDep
from api.pages import statement_pdf as words
from api.pages.templating import menu_of, page_language, render
from api.schemas import MONTH_PATTERN, MonthPath
from api.security import CurrentPrincipal, Granted, require
from ontzorgen.access import Permission, Role
from ontzorgen.monthly_statements import monthly_statement, statement_months
from ontzorgen.months import Month

router = APIRouter(include_in_schema=False)

#: Months per page of the archive: two years.
ARCHIVE_MONTHS_PER_PAGE = 24

#: What each default milestone asks of the newcomer, in plain words (the policy's own titles
#: are short labels for staff). A milestone of another policy shows its title only.
MILESTONE_HELP = {
    "statutory_period_passed": "De eerste zes maanden regelt de gemeente uw vaste lasten altijd.",
    "budgetcursus": "Volg de budgetcursus. Uw budgetcoach vertelt u waar en wanneer.",
    "toeslagen": "Vraag zorgtoeslag en huurtoeslag aan. Het geld moet ook echt binnenkomen.",
    "eigen_betaalrekening": (
        "Open een eigen bankrekening. Zet daar zelf automatische betalingen voor uw rekeningen op."
    ),
    "zelfredzaam_oordeel": "Uw budgetcoach vindt dat u uw rekeningen zelf kunt betalen.",
    "drie_maanden_zonder_achterstand": "Drie maanden achter elkaar zijn alle rekeningen betaald.",
}


def statement_path(household_id: int, month: Month) -> str:
    return f"/huishoudens/{household_id}/maandoverzicht/{month}"


def archive_path(household_id: int) -> str:
    return f"/huishoudens/{household_id}/maandoverzichten"


def _page(
    request: Request, template: str, context: dict[str, Any], *, status_code: int = 200
) -> Response:
    helpers = {
        "words": words,
        "month_name": words.month_name,
        "statement_path": statement_path,
        "archive_path": archive_path,
        "milestone_help": MILESTONE_HELP,
    }
    return render(request, template, {**helpers, **context}, status_code=status_code)


@router.get("/mijn-geld")
def my_money(request: Request, principal: CurrentPrincipal, uow: UowFactoryDep) -> Response:
    """The newest statement of the newcomer's household, or a page that says none is ready."""
    if principal.role is not Role.NEWCOMER or principal.household_id is None:
        return RedirectResponse(menu_of(principal)[0][1], status_code=303)
    newest = statement_months(uow(), principal.household_id, limit=1)
    if newest:
        return RedirectResponse(
            statement_path(principal.household_id, newest[0].month), status_code=303
        )
    return _page(request, "newcomer/no_statement.html", {"household_id": principal.household_id})


@router.get("/mijn-geld/archief")
def my_archive(principal: CurrentPrincipal) -> Response:
    if principal.role is not Role.NEWCOMER or principal.household_id is None:
        return RedirectResponse(menu_of(principal)[0][1], status_code=303)
    return RedirectResponse(archive_path(principal.household_id), status_code=303)


@router.get("/huishoudens/{household_id}/maandoverzicht/{month}")
def statement_page(
    request: Request,
    household_id: int,
    month: MonthPath,
    uow: UowFactoryDep,
    today: TodayDep,
    granted: Annotated[Granted, require(Permission.READ_HOUSEHOLD, "household")],
) -> Response:
    shown = Month.parse(month)
    statement = monthly_statement(uow(), household_id, shown, today=today)
    earlier = statement_months(uow(), household_id, before=shown, limit=1)
    # The month after has a statement when it is the newest before the month after it.
    later = statement_months(uow(), household_id, before=shown.next().next(), limit=1)
    return _page(
        request,
        "newcomer/statement.html",
        {
            "statement": statement,
            "household_id": household_id,
            "previous_month": earlier[0].month if earlier else None,
            "next_month": later[0].month if later and later[0].month != shown else None,
        },
    )


@router.get("/huishoudens/{household_id}/maandoverzicht/{month}/pdf")
def statement_pdf_download(
    request: Request,
    household_id: int,
    month: MonthPath,
    uow: UowFactoryDep,
    today: TodayDep,
    granted: Annotated[Granted, require(Permission.READ_HOUSEHOLD, "household")],
) -> Response:
    statement = monthly_statement(uow(), household_id, Month.parse(month), today=today)
    language = page_language(request, granted.principal)
    body = words.statement_pdf(statement, language.code)
    filename = f"maandoverzicht-{household_id}-{month}-{language.code}.pdf"
    return Response(
        body,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/huishoudens/{household_id}/maandoverzichten")
def archive_page(
    request: Request,
    household_id: int,
    uow: UowFactoryDep,
    granted: Annotated[Granted, require(Permission.READ_HOUSEHOLD, "household")],
    voor: Annotated[str | None, Query(pattern=MONTH_PATTERN)] = None,
) -> Response:
    before = None if voor is None else Month.parse(voor)
    months = statement_months(uow(), household_id, before=before, limit=ARCHIVE_MONTHS_PER_PAGE + 1)
    more = len(months) > ARCHIVE_MONTHS_PER_PAGE
    months = months[:ARCHIVE_MONTHS_PER_PAGE]
    return _page(
        request,
        "newcomer/archive.html",
        {
            "household_id": household_id,
            "months": months,
            "older": months[-1].month if more else None,
            "continued": before is not None,
        },
    )
