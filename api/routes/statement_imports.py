"""Bank statement imports: uploading a camt.053 file, the imports of a municipality, one import
with its counts, its lines, the payments an unmatched line may be, and matching it by hand.

The file is the raw request body (``Content-Type: application/xml``). It must be a statement of the
municipality's own bank account; a bad or hostile file is refused whole (400) before anything is
written, and the same file twice changes nothing (200 with ``replayed: true``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal, get_args

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from api.dependencies import TodayDep, UowFactoryDep
from api.idempotency import IdempotencyDep
from api.schemas import Amount, Page, PageAfter, PageSize, Schema, amount, page_links
from api.security import Granted, require
from ontzorgen import statement_intake
from ontzorgen.access import Permission
from ontzorgen.camt import STATEMENT_SIZE_MAX_BYTES
from ontzorgen.views import runs as run_views
from ontzorgen.views.runs import MATCH_STATUSES, StatementImportSummary, StatementLine

router = APIRouter(tags=["statement imports"])

XML_MEDIA_TYPES = ("application/xml", "text/xml")
MatchStatus = Literal["matched", "returned", "duplicate", "unmatched", "matched_by_hand"]
assert set(get_args(MatchStatus)) == set(MATCH_STATUSES)


class StatementImportListItem(Schema):
    id: int
    file_name: str
    statement_id: str
    imported_by: str
    imported_at: datetime
    line_count: int


class StatementImportOut(Schema):
    id: int
    file_name: str
    version: str
    message_id: str
    statement_id: str
    account_iban: str
    imported_by: str
    imported_at: datetime
    line_count: int
    #: Lines per match status: matched, returned, duplicate, unmatched, matched_by_hand.
    counts: dict[str, int]
    #: True when this very file was imported before: nothing changed this time.
    replayed: bool = False


class StatementLineOut(Schema):
    position: int
    amount: Amount
    credit: bool
    booked_on: date
    end_to_end_id: str | None
    return_reason: str | None
    remittance: str | None
    counterparty_name: str | None
    counterparty_iban: str | None
    bank_reference: str | None
    match_status: str
    payment_id: int | None
    matched_by: str | None


class PaymentCandidateOut(Schema):
    """A sent payment that an unmatched line may be the bank's booking of."""

    payment_id: int
    run_id: int
    execution_on: date
    end_to_end_id: str
    household_id: int
    kind: str
    cost_type: str | None
    payee_name: str
    payee_iban: str
    amount: Amount
    #: The payee's IBAN is the line's counterparty account.
    same_account: bool


class HandMatch(Schema):
    payment_id: int = Field(ge=1, le=2**62, description="The payment this line pays.")


def _import_out(
    summary: StatementImportSummary, counts: dict[str, int], *, replayed: bool = False
) -> StatementImportOut:
    return StatementImportOut(
        id=summary.import_id,
        file_name=summary.file_name,
        version=summary.version,
        message_id=summary.message_id,
        statement_id=summary.statement_id,
        account_iban=summary.account_iban,
        imported_by=summary.imported_by,
        imported_at=summary.imported_at,
        line_count=summary.line_count,
        counts=dict(sorted(counts.items())),
        replayed=replayed,
    )


def _line_out(line: StatementLine) -> StatementLineOut:
    return StatementLineOut(
        position=line.position,
        amount=amount(line.amount),
        credit=line.credit,
        booked_on=line.booked_on,
        end_to_end_id=line.end_to_end_id,
        return_reason=line.return_reason,
        remittance=line.remittance,
        counterparty_name=line.counterparty_name,
        counterparty_iban=line.counterparty_iban,
        bank_reference=line.bank_reference,
        match_status=line.match_status,
        payment_id=line.payment_id,
        matched_by=line.matched_by,
    )


def _read_import(uow: UowFactoryDep, import_id: int, *, replayed: bool) -> StatementImportOut:
    with uow() as work:
        summary = run_views.statement_import(work.connection, import_id)
        counts = work.runs.statement_line_counts(import_id)
    assert summary is not None
    return _import_out(summary, counts, replayed=replayed)


def _invalid(name: str, code: str, reason: str) -> RequestValidationError:
    return RequestValidationError([{"loc": (name,), "type": code, "msg": reason}])


@router.post(
    "/municipalities/{municipality_id}/statement-imports",
    response_model=StatementImportOut,
    status_code=201,
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "A camt.053 day statement (.02 or .08) of the municipality's account.",
            "content": {media: {"schema": {"type": "string"}} for media in XML_MEDIA_TYPES},
        }
    },
    responses={200: {"model": StatementImportOut, "description": "Imported before; unchanged."}},
)
async def import_statement(
    municipality_id: int,
    request: Request,
    uow: UowFactoryDep,
    today: TodayDep,
    idempotency: IdempotencyDep,
    granted: Annotated[Granted, require(Permission.IMPORT_STATEMENT, "municipality")],
    file_name: Annotated[
        str, Query(alias="fileName", min_length=1, max_length=200, pattern=r"^[^/\\\x00]+$")
    ] = "statement.xml",
) -> Response:
    """Import a bank statement: confirm payments, take returns back, keep the unmatched."""
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type not in XML_MEDIA_TYPES:
        raise _invalid(
            "header.content-type",
            "media_type",
            "Send the camt.053 file as the request body with Content-Type: application/xml.",
        )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > STATEMENT_SIZE_MAX_BYTES:
        raise _invalid("body", "too_large", f"A statement may be {STATEMENT_SIZE_MAX_BYTES} bytes.")
    data = await request.body()
    actor = granted.principal.name

    def produce() -> Response:
        result = statement_intake.import_municipal_statement(
            uow(), municipality_id, data, file_name=file_name, actor=actor, today=today
        )
        body = _read_import(uow, result.import_id, replayed=result.replayed)
        return JSONResponse(
            jsonable_encoder(body, by_alias=True), status_code=200 if result.replayed else 201
        )

    # The import parses and books synchronously; it runs off the event loop.
    return await run_in_threadpool(idempotency.respond, produce)


