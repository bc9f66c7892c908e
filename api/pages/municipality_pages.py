"""The municipality's pages: the income officer's payment runs and bank statements, and the reports
and audit log that the officer and the auditor read.

- ``/gemeenten/{id}/betaalruns``: the runs, newest first, and a form to prepare one;
  ``/betaalruns/{id}``: one run's totals, the households held back and with arrears, its files,
  and the forms to approve (by another person than the preparer: four-eyes) and to execute it;
- ``/gemeenten/{id}/bankafschriften``: the imported camt.053 statements and an upload form;
  ``/bankafschriften/{id}``: its lines, and a form for each unmatched line to match it by hand;
- ``/gemeenten/{id}/rapportages``: households per phase, open arrears and what was paid per month
  (a bar chart as inline SVG with the same figures in a table), with CSV downloads;
- ``/gemeenten/{id}/auditlog``: the audit log of a period, and its CSV export.

No rules live here: each page reads the read models (``ontzorgen.views``, ``ontzorgen.audit``) and
each form calls one use case (``ontzorgen.payment_runs``, ``ontzorgen.statement_intake``). When the
domain refuses, the page is shown again with the reason in plain words (``municipality/
_problem.html``) and the status of ``api.errors``; nothing is half-done. A success answers 303.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Annotated, Any

from babel.dates import format_date
from fastapi import APIRouter, Form, HTTPException, Path, Query, Request, Response, UploadFile
from fastapi.responses import RedirectResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from api.dependencies import AMSTERDAM, TodayDep, UowFactoryDep
from api.errors import status_of
from api.pages.chart import Bar, bar_chart
from api.pages.templating import euro, page_language, render
from api.payment_files import MESSAGE_ID_PATTERN, payment_file_response
from api.report_exports import (
    AUDIT_PERIOD_DAYS_MAX,
    PAID_REPORT_MONTHS_MAX,
    arrears_csv,
    audit_csv,
    audit_moments,
    audit_period_too_long,
    paid_csv,
    paid_period_too_long,
    phases_csv,
)
from api.security import Granted, now_utc, require
from ledger.money import Money
from ontzorgen import audit, payment_runs, statement_intake
from ontzorgen.access import PERMISSIONS, Permission, Principal
from ontzorgen.business_days import NotABusinessDay
from ontzorgen.camt import STATEMENT_SIZE_MAX_BYTES, InvalidStatementFile
from ontzorgen.errors import OntzorgenError
from ontzorgen.months import Month
from ontzorgen.routines import next_business_day
from ontzorgen.runs import (
    FourEyesViolation,
    NoBankAccount,
    PaymentKind,
    RunAlreadyApproved,
    RunNotApproved,
)
from ontzorgen.signals import SignalKind
from ontzorgen.statement_intake import StatementOfAnotherAccount
from ontzorgen.statements import UnknownPayment, UnknownStatementLine
from ontzorgen.unit_of_work import UnitOfWork
from ontzorgen.views import reports
from ontzorgen.views import runs as run_views

router = APIRouter(include_in_schema=False)

#: Limits on everything a page shows; each list links on to the next part.
RUNS_PER_PAGE = 20
IMPORTS_PER_PAGE = 20
LINES_PER_PAGE = 100
UNMATCHED_LINES_SHOWN = 50
ARREARS_HOUSEHOLDS_SHOWN = 50
AUDIT_ROWS_PER_PAGE = 100
CREDITORS_SHOWN = 100
#: Default period of the paid report: this month and the eleven before it.
PAID_MONTHS_DEFAULT = 12
PAYMENT_TEXT_MAX = 40
#: Notices a page shows after a form did its work (``?gedaan=``); anything else shows nothing.
RUN_NOTICES = frozenset({"klaargezet", "goedgekeurd", "uitgevoerd"})
IMPORT_NOTICES = frozenset({"ingelezen", "al-ingelezen", "gekoppeld"})
REPORT_NAMES = ("fasen", "achterstanden", "betaald")


@dataclass(frozen=True, slots=True)
class Problem:
    """Why a form was refused, for ``municipality/_problem.html`` to say in plain words."""

    kind: str
    values: dict[str, Any] = field(default_factory=dict)
    #: The domain's own message (English, for staff), shown under the plain words.
    detail: str = ""


def _problem_of(error: OntzorgenError) -> Problem:
    if isinstance(error, NotABusinessDay):
        return Problem("geen-werkdag", {"day": error.on, "previous": error.previous})
    if isinstance(error, NoBankAccount):
        return Problem("geen-rekening")
    if isinstance(error, FourEyesViolation):
        return Problem("vier-ogen", {"name": error.actor})
    if isinstance(error, RunAlreadyApproved):
        return Problem("al-goedgekeurd", {"name": error.approved_by or ""})
    if isinstance(error, RunNotApproved):
        return Problem("niet-goedgekeurd")
    if isinstance(error, InvalidStatementFile):
        return Problem("slecht-bestand", detail=str(error))
    if isinstance(error, StatementOfAnotherAccount):
        return Problem("andere-rekening", {"iban": error.statement_iban})
    if isinstance(error, UnknownPayment):
        return Problem("onbekende-betaling", {"payment": error.payment_id})
    if isinstance(error, UnknownStatementLine):
        return Problem("onbekende-regel", {"position": error.position})
    return Problem("anders", detail=str(error))


def _refusal_status(error: OntzorgenError) -> int:
    """The API's status for the refusal; a thing typed in that does not exist is a 400 here:
    the page exists, what was filled in is wrong."""
    status = status_of(error)
    return 400 if status == 404 else status


def _may(principal: Principal, permission: Permission) -> bool:
    return principal.role in PERMISSIONS[permission]


def _moment(value: datetime | None) -> str:
    """A timestamp in the Netherlands' time, the Dutch way."""
    if value is None:
        return ""
    return f"{value.astimezone(AMSTERDAM):%d-%m-%Y %H:%M}"


