"""The one table from domain refusals to HTTP statuses; routes never raise HTTP errors for
domain reasons. A refusal not listed is a 409 (the request was understood, the state refuses it).
"""

from __future__ import annotations

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError

from api.problems import problem
from ledger import errors as ledger_errors
from ontzorgen import (
    access,
    arrangement,
    business_days,
    camt,
    households,
    identifiers,
    monthly_statements,
    obligations,
    phases,
    policy,
    runs,
    services,
    statement_intake,
    statements,
    users,
)
from ontzorgen.errors import OntzorgenError
from ontzorgen.views import ledger as views_ledger

STATUS_OF_REFUSAL: dict[type[Exception], int] = {
    # The thing asked for does not exist.
    households.UnknownMunicipality: 404,
    households.UnknownKredietbank: 404,
    households.UnknownHousehold: 404,
    households.UnknownCreditor: 404,
    services.UnknownObligation: 404,
    services.UnknownMilestone: 404,
    services.UnknownSignal: 404,
    services.NoArrangement: 404,
    runs.UnknownRun: 404,
    statements.UnknownStatementLine: 404,
    statements.UnknownPayment: 404,
    users.UnknownUser: 404,
    monthly_statements.NoStatement: 404,
    views_ledger.AccountNotOfHousehold: 404,
    ledger_errors.UnknownAccount: 404,
    ledger_errors.UnknownEntry: 404,
    # The request itself is wrong, whatever the state.
    households.HouseholdInvalid: 400,
    households.KredietbankDoesNotServeMunicipality: 400,
    identifiers.InvalidIdentifier: 400,
    camt.InvalidStatementFile: 400,
    statement_intake.StatementOfAnotherAccount: 400,
    policy.PolicyInvalid: 400,
    obligations.EndBeforeStart: 400,
    obligations.AmountNotPositive: 400,
    business_days.NotABusinessDay: 400,
    phases.ReasonRequired: 400,
    services.CostTypeNotWithholdable: 400,
    access.UserScopeInvalid: 400,
    users.InvalidUserName: 400,
    users.PasswordTooShort: 400,
    ledger_errors.AmountNotWholeCents: 400,
    ledger_errors.AmountOutOfRange: 400,
    ledger_errors.TextTooLong: 400,
    ledger_errors.TextNotStorable: 400,
    # Who asks is not known, or may not do this.
    users.LoginFailed: 401,
    users.NotAuthenticated: 401,
    runs.FourEyesViolation: 403,
    users.LoginThrottled: 429,
    # Everything else is a conflict with the state: 409.
    arrangement.StatutoryPeriodCannotBeShortened: 409,
}


def status_of(error: Exception) -> int:
    for kind in type(error).__mro__:
        if kind in STATUS_OF_REFUSAL:
            return STATUS_OF_REFUSAL[kind]
    return 409


async def _refused(request: Request, error: Exception) -> Response:
    status = status_of(error)
    page_error = getattr(request.app.state, "page_error", None)
    if page_error is not None and not request.url.path.startswith("/v1/"):
        page_response: Response = page_error(request, status, str(error))
        return page_response
    response = problem(status, str(error))
    if isinstance(error, users.LoginThrottled):
        response.headers["Retry-After"] = str(error.retry_after_seconds)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="ontzorgen"'
    return response


async def _unstorable(_request: Request, _error: Exception) -> JSONResponse:
    # A value that passed validation but that the database cannot hold (a NUL character in a
    # query parameter, say): the transaction was rolled back, so nothing was written.
    return problem(400, "The request holds a value that cannot be stored, such as a NUL character.")


def install_refusal_handlers(app: FastAPI) -> None:
    app.add_exception_handler(OntzorgenError, _refused)
    app.add_exception_handler(ledger_errors.LedgerError, _refused)
    app.add_exception_handler(DataError, _unstorable)
