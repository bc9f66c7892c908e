"""The budget coach's workspace: the caseload (who needs help today) and one household's page.

``/coach`` lists the open signals of the coach's caseload (the households of their kredietbank),
most urgent first, and below them every household of the caseload with its phase and its number
of open signals. ``/huishoudens/{id}`` shows one household to staff: members (BSN masked), the
arrangement and its ends, the budget plan and what the current phase withholds, each reserve's
last movements, the monthly division, milestones, the phase with its history and proposals, and
the open signals; the forms on it record a milestone, ask for a phase step, decide a proposal and
handle a signal. A newcomer opening their own household is sent to their own page.

No rules live here: every page reads the read models (``ontzorgen.views``) and every form calls
one use case (``ontzorgen.services``). A form's refusal re-renders the page with the reason in
plain words (400 for what was filled in, 409 for what the state refuses), nothing half-done; a
success answers 303 to the household page, which says in one line what happened.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any

from babel.dates import format_date
from fastapi import APIRouter, Form, HTTPException, Path, Query, Request, Response
from fastapi.responses import RedirectResponse

from api.dependencies import TodayDep, UowFactoryDep
from api.errors import status_of
from api.pages.templating import render
from api.security import Granted, require
from ledger.model import AccountKind
from ontzorgen import services
from ontzorgen.access import PERMISSIONS, Permission, Principal, Role
from ontzorgen.accounts import AccountRole
from ontzorgen.errors import OntzorgenError
from ontzorgen.months import Month
from ontzorgen.phases import (
    EffectiveDateBeforeLastChange,
    PhaseStepNotAllowed,
    ReasonRequired,
    StepRequirementsNotMet,
    WithholdingPeriod,
)
from ontzorgen.services import (
    MilestoneIsComputed,
    NoArrangement,
    NoOpenProposal,
    SignalAlreadyHandled,
    UnknownMilestone,
)
from ontzorgen.signals import BLOCKING_KINDS
from ontzorgen.unit_of_work import UnitOfWork
from ontzorgen.views.allocations import allocations_of
from ontzorgen.views.caseload import (
    SignalCursor,
    SignalStatus,
    caseload_households,
    signal_of,
    signals_page,
)
from ontzorgen.views.ledger import HouseholdAccountView, PostingView, accounts_of, postings_of
from ontzorgen.views.phases import (
    milestones_overview,
    phase_overview,
    proposal_of,
    proposals_of,
)
from ontzorgen.views.plan import obligations_page

router = APIRouter(include_in_schema=False)

#: Limits on everything a page shows; each list says when there is more.
SIGNALS_PER_PAGE = 50
HOUSEHOLDS_PER_PAGE = 50
#: Beyond this a count reads "99+": the coach needs to know "many", not the exact number.
OPEN_SIGNALS_COUNTED_MAX = 99
HOUSEHOLD_SIGNALS_MAX = 50
OBLIGATIONS_MAX = 50
LAST_MOVEMENTS = 5
POSTINGS_PER_PAGE = 50
ALLOCATED_MONTHS_SHOWN = 3
TEXT_MAX = 500
#: The days a decision may speak of: the years a ``Month`` has (as in the API).
DAY_MIN, DAY_MAX = date(2000, 1, 1), date(2100, 12, 31)
MILESTONE_CODE_CHARACTERS = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-"
)

#: What the household page says after a form did its work (``?gedaan=``); anything else: nothing.
NOTICES = frozenset(
    {"mijlpaal", "voorstel", "geen-voorstel", "al-voorstel", "akkoord", "niet-akkoord", "signaal"}
)


def isolated(text: str) -> str:
    """A name or date inside a translated sentence, kept whole on right-to-left pages (the
    Unicode isolates do in plain text what ``<bdi>`` does in HTML)."""
    return f"\u2068{text}\u2069"


def month_name(month: Month, language_code: str) -> str:
    """``januari 2026`` in the page's language."""
    return format_date(month.first_day, "MMMM y", locale=language_code)