@router.get(
    "/municipalities/{municipality_id}/statement-imports",
    response_model=Page[StatementImportListItem],
)
def list_imports(
    municipality_id: int,
    request: Request,
    uow: UowFactoryDep,
    granted: Annotated[Granted, require(Permission.READ_STATEMENT_IMPORTS, "municipality")],
    size: PageSize = 50,
    after: PageAfter = 0,
) -> Page[StatementImportListItem]:
    """Newest first; ``after`` continues with the imports older than that one."""
    with uow() as work:
        found = run_views.statement_imports_of(
            work.connection, municipality_id, before_id=after, limit=size
        )
    items = [
        StatementImportListItem(
            id=s.import_id,
            file_name=s.file_name,
            statement_id=s.statement_id,
            imported_by=s.imported_by,
            imported_at=s.imported_at,
            line_count=s.line_count,
        )
        for s in found
    ]
    return Page(items=items, links=page_links(request, [item.id for item in items], size, after))


@router.get("/statement-imports/{import_id}", response_model=StatementImportOut)
def read_import(
    import_id: int,
    uow: UowFactoryDep,
    granted: Annotated[Granted, require(Permission.READ_STATEMENT_IMPORTS, "statement-import")],
) -> StatementImportOut:
    return _read_import(uow, import_id, replayed=False)


@router.get("/statement-imports/{import_id}/lines", response_model=Page[StatementLineOut])
def list_lines(
    import_id: int,
    request: Request,
    uow: UowFactoryDep,
    granted: Annotated[Granted, require(Permission.READ_STATEMENT_IMPORTS, "statement-import")],
    status: Annotated[MatchStatus | None, Query(description="Only lines with this status.")] = None,
    size: PageSize = 50,
    after: PageAfter = 0,
) -> Page[StatementLineOut]:
    """The import's lines in file order; ``after`` is a line position."""
    with uow() as work:
        found = run_views.statement_lines_of(
            work.connection, import_id, match_status=status, after_position=after, limit=size
        )
    items = [_line_out(line) for line in found]
    return Page(
        items=items, links=page_links(request, [item.position for item in items], size, after)
    )


@router.get(
    "/statement-imports/{import_id}/lines/{position}/candidates",
    response_model=list[PaymentCandidateOut],
)
def list_candidates(
    import_id: int,
    position: Annotated[int, Path(ge=1, le=2**31 - 1)],
    uow: UowFactoryDep,
    granted: Annotated[Granted, require(Permission.READ_STATEMENT_IMPORTS, "statement-import")],
) -> list[PaymentCandidateOut]:
    """The sent payments an unmatched debit line may be, best first, at most five: the same
    amount, executed in the ten days before the line's booking date (or the day after), those to
    the line's counterparty account first. A matched line, a credit or an unknown line: none."""
    with uow() as work:
        lines = run_views.statement_lines_of(
            work.connection, import_id, match_status=None, after_position=position - 1, limit=1
        )
        found = run_views.candidates_for_lines(
            work.connection, import_id, [line for line in lines if line.position == position]
        )
    return [
        PaymentCandidateOut(
            payment_id=c.payment.payment_id,
            run_id=c.run_id,
            execution_on=c.execution_on,
            end_to_end_id=c.payment.end_to_end_id,
            household_id=c.payment.household_id,
            kind=c.payment.kind,
            cost_type=c.payment.cost_type,
            payee_name=c.payment.payee_name,
            payee_iban=c.payment.payee_iban,
            amount=amount(c.payment.amount),
            same_account=c.same_account,
        )
        for c in found.get(position, [])
    ]


@router.post(
    "/statement-imports/{import_id}/lines/{position}/match", response_model=StatementLineOut
)
def match_by_hand(
    import_id: int,
    position: Annotated[int, Path(ge=1, le=2**31 - 1)],
    body: HandMatch,
    uow: UowFactoryDep,
    idempotency: IdempotencyDep,
    granted: Annotated[Granted, require(Permission.MATCH_BY_HAND, "statement-import")],
) -> Response:
    """Link an unmatched line to a payment by hand; the payment then counts as paid."""

    def produce() -> StatementLineOut:
        statement_intake.match_by_hand_within(
            uow(),
            granted.scope.municipality_ids,
            import_id,
            position,
            body.payment_id,
            actor=granted.principal.name,
        )
        with uow() as work:
            (line,) = run_views.statement_lines_of(
                work.connection,
                import_id,
                match_status=None,
                after_position=position - 1,
                limit=1,
            )
        return _line_out(line)

    return idempotency.respond(produce)
