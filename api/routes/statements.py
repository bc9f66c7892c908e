"""A household's monthly statements (maandoverzichten): the months that have one, and one month.

Everyone who may read the household may read its statements; a newcomer reads their own. The
statement is read as it stands today (what is paid, what comes next). Amounts are strings with
two decimals; cost types carry their Dutch name, the word on the newcomer's letters.

The list is newest first. Its cursor is the month as a number (``202608``): ``after=202608``
continues with July 2026 and earlier.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import AfterValidator
from starlette.concurrency import run_in_threadpool

from api.dependencies import UowFactoryDep, request_database, today_of
from api.schemas import Amount, MonthPath, Page, PageSize, Schema, amount, page_links
from api.security import Granted, require
from ledger.database import in_autocommit_on_postgresql
from ontzorgen.access import Permission
from ontzorgen.accounts import AccountRole
from ontzorgen.households import Language
from ontzorgen.monthly_statements import (
    MonthlyStatement,
    PhaseInfo,
    WithholdingStatus,
    read_monthly_statement,
    statement_months,
)
from ontzorgen.months import Month
from ontzorgen.policy import CostType
from ontzorgen.runs import PaymentKind

router = APIRouter(tags=["statements"])


def _month_key(month: Month) -> int:
    return month.year * 100 + month.month


def _check_month_key(key: int) -> int:
    if key:
        Month(key // 100, key % 100)  # raises ValueError, which becomes a 400 for the field
    return key


#: The list's cursor: 0 for the newest, or a month as ``YYYYMM`` to continue before it.
MonthAfter = Annotated[
    int,
    Query(
        alias="after",
        ge=0,
        le=210012,
        description="Continue with the months before this one, written YYYYMM (from the next "
        "link).",
    ),
    AfterValidator(_check_month_key),
]


class StatementMonthOut(Schema):
    month: str
    phase: int
    income: Amount
    withheld: Amount
    arrears: Amount
    leefgeld: Amount
    allocated_on: date


class PhaseOut(Schema):
    number: int
    name: str

    @classmethod
    def of(cls, phase: PhaseInfo) -> PhaseOut:
        return cls(number=phase.number, name=phase.name)


class OpenMilestoneOut(Schema):
    code: str
    title: str


class IncomeOut(Schema):
    kind: str
    for_month: str
    received_on: date
    gross: Amount
    vakantietoeslag: Amount
    net: Amount
    divided_in: str | None


class MovementOut(Schema):
    booked_on: date
    description: str
    amount: Amount
    balance_after: Amount
    entry_id: int


class ReserveOut(Schema):
    account_id: int
    role: AccountRole
    obligation_id: int | None
    cost_type: CostType | None
    cost_type_name: str | None
    creditor_name: str | None
    opening_balance: Amount
    money_in: Amount
    money_out: Amount
    closing_balance: Amount
    movements: list[MovementOut]


class WithholdingOut(Schema):
    obligation_id: int
    creditor_name: str
    cost_type: CostType
    cost_type_name: str
    need: Amount
    amount: Amount
    arrear: Amount
    due_on: date | None
    status: WithholdingStatus
    paid_on: date | None
    bank_confirmed: bool
    return_reason: str | None


class LeefgeldPaymentOut(Schema):
    pay_on: date
    amount: Amount
    status: WithholdingStatus
    paid_on: date | None
    bank_confirmed: bool


class LeefgeldOut(Schema):
    total: Amount
    vakantietoeslag_paid: Amount
    payments: list[LeefgeldPaymentOut]


class ArrearOut(Schema):
    obligation_id: int
    creditor_name: str
    cost_type: CostType
    cost_type_name: str
    amount: Amount
    due_on: date | None


class ArrearsOut(Schema):
    month_total: Amount
    outstanding: Amount
    items: list[ArrearOut]


class NextPaymentOut(Schema):
    pay_on: date
    due_on: date
    kind: PaymentKind
    payee: str
    cost_type: CostType | None
    cost_type_name: str | None
    amount: Amount
    status: WithholdingStatus


class CoachOut(Schema):
    kredietbank_id: int
    name: str


class StatementOut(Schema):
    household_id: int
    household_name: str
    language: Language
    month: str
    as_of: date
    allocated_on: date
    phase_in_month: PhaseOut
    current_phase: PhaseOut
    next_phase: PhaseOut | None
    open_milestones: list[OpenMilestoneOut]
    income: list[IncomeOut]
    income_divided: Amount
    reserves: list[ReserveOut]
    withholdings: list[WithholdingOut]
    withheld_total: Amount
    leefgeld: LeefgeldOut
    arrears: ArrearsOut
    next_payments: list[NextPaymentOut]
    coach: CoachOut | None

    @classmethod
    def of(cls, statement: MonthlyStatement) -> StatementOut:
        return cls(
            household_id=statement.household_id,
            household_name=statement.household_name,
            language=Language(statement.language),
            month=str(statement.month),
            as_of=statement.as_of,
            allocated_on=statement.allocated_on,
            phase_in_month=PhaseOut.of(statement.phase_in_month),
            current_phase=PhaseOut.of(statement.current_phase),
            next_phase=None if statement.next_phase is None else PhaseOut.of(statement.next_phase),
            open_milestones=[
                OpenMilestoneOut(code=m.code, title=m.title) for m in statement.open_milestones
            ],
            income=[
                IncomeOut(
                    kind=i.kind,
                    for_month=str(i.for_month),
                    received_on=i.received_on,
                    gross=amount(i.gross),
                    vakantietoeslag=amount(i.vakantietoeslag),
                    net=amount(i.net),
                    divided_in=None if i.divided_in is None else str(i.divided_in),
                )
                for i in statement.income
            ],
            income_divided=amount(statement.income_divided),
            reserves=[
                ReserveOut(
                    account_id=r.account_id,
                    role=r.role,
                    obligation_id=r.obligation_id,
                    cost_type=r.cost_type,
                    cost_type_name=r.cost_type_name,
                    creditor_name=r.creditor_name,
                    opening_balance=amount(r.opening),
                    money_in=amount(r.money_in),
                    money_out=amount(r.money_out),
                    closing_balance=amount(r.closing),
                    movements=[
                        MovementOut(
                            booked_on=mv.booked_on,
                            description=mv.description,
                            amount=amount(mv.amount),
                            balance_after=amount(mv.balance_after),
                            entry_id=mv.entry_id,
                        )
                        for mv in r.movements
                    ],
                )
                for r in statement.reserves
            ],
            withholdings=[
                WithholdingOut(
                    obligation_id=w.obligation_id,
                    creditor_name=w.creditor_name,
                    cost_type=w.cost_type,
                    cost_type_name=w.cost_type_name,
                    need=amount(w.need),
                    amount=amount(w.amount),
                    arrear=amount(w.arrear),
                    due_on=w.due_on,
                    status=w.status,
                    paid_on=w.paid_on,
                    bank_confirmed=w.bank_confirmed,
                    return_reason=w.return_reason,
                )
                for w in statement.withholdings
            ],
            withheld_total=amount(statement.withheld_total),
            leefgeld=LeefgeldOut(
                total=amount(statement.leefgeld_total),
                vakantietoeslag_paid=amount(statement.vakantietoeslag_paid),
                payments=[
                    LeefgeldPaymentOut(
                        pay_on=p.pay_on,
                        amount=amount(p.amount),
                        status=p.status,
                        paid_on=p.paid_on,
                        bank_confirmed=p.bank_confirmed,
                    )
                    for p in statement.leefgeld_payments
                ],
            ),
            arrears=ArrearsOut(
                month_total=amount(statement.arrears_total),
                outstanding=amount(statement.arrears_outstanding),
                items=[
                    ArrearOut(
                        obligation_id=a.obligation_id,
                        creditor_name=a.creditor_name,
                        cost_type=a.cost_type,
                        cost_type_name=a.cost_type_name,
                        amount=amount(a.amount),
                        due_on=a.due_on,
                    )
                    for a in statement.arrears
                ],
            ),
            next_payments=[
                NextPaymentOut(
                    pay_on=n.pay_on,
                    due_on=n.due_on,
                    kind=n.kind,
                    payee=n.payee,
                    cost_type=n.cost_type,
                    cost_type_name=n.cost_type_name,
                    amount=amount(n.amount),
                    status=n.status,
                )
                for n in statement.next_payments
            ],
            coach=None
            if statement.coach is None
            else CoachOut(kredietbank_id=statement.coach.kredietbank_id, name=statement.coach.name),
        )


@router.get(
    "/households/{household_id}/statements",
    response_model=Page[StatementMonthOut],
)
def list_statements(
    household_id: int,
    request: Request,
    uow: UowFactoryDep,
    granted: Annotated[Granted, require(Permission.READ_HOUSEHOLD, "household")],
    size: PageSize = 24,
    after: MonthAfter = 0,
) -> Page[StatementMonthOut]:
    before = Month(after // 100, after % 100) if after else None
    months = statement_months(uow(), household_id, before=before, limit=size)
    items = [
        StatementMonthOut(
            month=str(found.month),
            phase=found.phase,
            income=amount(found.income),
            withheld=amount(found.withheld),
            arrears=amount(found.arrears),
            leefgeld=amount(found.leefgeld),
            allocated_on=found.allocated_on,
        )
        for found in months
    ]
    keys = [_month_key(found.month) for found in months]
    return Page(items=items, links=page_links(request, keys, size, after))


@router.get("/households/{household_id}/statements/{month}", response_model=StatementOut)
async def read_statement(
    household_id: int,
    month: MonthPath,
    granted: Annotated[Granted, require(Permission.READ_HOUSEHOLD, "household")],
    request: Request,
) -> Response:
    # The most read document of the API, made as cheaply as it can be:
    # - on the request's connection, the one that authenticated the request, and today's date,
    #   both taken here rather than as dependencies (FastAPI's work per dependency and request
    #   is about as much as the work of either);
    # - on PostgreSQL on the event loop, like the token query before it: a statement is a few
    #   bounded index reads in one round trip (``ontzorgen.views.statements``), cheaper than
    #   handing the work to a worker thread and back;
    # - the body written straight from the statement (``statement_document``), the shape
    #   ``StatementOut`` describes, without building and re-validating the models.
    connection = await request_database(request).connect()
    today = today_of(request)
    if in_autocommit_on_postgresql(connection):
        statement = read_monthly_statement(
            connection, household_id, Month.parse(month), today=today
        )
    else:
        # SQLite begins with its write lock, which may have to wait for a writer: not on the loop.
        statement = await run_in_threadpool(
            read_monthly_statement, connection, household_id, Month.parse(month), today=today
        )
    body = json.dumps(statement_document(statement), ensure_ascii=False, separators=(",", ":"))
    return Response(body.encode(), media_type="application/json")


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _phase(phase: PhaseInfo) -> dict[str, Any]:
    return {"number": phase.number, "name": phase.name}


def statement_document(statement: MonthlyStatement) -> dict[str, Any]:
    """``StatementOut.of(statement)`` as JSON (by alias), built directly; a test keeps the two
    the same."""
    return {
        "householdId": statement.household_id,
        "householdName": statement.household_name,
        "language": Language(statement.language).value,
        "month": str(statement.month),
        "asOf": statement.as_of.isoformat(),
        "allocatedOn": statement.allocated_on.isoformat(),
        "phaseInMonth": _phase(statement.phase_in_month),
        "currentPhase": _phase(statement.current_phase),
        "nextPhase": None if statement.next_phase is None else _phase(statement.next_phase),
        "openMilestones": [{"code": m.code, "title": m.title} for m in statement.open_milestones],
        "income": [
            {
                "kind": i.kind,
                "forMonth": str(i.for_month),
                "receivedOn": i.received_on.isoformat(),
                "gross": str(i.gross),
                "vakantietoeslag": str(i.vakantietoeslag),
                "net": str(i.net),
                "dividedIn": None if i.divided_in is None else str(i.divided_in),
            }
            for i in statement.income
        ],
        "incomeDivided": str(statement.income_divided),
        "reserves": [
            {
                "accountId": r.account_id,
                "role": r.role.value,
                "obligationId": r.obligation_id,
                "costType": None if r.cost_type is None else r.cost_type.value,
                "costTypeName": r.cost_type_name,
                "creditorName": r.creditor_name,
                "openingBalance": str(r.opening),
                "moneyIn": str(r.money_in),
                "moneyOut": str(r.money_out),
                "closingBalance": str(r.closing),
                "movements": [
                    {
                        "bookedOn": mv.booked_on.isoformat(),
                        "description": mv.description,
                        "amount": str(mv.amount),
                        "balanceAfter": str(mv.balance_after),
                        "entryId": mv.entry_id,
                    }
                    for mv in r.movements
                ],
            }
            for r in statement.reserves
        ],
        "withholdings": [
            {
                "obligationId": w.obligation_id,
                "creditorName": w.creditor_name,
                "costType": w.cost_type.value,
                "costTypeName": w.cost_type_name,
                "need": str(w.need),
                "amount": str(w.amount),
                "arrear": str(w.arrear),
                "dueOn": _day(w.due_on),
                "status": w.status.value,
                "paidOn": _day(w.paid_on),
                "bankConfirmed": w.bank_confirmed,
                "returnReason": w.return_reason,
            }
            for w in statement.withholdings
        ],
        "withheldTotal": str(statement.withheld_total),
        "leefgeld": {
            "total": str(statement.leefgeld_total),
            "vakantietoeslagPaid": str(statement.vakantietoeslag_paid),
            "payments": [
                {
                    "payOn": p.pay_on.isoformat(),
                    "amount": str(p.amount),
                    "status": p.status.value,
                    "paidOn": _day(p.paid_on),
                    "bankConfirmed": p.bank_confirmed,
                }
                for p in statement.leefgeld_payments
            ],
        },
        "arrears": {
            "monthTotal": str(statement.arrears_total),
            "outstanding": str(statement.arrears_outstanding),
            "items": [
                {
                    "obligationId": a.obligation_id,
                    "creditorName": a.creditor_name,
                    "costType": a.cost_type.value,
                    "costTypeName": a.cost_type_name,
                    "amount": str(a.amount),
                    "dueOn": _day(a.due_on),
                }
                for a in statement.arrears
            ],
        },
        "nextPayments": [
            {
                "payOn": n.pay_on.isoformat(),
                "dueOn": n.due_on.isoformat(),
                "kind": n.kind.value,
                "payee": n.payee,
                "costType": None if n.cost_type is None else n.cost_type.value,
                "costTypeName": n.cost_type_name,
                "amount": str(n.amount),
                "status": n.status.value,
            }
            for n in statement.next_payments
        ],
        "coach": None
        if statement.coach is None
        else {"kredietbankId": statement.coach.kredietbank_id, "name": statement.coach.name},
    }