def _page(
    request: Request, template: str, context: dict[str, Any], *, status_code: int = 200
) -> Response:
    helpers = {
        "isolated": isolated,
        "month_name": month_name,
        "blocking_kinds": frozenset(kind.value for kind in BLOCKING_KINDS),
    }
    return render(request, template, {**helpers, **context}, status_code=status_code)


def _may(principal: Principal, permission: Permission) -> bool:
    return principal.role in PERMISSIONS[permission]


def _staff_only(principal: Principal) -> Response | None:
    """A newcomer's own household has its own pages, in their language and words."""
    if principal.role is Role.NEWCOMER:
        return RedirectResponse("/mijn-geld", status_code=303)
    return None


# -- the caseload ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CaseloadHousehold:
    household_id: int
    name: str
    phase: int | None  # None: no arrangement recorded yet
    phase_name: str | None
    open_signal_count: int
    more_open_signals: bool


def _caseload_households(
    work: UnitOfWork, kredietbank_id: int, today: date, after_id: int
) -> list[CaseloadHousehold]:
    """One page of the caseload by household id, with each phase today and open-signal count
    (two queries however long the page)."""
    return [
        CaseloadHousehold(
            found.household_id,
            found.name,
            found.current_phase,
            found.current_phase_name,
            min(found.open_signal_count, OPEN_SIGNALS_COUNTED_MAX),
            found.open_signal_count > OPEN_SIGNALS_COUNTED_MAX,
        )
        for found in caseload_households(
            work.connection,
            kredietbank_id,
            day=today,
            after_id=after_id,
            limit=HOUSEHOLDS_PER_PAGE,
        )
    ]


def _signal_cursor(text: str | None) -> SignalCursor | None:
    if text is None:
        return None
    try:
        return SignalCursor.parse(text)
    except ValueError:
        raise HTTPException(400, f"{text!r} is not a place in the list of signals.") from None


@router.get("/coach")
def caseload_page(
    request: Request,
    uow: UowFactoryDep,
    today: TodayDep,
    granted: Annotated[Granted, require(Permission.READ_SIGNALS, "region")],
    signalen_na: Annotated[str | None, Query(pattern=SignalCursor.PATTERN, max_length=40)] = None,
    huishoudens_na: Annotated[int, Query(ge=0, le=2**62)] = 0,
) -> Response:
    principal = granted.principal
    if principal.role is not Role.COACH or principal.kredietbank_id is None:
        raise HTTPException(403, "Only a budget coach has a caseload.")
    cursor = _signal_cursor(signalen_na)
    with uow() as work:
        signals = signals_page(
            work.connection,
            kredietbank_id=principal.kredietbank_id,
            status=SignalStatus.OPEN,
            after=cursor,
            limit=SIGNALS_PER_PAGE,
        )
        households = _caseload_households(work, principal.kredietbank_id, today, huishoudens_na)
    return _page(
        request,
        "coach/caseload.html",
        {
            "today": today,
            "signals": signals,
            "signals_first_page": cursor is None,
            "next_signals": signals[-1].cursor.text() if len(signals) == SIGNALS_PER_PAGE else None,
            "households": households,
            "households_first_page": huishoudens_na == 0,
            "next_households": households[-1].household_id
            if len(households) == HOUSEHOLDS_PER_PAGE
            else None,
        },
    )