def _cents_text(cents: int) -> str:
    """Like ``euro``, for sums over many months that may pass a single amount's range."""
    if abs(cents) <= 1_000_000_000_000:
        return euro(Money(cents))
    sign = "-" if cents < 0 else ""
    whole, rest = divmod(abs(cents), 100)
    return f"{sign}€\u00a0{whole:,}".replace(",", ".") + f",{rest:02d}"


def _month_namer(request: Request) -> Callable[[Month | str], str]:
    """``januari 2026`` in the page's language (``2026-01`` when it is not a month)."""
    code = page_language(request).code

    def month_name(month: Month | str) -> str:
        try:
            parsed = month if isinstance(month, Month) else Month.parse(month)
        except ValueError:
            return str(month)
        return format_date(parsed.first_day, "LLLL y", locale=code)

    return month_name


def _municipality_name(work: UnitOfWork, municipality_id: int) -> str:
    return work.repository.get_municipality(municipality_id).name


# -- payment runs -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RunRow:
    run_id: int
    execution_on: date
    status: str
    prepared_by: str
    payment_count: int
    total: Money


def _run_rows(work: UnitOfWork, municipality_id: int, before_id: int) -> list[RunRow]:
    rows = []
    for run in run_views.runs_of(
        work.connection, municipality_id, before_id=before_id, limit=RUNS_PER_PAGE
    ):
        # One grouped query per run: a count and sum per payee and cost type, some 50 rows.
        tallies = work.runs.payment_tallies(run.run_id)
        rows.append(
            RunRow(
                run.run_id,
                run.execution_on,
                run.status,
                run.prepared_by,
                sum(count for _, _, count, _ in tallies),
                Money(sum(cents for _, _, _, cents in tallies)),
            )
        )
    return rows


