"""Taking in a bank statement for one municipality: only a statement of its own bank account.

``statements.import_statement`` matches lines by EndToEndId across all runs; a statement that an
officer uploads for their municipality must be of that municipality's account, or an officer could
confirm or return another municipality's payments. The file is parsed (and a bad or hostile one
refused whole) before the account is compared; nothing is written unless it is the right account.
"""

from __future__ import annotations

from datetime import date

from ontzorgen import statements
from ontzorgen.camt import parse_statement
from ontzorgen.errors import OntzorgenError
from ontzorgen.runs import NoBankAccount
from ontzorgen.statements import ImportResult, UnknownPayment
from ontzorgen.unit_of_work import UnitOfWork


class StatementOfAnotherAccount(OntzorgenError):
    """A statement was offered for a municipality whose bank account it is not about."""

    def __init__(self, municipality_id: int, statement_iban: str) -> None:
        super().__init__(
            f"The statement is of account {statement_iban}, which is not the bank account of "
            f"municipality {municipality_id}. Upload the statement of the municipality's own "
            "account, or the statement to the municipality it belongs to."
        )
        self.municipality_id, self.statement_iban = municipality_id, statement_iban


def _electronic(iban: str) -> str:
    return "".join(iban.split()).upper()


def import_municipal_statement(
    uow: UnitOfWork,
    municipality_id: int,
    data: bytes,
    *,
    file_name: str,
    actor: str,
    today: date,
) -> ImportResult:
    """Import ``data`` as a statement of ``municipality_id``'s own account (idempotent by file)."""
    statement = parse_statement(data)  # refuses a bad file before anything else
    with uow:
        uow.repository.get_municipality(municipality_id)
        account = uow.runs.bank_account(municipality_id)
    if account is None:
        raise NoBankAccount(municipality_id)
    if _electronic(statement.account_iban) != _electronic(account.iban):
        raise StatementOfAnotherAccount(municipality_id, statement.account_iban)
    return statements.import_statement(uow, data, file_name=file_name, actor=actor, today=today)


def match_by_hand_within(
    uow: UnitOfWork,
    municipality_ids: frozenset[int],
    import_id: int,
    position: int,
    payment_id: int,
    *,
    actor: str,
) -> None:
    """``statements.match_by_hand``, for a payment of one of the statement's municipalities only:
    a line of one municipality's account cannot mark another municipality's payment as paid."""
    with uow:
        payment = uow.runs.get_payment(payment_id)
        municipality_id = None if payment is None else uow.access.run_municipality(payment.run_id)
    if municipality_id not in municipality_ids:
        # Unknown to whoever cannot reach it: another municipality's payment is not shown to exist.
        raise UnknownPayment(payment_id)
    statements.match_by_hand(uow, import_id, position, payment_id, actor=actor)