# -- one household -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReserveView:
    account: HouseholdAccountView
    movements: list[PostingView]


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a form did nothing: a key the template turns into plain words, with its values."""

    key: str
    values: dict[str, Any] = field(default_factory=dict)
    detail: str = ""


def _change_of(account: HouseholdAccountView, posting: PostingView) -> int:
    """What a posting did to the balance as the account reports it: + in, - out."""
    return AccountKind(account.kind).balance_change_cents(posting.direction, posting.amount.cents)


def _current_period(
    history: tuple[WithholdingPeriod, ...], today: date
) -> WithholdingPeriod | None:
    """The period in force today; before the bijstand starts, the one it will start with."""
    in_force = [period for period in history if period.effective_on <= today]
    if in_force:
        return in_force[-1]
    return history[0] if history else None


def _household_context(
    uow: Callable[[], UnitOfWork], household_id: int, today: date
) -> dict[str, Any]:
    with uow() as work:
        connection = work.connection
        household = work.repository.get_household(household_id)
        found = work.repository.get_arrangement(household_id)
        obligations = obligations_page(connection, household_id, limit=OBLIGATIONS_MAX)
        reserves = []
        for account in accounts_of(connection, household_id):
            if account.role != AccountRole.RESERVE.value:
                continue
            movements = postings_of(
                connection,
                household_id,
                account.account_id,
                after_seq=max(account.posting_count - LAST_MOVEMENTS, 0),
                limit=LAST_MOVEMENTS,
            )
            reserves.append(ReserveView(account, movements))
        allocated = allocations_of(
            connection,
            household_id,
            after=Month.of(today).plus(-ALLOCATED_MONTHS_SHOWN - 1),
            limit=ALLOCATED_MONTHS_SHOWN + 2,
        )
        signals = signals_page(
            connection,
            household_id=household_id,
            status=SignalStatus.OPEN,
            after=None,
            limit=HOUSEHOLD_SIGNALS_MAX,
        )
        milestones = phase = None
        proposals = []
        if found is not None:
            milestones = milestones_overview(work, household_id, today)
            phase = phase_overview(work, household_id, today)
            proposals = proposals_of(work, household_id)
    history: tuple[WithholdingPeriod, ...] = ()
    if found is not None:
        history = services.withholding_history(uow(), household_id)
    arrangement = None if found is None else found[0]
    still_open = [proposal for proposal in proposals if proposal.status == "open"]
    titles = {} if milestones is None else {m.code: m.title for m in milestones.milestones}
    return {
        "today": today,
        "household": household,
        "arrangement": arrangement,
        "agreed": () if found is None else sorted(found[1]),
        "obligations": obligations,
        "current_period": _current_period(history, today),
        "history": history,
        "reserves": reserves,
        "change_of": _change_of,
        "allocations": allocated,
        "signals": signals,
        "milestones": milestones,
        "milestone_titles": titles,
        "phase": phase,
        "proposals": proposals,
        "open_proposal": still_open[0] if still_open else None,
    }


def _household_response(
    request: Request,
    uow: Callable[[], UnitOfWork],
    today: date,
    principal: Principal,
    household_id: int,
    *,
    notice: str | None = None,
    refusal: Refusal | None = None,
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    context = _household_context(uow, household_id, today)
    context.update(
        {
            "notice": notice if notice in NOTICES else None,
            "refusal": refusal,
            "form": form or {},
            "may_record_milestone": _may(principal, Permission.RECORD_MILESTONE),
            "may_decide_phase": _may(principal, Permission.DECIDE_PHASE),
            "may_handle_signal": _may(principal, Permission.HANDLE_SIGNAL),
        }
    )
    return _page(request, "coach/household.html", context, status_code=status_code)


@dataclass(frozen=True, slots=True)
class _Posted:
    """A form posted on the household page, with what it takes to show the page again when the
    form is refused: the typed values stay in their fields."""

    request: Request
    uow: Callable[[], UnitOfWork]
    today: date
    principal: Principal
    household_id: int
    form: dict[str, str]

    def refused(self, refusal: Refusal, *, status_code: int = 400) -> Response:
        return _household_response(
            self.request,
            self.uow,
            self.today,
            self.principal,
            self.household_id,
            refusal=refusal,
            form=self.form,
            status_code=status_code,
        )

    def refused_by(self, error: OntzorgenError) -> Response:
        """The domain's refusal, in plain words and with its status."""
        refusal, status_code = _refusal_of(error)
        return self.refused(refusal, status_code=status_code)


def _refusal_of(error: OntzorgenError) -> tuple[Refusal, int]:
    """The domain's refusal in plain words (by key), and 400 or 409 for the page."""
    status_code = 400 if status_of(error) in (400, 404) else 409
    if isinstance(error, EffectiveDateBeforeLastChange):
        return Refusal("before-last-change", {"on": error.last_effective_on}), status_code
    keys: dict[type[OntzorgenError], str] = {
        UnknownMilestone: "milestone-unknown",
        MilestoneIsComputed: "milestone-computed",
        NoOpenProposal: "proposal-closed",
        PhaseStepNotAllowed: "step-not-allowed",
        StepRequirementsNotMet: "requirements-open",
        ReasonRequired: "reason-missing",
        NoArrangement: "no-arrangement",
    }
    return Refusal(keys.get(type(error), "other"), detail=str(error)), status_code