def _runs_page(
    request: Request,
    uow: UowFactoryDep,
    principal: Principal,
    municipality_id: int,
    today: date,
    *,
    before_id: int = 0,
    chosen_on: date | None = None,
    problem: Problem | None = None,
    status_code: int = 200,
) -> Response:
    with uow() as work:
        name = _municipality_name(work, municipality_id)
        runs = _run_rows(work, municipality_id, before_id)
    return render(
        request,
        "municipality/runs.html",
        {
            "municipality_id": municipality_id,
            "municipality_name": name,
            "runs": runs,
            "older": runs[-1].run_id if len(runs) == RUNS_PER_PAGE else None,
            "first_page": before_id == 0,
            "may_prepare": _may(principal, Permission.PREPARE_RUN),
            "execution_on": chosen_on or next_business_day(today),
            "problem": problem,
        },
        status_code=status_code,
    )


@router.get("/gemeenten/{municipality_id}/betaalruns")
def runs_page(
    municipality_id: int,
    request: Request,
    uow: UowFactoryDep,
    today: TodayDep,
    granted: Annotated[Granted, require(Permission.READ_RUNS, "municipality")],
    voor: Annotated[int, Query(ge=0, le=2**62)] = 0,
) -> Response:
    return _runs_page(request, uow, granted.principal, municipality_id, today, before_id=voor)


