"""Signals (vroegsignalering): what a coach or officer must look at, and handling one.

``GET /signals`` is the caller's own work list: a coach sees the households of their kredietbank's
caseload, an income officer or auditor their municipality's. Lists are most urgent first, then
oldest first, paged with a cursor (``after``) taken from the ``next`` link.

Handling a signal records who handled it, when and with which note. Handling a returned-payment
signal also lifts the hold on the household: the next payment run pays the returned payment again
from the money that came back to its reserve (``ontzorgen.statements``).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import Field

from api.dependencies import TodayDep, UowFactoryDep
from api.routes.milestones import WRITTEN
from api.schemas import Links, Page, PageSize, Schema
from api.security import Granted, require
from ontzorgen import services
from ontzorgen.access import Permission, Principal, Role
from ontzorgen.signals import BLOCKING_KINDS, SignalKind
from ontzorgen.views.caseload import (
    SignalCursor,
    SignalStatus,
    SignalView,
    signal_of,
    signals_page,
)

router = APIRouter(tags=["signals"])


class SignalOut(Schema):
    id: int
    household_id: int
    household_name: str
    kind: SignalKind
    urgency: int = Field(description="1 is the most urgent.")
    blocking: bool = Field(
        description="While open, the household's payments wait in every payment run."
    )
    raised_on: date
    message: str
    status: SignalStatus
    handled_on: date | None
    handled_by: str | None
    note: str | None

    @classmethod
    def of(cls, view: SignalView) -> SignalOut:
        kind = SignalKind(view.kind)
        return cls(
            id=view.signal_id,
            household_id=view.household_id,
            household_name=view.household_name,
            kind=kind,
            urgency=view.urgency,
            blocking=kind in BLOCKING_KINDS,
            raised_on=view.raised_on,
            message=view.message,
            status=SignalStatus(view.status),
            handled_on=view.handled_on,
            handled_by=view.handled_by,
            note=view.note,
        )


class Handling(Schema):
    note: str = Field(min_length=1, max_length=500, pattern=WRITTEN)


StatusQuery = Annotated[
    SignalStatus, Query(description="Which signals: open (the default), handled, or all.")
]
CursorQuery = Annotated[
    str | None,
    Query(
        alias="after",
        pattern=SignalCursor.PATTERN,
        max_length=40,
        description="Continue after this signal (an opaque cursor from the next link).",
    ),
]


def _page(
    request: Request, found: list[SignalView], size: int, after: str | None
) -> Page[SignalOut]:
    url = request.url
    next_link = (
        str(url.include_query_params(after=found[-1].cursor.text(), pageSize=size))
        if len(found) == size
        else None
    )
    prev_link = str(url.remove_query_params("after")) if after is not None else None
    return Page(
        items=[SignalOut.of(view) for view in found],
        links=Links(self_=str(url), next=next_link, prev=prev_link),
    )


def _cursor(after: str | None) -> SignalCursor | None:
    if after is None:
        return None
    try:
        return SignalCursor.parse(after)
    except ValueError:
        raise HTTPException(400, f"{after!r} is not a cursor from a next link.") from None


def _caseload(principal: Principal) -> dict[str, int]:
    """Whose signals the caller works on: a coach their kredietbank's, staff their town's."""
    if principal.role is Role.COACH and principal.kredietbank_id is not None:
        return {"kredietbank_id": principal.kredietbank_id}
    if principal.role is not Role.NEWCOMER and principal.municipality_id is not None:
        return {"municipality_id": principal.municipality_id}
    raise HTTPException(403, "Only coaches and municipal staff have a list of signals.")


@router.get("/signals", response_model=Page[SignalOut])
def list_caseload_signals(
    request: Request,
    uow: UowFactoryDep,
    granted: Annotated[Granted, require(Permission.READ_SIGNALS, "region")],
    status: StatusQuery = SignalStatus.OPEN,
    size: PageSize = 50,
    after: CursorQuery = None,
) -> Page[SignalOut]:
    caseload = _caseload(granted.principal)
    cursor = _cursor(after)
    with uow() as work:
        found = signals_page(work.connection, status=status, after=cursor, limit=size, **caseload)
    return _page(request, found, size, after)


@router.get("/households/{household_id}/signals", response_model=Page[SignalOut])
def list_household_signals(
    household_id: int,
    request: Request,
    uow: UowFactoryDep,
    granted: Annotated[Granted, require(Permission.READ_SIGNALS, "household")],
    status: StatusQuery = SignalStatus.OPEN,
    size: PageSize = 50,
    after: CursorQuery = None,
) -> Page[SignalOut]:
    cursor = _cursor(after)
    with uow() as work:
        found = signals_page(
            work.connection, household_id=household_id, status=status, after=cursor, limit=size
        )
    return _page(request, found, size, after)


@router.get("/signals/{signal_id}", response_model=SignalOut)
def read_signal(
    signal_id: int,
    uow: UowFactoryDep,
    granted: Annotated[Granted, require(Permission.READ_SIGNALS, "signal")],
) -> SignalOut:
    with uow() as work:
        found = signal_of(work.connection, signal_id)
    if found is None:
        raise HTTPException(404, f"There is no signal with id {signal_id}.")
    return SignalOut.of(found)


@router.post("/signals/{signal_id}/handling", response_model=SignalOut)
def handle_signal(
    signal_id: int,
    body: Handling,
    uow: UowFactoryDep,
    today: TodayDep,
    granted: Annotated[Granted, require(Permission.HANDLE_SIGNAL, "signal")],
) -> SignalOut:
    services.handle_signal(
        uow(),
        signal_id,
        actor=granted.principal.name,
        handled_on=today,
        note=body.note.strip(),
    )
    with uow() as work:
        found = signal_of(work.connection, signal_id)
    assert found is not None, "a handled signal still exists"
    return SignalOut.of(found)