def _day_of(text: str) -> date | None:
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        return None
    return day if DAY_MIN <= day <= DAY_MAX else None


HouseholdId = Annotated[int, Path(ge=1, le=2**62)]


@router.get("/huishoudens/{household_id}")
def household_page(
    household_id: HouseholdId,
    request: Request,
    uow: UowFactoryDep,
    today: TodayDep,
    granted: Annotated[Granted, require(Permission.READ_HOUSEHOLD, "household")],
    gedaan: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    redirect = _staff_only(granted.principal)
    if redirect is not None:
        return redirect
    return _household_response(request, uow, today, granted.principal, household_id, notice=gedaan)


def _done(household_id: int, notice: str, anchor: str) -> Response:
    return RedirectResponse(
        f"/huishoudens/{household_id}?gedaan={notice}#{anchor}", status_code=303
    )


@router.post("/huishoudens/{household_id}/mijlpalen")
def record_milestone(
    household_id: HouseholdId,
    request: Request,
    uow: UowFactoryDep,
    today: TodayDep,
    granted: Annotated[Granted, require(Permission.RECORD_MILESTONE, "household")],
    mijlpaal: Annotated[str, Form(max_length=64)] = "",
    datum: Annotated[str, Form(max_length=10)] = "",
    bewijs: Annotated[str, Form(max_length=TEXT_MAX)] = "",
) -> Response:
    form = {"mijlpaal": mijlpaal, "datum": datum, "bewijs": bewijs}
    posted = _Posted(request, uow, today, granted.principal, household_id, form)
    achieved_on = _day_of(datum)
    refusal = None
    if not mijlpaal or not set(mijlpaal) <= MILESTONE_CODE_CHARACTERS:
        refusal = Refusal("milestone-missing")
    elif achieved_on is None:
        refusal = Refusal("date-invalid")
    elif not bewijs.strip():
        refusal = Refusal("evidence-missing")
    if refusal is not None or achieved_on is None:
        return posted.refused(refusal or Refusal("date-invalid"))
    try:
        services.record_milestone(
            uow(),
            household_id,
            mijlpaal,
            achieved_on=achieved_on,
            evidence=bewijs.strip(),
            actor=granted.principal.name,
        )
    except OntzorgenError as error:
        return posted.refused_by(error)
    return _done(household_id, "mijlpaal", "mijlpalen")


@router.post("/huishoudens/{household_id}/fasevoorstel")
def propose_step(
    household_id: HouseholdId,
    request: Request,
    uow: UowFactoryDep,
    today: TodayDep,
    granted: Annotated[Granted, require(Permission.DECIDE_PHASE, "household")],
) -> Response:
    posted = _Posted(request, uow, today, granted.principal, household_id, {})
    before = services.open_proposal(uow(), household_id)
    try:
        assessment = services.evaluate_step(uow(), household_id, today=today)
    except OntzorgenError as error:
        return posted.refused_by(error)
    after = services.open_proposal(uow(), household_id)
    if after is not None and (before is None or before.proposal_id != after.proposal_id):
        notice = "voorstel"
    elif after is not None and assessment.ready:
        notice = "al-voorstel"
    else:
        notice = "geen-voorstel"
    return _done(household_id, notice, "fase")


@router.post("/huishoudens/{household_id}/fasevoorstel/{proposal_id}/besluit")
def decide_proposal(
    household_id: HouseholdId,
    proposal_id: Annotated[int, Path(ge=1, le=2**62)],
    request: Request,
    uow: UowFactoryDep,
    today: TodayDep,
    granted: Annotated[Granted, require(Permission.DECIDE_PHASE, "household")],
    besluit: Annotated[str, Form(max_length=20)] = "",
    reden: Annotated[str, Form(max_length=TEXT_MAX)] = "",
    ingangsdatum: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    with uow() as work:
        found = proposal_of(work, household_id, proposal_id)
    if found is None:
        raise HTTPException(404, f"Household {household_id} has no phase proposal {proposal_id}.")
    form = {"besluit": besluit, "reden": reden, "ingangsdatum": ingangsdatum}
    posted = _Posted(request, uow, today, granted.principal, household_id, form)
    effective_on = _day_of(ingangsdatum) if ingangsdatum.strip() else today
    refusal = None
    if besluit not in ("akkoord", "niet-akkoord"):
        refusal = Refusal("decision-missing")
    elif not reden.strip():
        refusal = Refusal("reason-missing")
    elif effective_on is None:
        refusal = Refusal("date-invalid")
    if refusal is not None or effective_on is None:
        return posted.refused(refusal or Refusal("date-invalid"))
    try:
        services.decide_proposal(
            uow(),
            proposal_id,
            approve=besluit == "akkoord",
            effective_on=effective_on,
            decided_on=today,
            actor=granted.principal.name,
            reason=reden.strip(),
        )
    except OntzorgenError as error:
        return posted.refused_by(error)
    return _done(household_id, besluit, "fase")


@router.post("/signalen/{signal_id}/afhandelen")
def handle_signal(
    signal_id: Annotated[int, Path(ge=1, le=2**62)],
    request: Request,
    uow: UowFactoryDep,
    today: TodayDep,
    granted: Annotated[Granted, require(Permission.HANDLE_SIGNAL, "signal")],
    notitie: Annotated[str, Form(max_length=TEXT_MAX)] = "",
) -> Response:
    household_id = granted.scope.household_id
    assert household_id is not None, "a signal's scope names its household"
    posted = _Posted(
        request, uow, today, granted.principal, household_id, {f"notitie-{signal_id}": notitie}
    )
    if not notitie.strip():
        return posted.refused(Refusal("note-missing"))
    try:
        services.handle_signal(
            uow(), signal_id, actor=granted.principal.name, handled_on=today, note=notitie.strip()
        )
    except SignalAlreadyHandled:
        with uow() as work:
            handled = signal_of(work.connection, signal_id)
        assert handled is not None and handled.handled_on is not None
        values = {"name": handled.handled_by or "", "on": handled.handled_on}
        return posted.refused(Refusal("signal-handled", values), status_code=409)
    except OntzorgenError as error:
        return posted.refused_by(error)
    return _done(household_id, "signaal", "signalen")


# -- one reserve -------------------------------------------------------------------------------


@router.get("/huishoudens/{household_id}/reserves/{account_id}")
def reserve_page(
    household_id: HouseholdId,
    account_id: Annotated[int, Path(ge=1, le=2**62)],
    request: Request,
    uow: UowFactoryDep,
    granted: Annotated[Granted, require(Permission.READ_HOUSEHOLD, "household")],
    na: Annotated[int | None, Query(ge=0, le=2**62)] = None,
) -> Response:
    redirect = _staff_only(granted.principal)
    if redirect is not None:
        return redirect
    with uow() as work:
        household = work.repository.get_household(household_id)
        account = next(
            (
                candidate
                for candidate in accounts_of(work.connection, household_id)
                if candidate.account_id == account_id
                and candidate.role == AccountRole.RESERVE.value
            ),
            None,
        )
        if account is None:
            raise HTTPException(404, f"Household {household_id} has no reserve {account_id}.")
        # Sequence numbers run 1, 2, 3, ... without gaps, so the newest page starts here.
        after_seq = max(account.posting_count - POSTINGS_PER_PAGE, 0) if na is None else na
        postings = postings_of(
            work.connection, household_id, account_id, after_seq=after_seq, limit=POSTINGS_PER_PAGE
        )
    last_seq = postings[-1].account_seq if postings else after_seq
    return _page(
        request,
        "coach/reserve.html",
        {
            "household": household,
            "account": account,
            "postings": postings,
            "change_of": _change_of,
            "older": max(after_seq - POSTINGS_PER_PAGE, 0) if after_seq > 0 else None,
            "newer": last_seq if last_seq < account.posting_count else None,
        },
    )