@router.post("/gemeenten/{municipality_id}/betaalruns")
def prepare_run(
    municipality_id: int,
    request: Request,
    uow: UowFactoryDep,
    today: TodayDep,
    granted: Annotated[Granted, require(Permission.PREPARE_RUN, "municipality")],
    uitvoerdatum: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    try:
        execution_on = date.fromisoformat(uitvoerdatum)
    except ValueError:
        return _runs_page(
            request,
            uow,
            granted.principal,
            municipality_id,
            today,
            problem=Problem("datum-onleesbaar"),
            status_code=400,
        )
    try:
        view = payment_runs.prepare_run(
            uow(), municipality_id, execution_on, actor=granted.principal.name
        )
    except OntzorgenError as refused:
        return _runs_page(
            request,
            uow,
            granted.principal,
            municipality_id,
            today,
            chosen_on=execution_on,
            problem=_problem_of(refused),
            status_code=_refusal_status(refused),
        )
    return RedirectResponse(f"/betaalruns/{view.run.run_id}?gedaan=klaargezet", status_code=303)


#: Why a household is held back, by the blocking signal's kind (``payment_runs.prepare_run``).
HELD_BACK_PREFIX = "open signal: "


def _held_back_kinds(reason: str) -> list[str]:
    """The signal kinds in a held-back reason; an unknown reason is kept as it is."""
    if not reason.startswith(HELD_BACK_PREFIX):
        return [reason]
    return [kind.strip() for kind in reason[len(HELD_BACK_PREFIX) :].split(",") if kind.strip()]


@dataclass(frozen=True, slots=True)
class PayeeTally:
    name: str
    payment_count: int
    total: Money


def _run_page(
    request: Request,
    uow: UowFactoryDep,
    principal: Principal,
    run_id: int,
    *,
    notice: str | None = None,
    problem: Problem | None = None,
    status_code: int = 200,
) -> Response:
    view = payment_runs.show_run(uow(), run_id)
    run = view.run
    with uow() as work:
        moments = run_views.run_moments(work.connection, run_id)
        tallies = work.runs.payment_tallies(run_id)
        name = _municipality_name(work, run.municipality_id)
    # Leefgeld goes to each newcomer; the creditor table shows creditors and leefgeld as one line.
    per_creditor: dict[str, tuple[int, int]] = defaultdict(lambda: (0, 0))
    leefgeld_count, leefgeld_cents = 0, 0
    for payee, cost_type, count, cents in tallies:
        if cost_type is None:
            leefgeld_count, leefgeld_cents = leefgeld_count + count, leefgeld_cents + cents
        else:
            known = per_creditor[payee]
            per_creditor[payee] = (known[0] + count, known[1] + cents)
    creditors = [
        PayeeTally(payee, count, Money(cents))
        for payee, (count, cents) in sorted(per_creditor.items())
    ]
    return render(
        request,
        "municipality/run.html",
        {
            "run": run,
            "municipality_name": name,
            "moments": moments,
            "totals": view.totals,
            "creditors": creditors[:CREDITORS_SHOWN],
            "creditors_left_out": max(0, len(creditors) - CREDITORS_SHOWN),
            "leefgeld": PayeeTally(
                PaymentKind.LEEFGELD.value, leefgeld_count, Money(leefgeld_cents)
            ),
            "held_back": [
                (int(household), _held_back_kinds(reason))
                for household, reason in sorted(run.held_back.items(), key=lambda h: int(h[0]))
            ],
            "with_arrears": view.households_with_arrears,
            "files": view.files,
            "may_approve": _may(principal, Permission.APPROVE_RUN),
            "may_execute": _may(principal, Permission.EXECUTE_RUN),
            "is_preparer": principal.name == run.prepared_by,
            "notice": notice if notice in RUN_NOTICES else None,
            "problem": problem,
            "moment": _moment,
            "signal_kinds": {kind.value for kind in SignalKind},
        },
        status_code=status_code,
    )


@router.get("/betaalruns/{run_id}")
def run_page(
    run_id: int,
    request: Request,
    uow: UowFactoryDep,
    granted: Annotated[Granted, require(Permission.READ_RUNS, "run")],
    gedaan: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    return _run_page(request, uow, granted.principal, run_id, notice=gedaan)


def _run_step(
    request: Request,
    uow: UowFactoryDep,
    principal: Principal,
    run_id: int,
    step: Callable[[], object],
    *,
    notice: str,
) -> Response:
    """One step of the run's life (a use case); its refusal shows the run page again."""
    try:
        step()
    except OntzorgenError as refused:
        return _run_page(
            request,
            uow,
            principal,
            run_id,
            problem=_problem_of(refused),
            status_code=_refusal_status(refused),
        )
    return RedirectResponse(f"/betaalruns/{run_id}?gedaan={notice}", status_code=303)


@router.post("/betaalruns/{run_id}/goedkeuren")
def approve_run(
    run_id: int,
    request: Request,
    uow: UowFactoryDep,
    granted: Annotated[Granted, require(Permission.APPROVE_RUN, "run")],
) -> Response:
    return _run_step(
        request,
        uow,
        granted.principal,
        run_id,
        lambda: payment_runs.approve_run(uow(), run_id, actor=granted.principal.name),
        notice="goedgekeurd",
    )


@router.post("/betaalruns/{run_id}/uitvoeren")
def execute_run(
    run_id: int,
    request: Request,
    uow: UowFactoryDep,
    today: TodayDep,
    granted: Annotated[Granted, require(Permission.EXECUTE_RUN, "run")],
) -> Response:
    return _run_step(
        request,
        uow,
        granted.principal,
        run_id,
        lambda: payment_runs.execute_run(
            uow(), run_id, actor=granted.principal.name, today=today, now=now_utc(request)
        ),
        notice="uitgevoerd",
    )


@router.get("/betaalruns/{run_id}/bestanden/{message_id}")
def download_payment_file(
    run_id: int,
    message_id: Annotated[str, Path(pattern=MESSAGE_ID_PATTERN)],
    uow: UowFactoryDep,
    granted: Annotated[Granted, require(Permission.READ_RUNS, "run")],
) -> Response:
    """The pain.001.001.09 file, byte for byte as stored, to hand to the bank."""
    return payment_file_response(uow, run_id, message_id)


# -- bank statements ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ImportRow:
    summary: run_views.StatementImportSummary
    counts: dict[str, int]


def _imports_page(
    request: Request,
    uow: UowFactoryDep,
    principal: Principal,
    municipality_id: int,
    *,
    before_id: int = 0,
    problem: Problem | None = None,
    status_code: int = 200,
) -> Response:
    with uow() as work:
        name = _municipality_name(work, municipality_id)
        found = run_views.statement_imports_of(
            work.connection, municipality_id, before_id=before_id, limit=IMPORTS_PER_PAGE
        )
        imports = [ImportRow(s, work.runs.statement_line_counts(s.import_id)) for s in found]
    return render(
        request,
        "municipality/imports.html",
        {
            "municipality_id": municipality_id,
            "municipality_name": name,
            "imports": imports,
            "older": found[-1].import_id if len(found) == IMPORTS_PER_PAGE else None,
            "first_page": before_id == 0,
            "may_import": _may(principal, Permission.IMPORT_STATEMENT),
            "problem": problem,
            "moment": _moment,
            "size_max_megabytes": STATEMENT_SIZE_MAX_BYTES // 1_000_000,
        },
        status_code=status_code,
    )


@router.get("/gemeenten/{municipality_id}/bankafschriften")
def imports_page(
    municipality_id: int,
    request: Request,
    uow: UowFactoryDep,
    granted: Annotated[Granted, require(Permission.READ_STATEMENT_IMPORTS, "municipality")],
    voor: Annotated[int, Query(ge=0, le=2**62)] = 0,
) -> Response:
    return _imports_page(request, uow, granted.principal, municipality_id, before_id=voor)


@router.post("/gemeenten/{municipality_id}/bankafschriften")
async def import_statement(
    municipality_id: int,
    request: Request,
    uow: UowFactoryDep,
    today: TodayDep,
    granted: Annotated[Granted, require(Permission.IMPORT_STATEMENT, "municipality")],
    bestand: UploadFile,
) -> Response:
    data = await bestand.read(STATEMENT_SIZE_MAX_BYTES + 1)
    problem = None
    if not data:
        problem = Problem("geen-bestand")
    elif len(data) > STATEMENT_SIZE_MAX_BYTES:
        problem = Problem("te-groot", {"megabytes": STATEMENT_SIZE_MAX_BYTES // 1_000_000})
    if problem is not None:
        return await run_in_threadpool(
            _imports_page,
            request,
            uow,
            granted.principal,
            municipality_id,
            problem=problem,
            status_code=400,
        )
    file_name = (bestand.filename or "afschrift.xml").replace("/", "_").replace("\\", "_")[:200]
    try:
        # The import parses and books synchronously; it runs off the event loop.
        result = await run_in_threadpool(
            lambda: statement_intake.import_municipal_statement(
                uow(),
                municipality_id,
                data,
                file_name=file_name or "afschrift.xml",
                actor=granted.principal.name,
                today=today,
            )
        )
    except OntzorgenError as refused:
        refusal, status_code = _problem_of(refused), _refusal_status(refused)
        return await run_in_threadpool(
            lambda: _imports_page(
                request,
                uow,
                granted.principal,
                municipality_id,
                problem=refusal,
                status_code=status_code,
            )
        )
    notice = "al-ingelezen" if result.replayed else "ingelezen"
    return RedirectResponse(f"/bankafschriften/{result.import_id}?gedaan={notice}", status_code=303)


def _import_page(
    request: Request,
    uow: UowFactoryDep,
    granted: Granted,
    import_id: int,
    *,
    after_position: int = 0,
    notice: str | None = None,
    problem: Problem | None = None,
    problem_position: int | None = None,
    typed: str = "",
    status_code: int = 200,
) -> Response:
    municipality_ids = granted.scope.municipality_ids
    with uow() as work:
        summary = run_views.statement_import(work.connection, import_id)
        if summary is None:
            raise HTTPException(404, f"There is no statement import with id {import_id}.")
        counts = work.runs.statement_line_counts(import_id)
        unmatched = run_views.statement_lines_of(
            work.connection,
            import_id,
            match_status="unmatched",
            after_position=0,
            limit=UNMATCHED_LINES_SHOWN,
        )
        lines = run_views.statement_lines_of(
            work.connection,
            import_id,
            match_status=None,
            after_position=after_position,
            limit=LINES_PER_PAGE,
        )
        candidates = run_views.candidates_for_lines(work.connection, import_id, unmatched)
    return render(
        request,
        "municipality/import.html",
        {
            "summary": summary,
            "counts": counts,
            "unmatched": unmatched,
            "candidates": candidates,
            "unmatched_left_out": max(0, counts.get("unmatched", 0) - len(unmatched)),
            "lines": lines,
            "next_position": lines[-1].position if len(lines) == LINES_PER_PAGE else None,
            "first_page": after_position == 0,
            "may_match": _may(granted.principal, Permission.MATCH_BY_HAND),
            "notice": notice if notice in IMPORT_NOTICES else None,
            "problem": problem,
            "problem_position": problem_position,
            "typed": typed,
            "moment": _moment,
            "municipality_id": min(municipality_ids),
        },
        status_code=status_code,
    )


@router.get("/bankafschriften/{import_id}")
def import_page(
    import_id: int,
    request: Request,
    uow: UowFactoryDep,
    granted: Annotated[Granted, require(Permission.READ_STATEMENT_IMPORTS, "statement-import")],
    na: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
    gedaan: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    return _import_page(request, uow, granted, import_id, after_position=na, notice=gedaan)


def _payment_id_of(work: UnitOfWork, typed: str) -> int | None:
    """A payment number as typed, or the payment with this EndToEndId (as on the statement)."""
    if typed.isdigit():
        return int(typed) if 1 <= int(typed) <= 2**62 else None
    found = work.runs.payments_by_end_to_end_id([typed])
    return found[typed].payment_id if typed in found else None


@router.post("/bankafschriften/{import_id}/regels/{position}/koppelen")
def match_by_hand(
    import_id: int,
    position: Annotated[int, Path(ge=1, le=2**31 - 1)],
    request: Request,
    uow: UowFactoryDep,
    granted: Annotated[Granted, require(Permission.MATCH_BY_HAND, "statement-import")],
    betaling: Annotated[str, Form(max_length=PAYMENT_TEXT_MAX)] = "",
) -> Response:
    typed = betaling.strip()
    with uow() as work:
        payment_id = _payment_id_of(work, typed) if typed else None
    try:
        if payment_id is None:
            raise UnknownPayment(0)
        statement_intake.match_by_hand_within(
            uow(),
            granted.scope.municipality_ids,
            import_id,
            position,
            payment_id,
            actor=granted.principal.name,
        )
    except OntzorgenError as refused:
        problem = _problem_of(refused)
        if isinstance(refused, UnknownPayment):
            problem = Problem("onbekende-betaling", {"payment": typed})
        return _import_page(
            request,
            uow,
            granted,
            import_id,
            problem=problem,
            problem_position=position,
            typed=typed,
            status_code=_refusal_status(refused),
        )
    return RedirectResponse(f"/bankafschriften/{import_id}?gedaan=gekoppeld", status_code=303)


# -- reports ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PhaseRow:
    phase: int | None
    name: str | None
    household_count: int


@dataclass(frozen=True, slots=True)
class MonthTotal:
    month: Month
    payment_count: int
    cents: int


@dataclass(frozen=True, slots=True)
class CostTypeTotal:
    month: str
    cost_type: str
    payment_count: int
    cents: int


def _phase_rows(work: UnitOfWork, municipality_id: int, today: date) -> list[PhaseRow]:
    """Every phase of the ladder with its count (zero too), and households without a phase."""
    ladder = work.repository.get_municipality(municipality_id).policy.ladder
    report = reports.phase_report(work.connection, ladder, municipality_id, today)
    return [
        *(PhaseRow(p.phase, p.name, p.household_count) for p in report.phases),
        PhaseRow(None, None, report.without_phase_count),
    ]


def _period_months(van: str | None, tot: str | None, today: date) -> tuple[Month, Month] | Problem:
    last = Month.of(today)
    first = last.plus(-(PAID_MONTHS_DEFAULT - 1))
    try:
        first = Month.parse(van) if van else first
        last = Month.parse(tot) if tot else last
    except ValueError:
        return Problem("maand-onleesbaar")
    if last < first:
        return Problem("maanden-volgorde")
    if paid_period_too_long(first, last):
        return Problem("te-veel-maanden", {"count": PAID_REPORT_MONTHS_MAX})
    return first, last


def _months_between(first: Month, last: Month) -> list[Month]:
    months = [first]
    while months[-1] < last:
        months.append(months[-1].next())
    return months


@router.get("/gemeenten/{municipality_id}/rapportages")
def reports_page(
    municipality_id: int,
    request: Request,
    uow: UowFactoryDep,
    today: TodayDep,
    granted: Annotated[Granted, require(Permission.READ_REPORTS, "municipality")],
    van: Annotated[str | None, Query(max_length=7)] = None,
    tot: Annotated[str | None, Query(max_length=7)] = None,
) -> Response:
    period = _period_months(van, tot, today)
    problem = period if isinstance(period, Problem) else None
    if isinstance(period, Problem):
        period = _period_months(None, None, today)
        assert not isinstance(period, Problem)
    first, last = period
    with uow() as work:
        name = _municipality_name(work, municipality_id)
        phases = _phase_rows(work, municipality_id, today)
        arrears = reports.open_arrears(
            work.connection,
            municipality_id,
            after_household_id=0,
            household_limit=ARREARS_HOUSEHOLDS_SHOWN,
        )
        paid = reports.paid_per_month(work.connection, municipality_id, first, last)
    per_month: dict[str, tuple[int, int]] = defaultdict(lambda: (0, 0))
    per_cost_type: dict[tuple[str, str], tuple[int, int]] = defaultdict(lambda: (0, 0))
    for total in paid:
        count, cents = per_month[total.month]
        per_month[total.month] = (count + total.payment_count, cents + total.amount.cents)
        count, cents = per_cost_type[(total.month, total.cost_type)]
        per_cost_type[(total.month, total.cost_type)] = (
            count + total.payment_count,
            cents + total.amount.cents,
        )
    month_totals = [
        MonthTotal(month, *per_month.get(str(month), (0, 0)))
        for month in _months_between(first, last)
    ]
    highest = max(month_totals, key=lambda total: total.cents)
    month_name = _month_namer(request)
    return render(
        request,
        "municipality/reports.html",
        {
            "municipality_id": municipality_id,
            "municipality_name": name,
            "today": today,
            "first": first,
            "last": last,
            "problem": problem,
            "phases": phases,
            "arrears": arrears,
            "arrears_households": len({a.household_id for a in arrears}),
            "arrears_more": len({a.household_id for a in arrears}) == ARREARS_HOUSEHOLDS_SHOWN,
            "paid": paid,
            "month_totals": month_totals,
            "paid_total": _cents_text(sum(t.cents for t in month_totals)),
            "cost_type_totals": [
                CostTypeTotal(month, cost_type, count, cents)
                for (month, cost_type), (count, cents) in sorted(per_cost_type.items())
            ],
            "highest_cents": highest.cents,
            "highest_text": _cents_text(highest.cents),
            "highest_month": month_name(highest.month),
            "cents_text": _cents_text,
            "month_name": month_name,
            "chart": _paid_chart,
        },
        status_code=400 if problem is not None else 200,
    )


def _paid_chart(month_totals: list[MonthTotal], title: str, description: str) -> Any:
    """The SVG of paid amounts per month (the template passes the translated words)."""
    return bar_chart(
        [
            Bar(f"{t.month.month:02d}-{t.month.year}", t.cents, _cents_text(t.cents))
            for t in month_totals
        ],
        identifier="betaald-per-maand",
        title=title,
        description=description,
    )


@router.get("/gemeenten/{municipality_id}/rapportages/{naam}.csv")
def report_csv(
    municipality_id: int,
    naam: str,
    uow: UowFactoryDep,
    today: TodayDep,
    granted: Annotated[Granted, require(Permission.READ_REPORTS, "municipality")],
    van: Annotated[str | None, Query(max_length=7)] = None,
    tot: Annotated[str | None, Query(max_length=7)] = None,
) -> Response:
    """The reports as the API writes them with ``Accept: text/csv``, for a plain link."""
    if naam == "fasen":
        with uow() as work:
            phases = _phase_rows(work, municipality_id, today)
        return phases_csv(municipality_id, today, phases)
    if naam == "achterstanden":
        return arrears_csv(uow, municipality_id, today)
    if naam != "betaald":
        raise HTTPException(404, f"There is no report {naam!r}.")
    period = _period_months(van, tot, today)
    if isinstance(period, Problem):
        raise HTTPException(
            400, "Give the months as YYYY-MM, 'van' before 'tot', ten years at most."
        )
    first, last = period
    with uow() as work:
        totals = reports.paid_per_month(work.connection, municipality_id, first, last)
    return paid_csv(municipality_id, str(first), str(last), totals)


# -- the audit log ------------------------------------------------------------------------------


def _audit_period(first: date, last: date) -> tuple[datetime, datetime] | Problem:
    """From ``first`` 00:00 to the end of ``last``, Amsterdam time, as in the API."""
    if last < first:
        return Problem("dagen-volgorde")
    if audit_period_too_long(first, last):
        return Problem("te-veel-dagen", {"count": AUDIT_PERIOD_DAYS_MAX})
    return audit_moments(first, last)


@router.get("/gemeenten/{municipality_id}/auditlog")
def audit_log_page(
    municipality_id: int,
    request: Request,
    uow: UowFactoryDep,
    today: TodayDep,
    granted: Annotated[Granted, require(Permission.READ_AUDIT_LOG, "municipality")],
    van: Annotated[date | None, Query()] = None,
    tot: Annotated[date | None, Query()] = None,
    na: Annotated[int, Query(ge=0, le=2**62)] = 0,
) -> Response:
    first, last = van or today, tot or today
    period = _audit_period(first, last)
    problem = period if isinstance(period, Problem) else None
    if isinstance(period, Problem):
        first, last = today, today
        period = _audit_period(today, today)
        assert not isinstance(period, Problem)
    since, until = period
    rows = audit.page(uow(), municipality_id, since, until, after_id=na, limit=AUDIT_ROWS_PER_PAGE)
    with uow() as work:
        name = _municipality_name(work, municipality_id)
    return render(
        request,
        "municipality/audit_log.html",
        {
            "municipality_id": municipality_id,
            "municipality_name": name,
            "first": first,
            "last": last,
            "rows": rows,
            "next_id": rows[-1][0] if len(rows) == AUDIT_ROWS_PER_PAGE else None,
            "first_page": na == 0,
            "problem": problem,
            "moment": _moment,
        },
        status_code=400 if problem is not None else 200,
    )


@router.get("/gemeenten/{municipality_id}/auditlog.csv")
def audit_log_csv(
    municipality_id: int,
    uow: UowFactoryDep,
    today: TodayDep,
    granted: Annotated[Granted, require(Permission.READ_AUDIT_LOG, "municipality")],
    van: Annotated[date | None, Query()] = None,
    tot: Annotated[date | None, Query()] = None,
) -> StreamingResponse:
    """The whole period as CSV, streamed in batches (``ontzorgen.audit.export``)."""
    first, last = van or today, tot or today
    period = _audit_period(first, last)
    if isinstance(period, Problem):
        raise HTTPException(400, "The period runs from 'van' to 'tot', at most 366 days.")
    return audit_csv(uow(), municipality_id, first, last)
