"""Payment runs: a municipality's list, preparing one, approving (four-eyes), executing, and the
payments and pain.001.001.09 files of a run.

Preparing, approving and executing move money (or decide that it will move): each takes an
``Idempotency-Key``, and the use cases are idempotent themselves. Who acts is the user: the
preparer cannot approve (``FourEyesViolation``, 403).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from pydantic import Field

from api.dependencies import TodayDep, UowFactoryDep
from api.idempotency import IdempotencyDep
from api.payment_files import MESSAGE_ID_PATTERN, PAIN_MEDIA_TYPE, payment_file_response
from api.schemas import Amount, Page, PageAfter, PageSize, Schema, amount, page_links
from api.security import Granted, now_utc, require
from ontzorgen import payment_runs
from ontzorgen.access import Permission
from ontzorgen.payment_runs import RunView
from ontzorgen.runs import Tally
from ontzorgen.views import runs as run_views

router = APIRouter(tags=["payment runs"])


class RunListItem(Schema):
    id: int
    execution_on: date
    status: str
    prepared_by: str
    approved_by: str | None
    executed_by: str | None


class NewRun(Schema):
    execution_on: date = Field(description="A TARGET2 business day: the day the bank pays.")


class TallyOut(Schema):
    payment_count: int
    total: Amount

    @classmethod
    def of(cls, tally: Tally) -> TallyOut:
        return cls(payment_count=tally.count, total=amount(tally.total))


class CreditorTally(TallyOut):
    creditor: str


class CostTypeTally(TallyOut):
    cost_type: str


class HeldBack(Schema):
    household_id: int
    reason: str


class RunFile(Schema):
    message_id: str
    payment_count: int
    control_sum: Amount


class RunOut(Schema):
    id: int
    municipality_id: int
    execution_on: date
    status: str
    prepared_by: str
    prepared_at: datetime
    approved_by: str | None
    approved_at: datetime | None
    executed_by: str | None
    executed_at: datetime | None
    totals: TallyOut
    per_creditor: list[CreditorTally]
    per_cost_type: list[CostTypeTally]
    held_back: list[HeldBack]
    households_with_arrears: list[int]
    files: list[RunFile]


class PaymentOut(Schema):
    id: int
    household_id: int
    kind: str
    cost_type: str | None
    creditor_id: int | None
    payee_name: str
    payee_iban: str
    due_on: date
    amount: Amount
    end_to_end_id: str
    status: str
    file_message_id: str | None
    return_reason: str | None


class PaymentFileOut(Schema):
    message_id: str
    position: int
    payment_count: int
    control_sum: Amount
    sha256: str


def _run_out(uow: UowFactoryDep, view: RunView) -> RunOut:
    run = view.run
    with uow() as work:
        moments = run_views.run_moments(work.connection, run.run_id)
    assert moments is not None
    return RunOut(
        id=run.run_id,
        municipality_id=run.municipality_id,
        execution_on=run.execution_on,
        status=run.status.value,
        prepared_by=run.prepared_by,
        prepared_at=moments.prepared_at,
        approved_by=run.approved_by,
        approved_at=moments.approved_at,
        executed_by=run.executed_by,
        executed_at=moments.executed_at,
        totals=TallyOut.of(view.totals.overall),
        per_creditor=[
            CreditorTally(creditor=name, payment_count=t.count, total=amount(t.total))
            for name, t in view.totals.per_creditor.items()
        ],
        per_cost_type=[
            CostTypeTally(cost_type=kind, payment_count=t.count, total=amount(t.total))
            for kind, t in view.totals.per_cost_type.items()
        ],
        held_back=[
            HeldBack(household_id=int(household), reason=reason)
            for household, reason in sorted(run.held_back.items(), key=lambda h: int(h[0]))
        ],
        households_with_arrears=list(view.households_with_arrears),
        files=[
            RunFile(message_id=message_id, payment_count=count, control_sum=amount(total))
            for message_id, count, total in view.files
        ],
    )


@router.get("/municipalities/{municipality_id}/payment-runs", response_model=Page[RunListItem])
def list_runs(
    municipality_id: int,
    request: Request,
    uow: UowFactoryDep,
    granted: Annotated[Granted, require(Permission.READ_RUNS, "municipality")],
    size: PageSize = 50,
    after: PageAfter = 0,
) -> Page[RunListItem]:
    """Newest first; ``after`` continues with the runs older than that run."""
    with uow() as work:
        found = run_views.runs_of(work.connection, municipality_id, before_id=after, limit=size)
    items = [
        RunListItem(
            id=run.run_id,
            execution_on=run.execution_on,
            status=run.status,
            prepared_by=run.prepared_by,
            approved_by=run.approved_by,
            executed_by=run.executed_by,
        )
        for run in found
    ]
    return Page(items=items, links=page_links(request, [item.id for item in items], size, after))


@router.post(
    "/municipalities/{municipality_id}/payment-runs", response_model=RunOut, status_code=201
)
def prepare_run(
    municipality_id: int,
    body: NewRun,
    uow: UowFactoryDep,
    idempotency: IdempotencyDep,
    granted: Annotated[Granted, require(Permission.PREPARE_RUN, "municipality")],
) -> Response:
    """Plan everything due on the date. Preparing a date again returns the run prepared first."""
    return idempotency.respond(
        lambda: _run_out(
            uow,
            payment_runs.prepare_run(
                uow(), municipality_id, body.execution_on, actor=granted.principal.name
            ),
        ),
        status_code=201,
    )


@router.get("/payment-runs/{run_id}", response_model=RunOut)
def read_run(
    run_id: int,
    uow: UowFactoryDep,
    granted: Annotated[Granted, require(Permission.READ_RUNS, "run")],
) -> RunOut:
    return _run_out(uow, payment_runs.show_run(uow(), run_id))


@router.get("/payment-runs/{run_id}/payments", response_model=Page[PaymentOut])
def list_payments(
    run_id: int,
    request: Request,
    uow: UowFactoryDep,
    granted: Annotated[Granted, require(Permission.READ_RUNS, "run")],
    size: PageSize = 50,
    after: PageAfter = 0,
) -> Page[PaymentOut]:
    with uow() as work:
        found = run_views.payments_of_run(work.connection, run_id, after_id=after, limit=size)
    items = [
        PaymentOut(
            id=p.payment_id,
            household_id=p.household_id,
            kind=p.kind,
            cost_type=p.cost_type,
            creditor_id=p.creditor_id,
            payee_name=p.payee_name,
            payee_iban=p.payee_iban,
            due_on=p.due_on,
            amount=amount(p.amount),
            end_to_end_id=p.end_to_end_id,
            status=p.status,
            file_message_id=p.file_message_id,
            return_reason=p.return_reason,
        )
        for p in found
    ]
    return Page(items=items, links=page_links(request, [item.id for item in items], size, after))


@router.post("/payment-runs/{run_id}/approval", response_model=RunOut)
def approve_run(
    run_id: int,
    uow: UowFactoryDep,
    idempotency: IdempotencyDep,
    granted: Annotated[Granted, require(Permission.APPROVE_RUN, "run")],
) -> Response:
    """A second income officer approves; the preparer cannot (four-eyes, 403)."""
    return idempotency.respond(
        lambda: _run_out(
            uow, payment_runs.approve_run(uow(), run_id, actor=granted.principal.name)
        ),
    )


@router.post("/payment-runs/{run_id}/execution", response_model=RunOut)
def execute_run(
    run_id: int,
    request: Request,
    uow: UowFactoryDep,
    today: TodayDep,
    idempotency: IdempotencyDep,
    granted: Annotated[Granted, require(Permission.EXECUTE_RUN, "run")],
) -> Response:
    """Book every payment and make the SEPA files, in one transaction; a run is executed once."""
    return idempotency.respond(
        lambda: _run_out(
            uow,
            payment_runs.execute_run(
                uow(), run_id, actor=granted.principal.name, today=today, now=now_utc(request)
            ),
        ),
    )


@router.get("/payment-runs/{run_id}/files", response_model=list[PaymentFileOut])
def list_files(
    run_id: int,
    uow: UowFactoryDep,
    granted: Annotated[Granted, require(Permission.READ_RUNS, "run")],
) -> list[PaymentFileOut]:
    with uow() as work:
        found = run_views.files_of_run(work.connection, run_id)
    return [
        PaymentFileOut(
            message_id=f.message_id,
            position=f.position,
            payment_count=f.payment_count,
            control_sum=amount(f.control_sum),
            sha256=f.sha256,
        )
        for f in found
    ]


@router.get(
    "/payment-runs/{run_id}/files/{message_id}",
    response_class=Response,
    responses={
        200: {
            "content": {PAIN_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}},
            "description": "The pain.001.001.09 file, byte for byte as stored.",
        }
    },
)
def download_file(
    run_id: int,
    message_id: Annotated[str, Path(pattern=MESSAGE_ID_PATTERN)],
    uow: UowFactoryDep,
    granted: Annotated[Granted, require(Permission.READ_RUNS, "run")],
) -> Response:
    return payment_file_response(uow, run_id, message_id)
