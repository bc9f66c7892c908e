"""Reading the bank's day statement (ISO 20022 camt.053) to confirm or return our payments.

The municipality's bank (BNG Bank, like every Dutch bank following the NVB/Betaalvereniging
guideline) reports each booking on the ontzorging account in a camt.053 statement. This module
turns such a file, versions ``camt.053.001.02`` and ``camt.053.001.08``, into plain values that the
payment matching can use: per transaction the amount in cents, the direction, the booking date, our
EndToEndId and, for a returned credit transfer, the return reason.

Bank files are untrusted input. Invariants this module keeps:

- Nothing is parsed before the size check, and parsing goes through ``defusedxml`` with DTDs,
  entity declarations and external references refused, so no entity expansion (billion laughs)
  and no file or network access (XXE) can happen.
- Every refusal raises ``InvalidStatementFile``, never a parser's own exception; a file is either
  read completely or refused, so no caller ever sees part of a statement.
- Amounts are read from their decimal text into whole euro cents without floats; only EUR with at
  most two decimals is accepted.
- A batch-booked entry becomes one ``StatementEntry`` per transaction, and the transactions must
  add up to the booked amount; when the statement gives an opening and a closing balance, the
  booked entries must add up to the difference. A file that does not add up is refused.

Plain Python: no database, web or scheduler library is imported here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from xml.etree.ElementTree import Element, ParseError, TreeBuilder
from xml.parsers.expat import ErrorString, XMLParserType
from zoneinfo import ZoneInfo

from defusedxml.common import DefusedXmlException, DTDForbidden, EntitiesForbidden
from defusedxml.ElementTree import DefusedXMLParser

from ledger.errors import AmountNotWholeCents, AmountOutOfRange
from ledger.money import Money
from ontzorgen.errors import OntzorgenError
from ontzorgen.identifiers import Iban, InvalidIban

#: The statement versions this module reads, by XML namespace. Version .02 is what most Dutch
#: banks still send; .08 is the version of the 2019 ISO maintenance release that BNG Bank offers.
NAMESPACE_VERSIONS: dict[str, str] = {
    "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02": "camt.053.001.02",
    "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08": "camt.053.001.08",
}
#: A day statement of one municipal account is a few megabytes at most; 50 MB leaves room for a
#: month in one file while keeping a hostile upload from exhausting memory.
STATEMENT_SIZE_MAX_BYTES = 50_000_000
#: The only currency of the ontzorging account.
CURRENCY = "EUR"
#: What the bank writes when the payer gave no EndToEndId (SEPA rulebook).
END_TO_END_ID_NOT_PROVIDED = "NOTPROVIDED"
#: ISO 20022 text lengths: identifiers are Max35Text, names and remittance lines Max140Text.
IDENTIFIER_LENGTH_MAX = 35
FREE_TEXT_LENGTH_MAX = 140
#: ISO's code for "reason not specified": used for a return whose file names no reason code.
RETURN_REASON_UNSPECIFIED = "MS03"
#: The bank transaction code of a returned credit transfer (domain PMNT, family ICDT).
RETURNED_CREDIT_TRANSFER_SUBFAMILY = "RRTN"
#: A file's creation time without a UTC offset is local time at the Dutch bank.
BANK_TIME_ZONE = ZoneInfo("Europe/Amsterdam")
#: How much of a refused value an error message repeats; a hostile file stays out of the logs.
SHOWN_LENGTH_MAX = 40

_ADVICE_NEW_FILE = (
    "Download the statement from the bank again, or ask the bank for a corrected file."
)
_ADVICE_FORMAT = (
    "Download the day statement (camt.053, version .02 or .08) from the bank's portal; "
    "an account report (camt.052), a notification (camt.054) or a payment file (pain) will not do."
)

_AMOUNT = re.compile(r"[0-9]{1,15}(?:\.[0-9]{1,2})?")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DATE_TIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?(?:Z|[+-][0-9]{2}:[0-9]{2})?"
)
_REASON_CODE = re.compile(r"[A-Z0-9]{1,4}")
_ISO_NAMESPACE = re.compile(
    r"urn:iso:std:iso:20022:tech:xsd:([a-z]{4}\.[0-9]{3}\.[0-9]{3}\.[0-9]{2})"
)

#: Return reasons for SEPA credit transfers, explained for a coach at language level B1. The codes
#: are ISO 20022 ExternalReturnReason1Code values that the EPC rulebook allows for a return.
RETURN_REASONS: dict[str, str] = {
    "AC01": (
        "Het rekeningnummer (IBAN) klopt niet. Vraag de schuldeiser om het juiste rekeningnummer."
    ),
    "AC03": (
        "Het rekeningnummer (IBAN) van de ontvanger bestaat niet. Vraag de schuldeiser om het "
        "juiste rekeningnummer."
    ),
    "AC04": (
        "De rekening van de ontvanger is opgeheven. Vraag de schuldeiser om een nieuw "
        "rekeningnummer."
    ),
    "AC06": (
        "De rekening van de ontvanger is geblokkeerd. Neem contact op met de schuldeiser en vraag "
        "hoe u nu kunt betalen."
    ),
    "AG01": (
        "Op deze rekening mag de bank geen overboeking ontvangen. Bijvoorbeeld omdat het een "
        "spaarrekening is. Vraag de schuldeiser om een ander rekeningnummer."
    ),
    "AG02": (
        "De bank kon de betaalopdracht niet uitvoeren, omdat er een fout in zat. Controleer de "
        "gegevens van de betaling en betaal opnieuw."
    ),
    "AM05": (
        "De betaling was dubbel. De bank heeft de tweede betaling teruggestuurd. Controleer of de "
        "eerste betaling wel is aangekomen."
    ),
    "AM09": (
        "Het bedrag klopt niet volgens de ontvanger. Vraag de schuldeiser welk bedrag u moet "
        "betalen."
    ),
    "BE04": (
        "Het adres van de ontvanger ontbreekt of klopt niet. Vraag de schuldeiser om het juiste "
        "adres."
    ),
    "CNOR": (
        "De bank van de ontvanger kan deze betaling niet ontvangen. Vraag de schuldeiser om een "
        "ander rekeningnummer."
    ),
    "FF01": (
        "De bank kon de betaalopdracht niet lezen. Controleer de gegevens van de betaling en "
        "betaal opnieuw."
    ),
    "FOCR": (
        "De ontvanger heeft het geld teruggestuurd, omdat wij daarom hadden gevraagd "
        "(terugroepverzoek). Bijvoorbeeld omdat de betaling dubbel of onjuist was."
    ),
    "MD07": (
        "De rekeninghouder is overleden. Neem contact op met de schuldeiser en vraag hoe u nu "
        "moet betalen."
    ),
    "MS02": (
        "De ontvanger heeft de betaling geweigerd en geen reden gegeven. Neem contact op met de "
        "schuldeiser."
    ),
    "MS03": (
        "De bank heeft het geld teruggestuurd en geen reden gegeven. Neem contact op met de "
        "schuldeiser."
    ),
    "RC01": (
        "De bankcode (BIC) van de ontvanger klopt niet. Vraag de schuldeiser om de juiste gegevens."
    ),
    "RR01": (
        "Gegevens van de rekeninghouder ontbreken. Dat mag niet volgens de regels. Vraag de "
        "schuldeiser om de juiste gegevens."
    ),
    "RR02": (
        "De naam of het adres van de betaler ontbreekt. Dat mag niet volgens de regels. Neem "
        "contact op met de bank."
    ),
    "RR03": (
        "De naam of het adres van de ontvanger ontbreekt. Dat mag niet volgens de regels. Vraag "
        "de schuldeiser om de juiste naam en het juiste adres."
    ),
    "RR04": (
        "De bank mocht deze betaling niet uitvoeren door wetten of regels. Neem contact op met de "
        "schuldeiser of met de bank."
    ),
}


class InvalidStatementFile(OntzorgenError):
    """A bank statement file was refused because it is not a complete, valid camt.053 statement."""

    def __init__(self, reason: str, line: int | None = None) -> None:
        where = "" if line is None else f"line {line}: "
        super().__init__(f"{where}{reason}")
        self.reason, self.line = reason, line


@dataclass(frozen=True, slots=True)
class StatementEntry:
    """One transaction on the statement: a batch-booked entry yields one per transaction."""

    amount: Money
    credit: bool
    booked_on: date
    value_on: date | None
    status: str
    end_to_end_id: str | None
    return_reason: str | None
    remittance: str | None
    counterparty_name: str | None
    counterparty_iban: str | None
    account_servicer_reference: str | None

    @property
    def is_return(self) -> bool:
        """Whether this is one of our credit transfers coming back (AC04, MD07, ...)."""
        return self.credit and self.return_reason is not None


@dataclass(frozen=True, slots=True)
class BankStatement:
    """One account's statement, read completely: the entries in the order of the file."""

    version: str
    message_id: str
    statement_id: str
    account_iban: str
    created_at: datetime
    entries: tuple[StatementEntry, ...]


def explain_return_reason(code: str | None) -> str:
    """A plain Dutch sentence for a coach about why a payment came back."""
    if code is None or not code.strip():
        return RETURN_REASONS[RETURN_REASON_UNSPECIFIED]
    normalised = code.strip().upper()
    if normalised in RETURN_REASONS:
        return RETURN_REASONS[normalised]
    shown = normalised if _REASON_CODE.fullmatch(normalised) else "die wij niet kennen"
    return (
        f"De bank heeft het geld teruggestuurd met code {shown}. Wij kennen deze code niet. "
        "Vraag de bank wat de code betekent en neem contact op met de schuldeiser."
    )


def parse_statement(
    data: bytes, *, size_max_bytes: int = STATEMENT_SIZE_MAX_BYTES
) -> BankStatement:
    """Read a camt.053 file that holds exactly one statement, or refuse it whole."""
    statements = parse_statements(data, size_max_bytes=size_max_bytes)
    if len(statements) != 1:
        raise InvalidStatementFile(
            f"The file holds {len(statements)} statements (Stmt) where one is expected. "
            "Ask the bank for one file per account and day, or read it with parse_statements."
        )
    return statements[0]


def parse_statements(
    data: bytes, *, size_max_bytes: int = STATEMENT_SIZE_MAX_BYTES
) -> tuple[BankStatement, ...]:
    """Read every statement in a camt.053 file (a bank may put several accounts in one file)."""
    if not isinstance(data, bytes | bytearray):
        raise TypeError(f"A statement file is read from bytes, got {type(data).__name__}.")
    if len(data) > size_max_bytes:
        raise InvalidStatementFile(
            f"The file is {len(data)} bytes, more than the {size_max_bytes} bytes a statement may "
            "have. Ask the bank for a statement per day instead of one for a long period."
        )
    if not data.strip():
        raise InvalidStatementFile(f"The file is empty. {_ADVICE_NEW_FILE}")
    root, lines = _parse_xml(bytes(data))
    return _Reader(root, lines).statements()


class _LineRecordingTreeBuilder(TreeBuilder):
    """A tree builder that remembers the line of each element, for error messages."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: dict[Element, int] = {}
        self.expat: XMLParserType | None = None

    def start(self, tag: Any, attrs: dict[Any, Any], /) -> Element:
        element = super().start(tag, attrs)
        if self.expat is not None:
            self.lines[element] = self.expat.CurrentLineNumber
        return element


def _parse_xml(data: bytes) -> tuple[Element, dict[Element, int]]:
    builder = _LineRecordingTreeBuilder()
    # A bank file never needs a DTD: refusing any DOCTYPE shuts out entity expansion and external
    # entities before expat reads a single declaration.
    parser = DefusedXMLParser(
        target=builder, forbid_dtd=True, forbid_entities=True, forbid_external=True
    )
    builder.expat = parser.parser
    try:
        parser.feed(data)
        root = parser.close()
    except DefusedXmlException as error:
        line = parser.parser.CurrentLineNumber
        if isinstance(error, DTDForbidden):
            kind = "a document type declaration (DOCTYPE)"
        elif isinstance(error, EntitiesForbidden):
            kind = "an entity declaration"
        else:
            kind = "a reference to an external resource"
        raise InvalidStatementFile(
            f"The file contains {kind}, which a bank statement never has and which could make "
            f"the reader fetch files or expand text without limit. {_ADVICE_NEW_FILE}",
            line,
        ) from None
    except ParseError as error:
        line, column = error.position
        raise InvalidStatementFile(
            f"The file is not well-formed XML at column {column} ({ErrorString(error.code)}); it "
            f"may be cut off, damaged or not XML at all. {_ADVICE_NEW_FILE}",
            line,
        ) from None
    except (ValueError, LookupError) as error:
        # An unknown encoding declaration or bytes that fit no encoding end up here.
        raise InvalidStatementFile(
            f"The file cannot be read as text ({_shown(str(error))}). {_ADVICE_NEW_FILE}"
        ) from None
    if not isinstance(root, Element):
        raise InvalidStatementFile(f"The file holds no XML element. {_ADVICE_NEW_FILE}")
    return root, builder.lines


def _shown(text: str) -> str:
    """The start of a refused value, quoted, for an error message."""
    if len(text) <= SHOWN_LENGTH_MAX:
        return repr(text)
    return repr(text[:SHOWN_LENGTH_MAX]) + f" (and {len(text) - SHOWN_LENGTH_MAX} more characters)"


@dataclass(frozen=True, slots=True)
class _Transaction:
    """What one TxDtls (or an entry without details) says, before the amount is settled."""

    amount: Money | None
    end_to_end_id: str | None
    return_reason: str | None
    remittance: str | None
    counterparty_name: str | None
    counterparty_iban: str | None
    account_servicer_reference: str | None


class _Reader:
    """Walks one parsed document; every lookup is namespaced and refuses duplicates."""

    def __init__(self, root: Element, lines: dict[Element, int]) -> None:
        self.root = root
        self.lines = lines
        self.namespace, self.version = self._namespace_and_version(root)

    # -- navigation -------------------------------------------------------------------------

    def line(self, element: Element) -> int | None:
        return self.lines.get(element)

    def _qualified(self, path: str) -> str:
        return "/".join(f"{{{self.namespace}}}{step}" for step in path.split("/"))

    def all(self, parent: Element, path: str) -> list[Element]:
        return parent.findall(self._qualified(path))

    def optional(self, parent: Element, path: str) -> Element | None:
        found = self.all(parent, path)
        if len(found) > 1:
            # Two EndToEndIds or two amounts in one place make the file ambiguous; guessing
            # which one the bank meant could confirm the wrong payment.
            raise InvalidStatementFile(
                f"{path} appears {len(found)} times where the standard allows it once. "
                f"{_ADVICE_NEW_FILE}",
                self.line(found[1]),
            )
        return found[0] if found else None

    def required(self, parent: Element, path: str) -> Element:
        found = self.optional(parent, path)
        if found is None:
            raise InvalidStatementFile(
                f"{self._local(parent)} has no {path}, which a statement must have. "
                f"{_ADVICE_NEW_FILE}",
                self.line(parent),
            )
        return found

    def text(self, element: Element, *, length_max: int) -> str | None:
        """The element's text with outer whitespace removed; ``None`` when it is empty."""
        if len(element):
            # Text split around a child element could hide part of an identifier.
            raise InvalidStatementFile(
                f"{self._local(element)} holds elements where only text is allowed. "
                f"{_ADVICE_NEW_FILE}",
                self.line(element),
            )
        value = (element.text or "").strip()
        if len(value) > length_max:
            raise InvalidStatementFile(
                f"{self._local(element)} {_shown(value)} has {len(value)} characters, more than "
                f"the {length_max} the standard allows. {_ADVICE_NEW_FILE}",
                self.line(element),
            )
        return value or None

    def optional_text(
        self, parent: Element, path: str, *, length_max: int = IDENTIFIER_LENGTH_MAX
    ) -> str | None:
        element = self.optional(parent, path)
        return None if element is None else self.text(element, length_max=length_max)

    def required_text(
        self, parent: Element, path: str, *, length_max: int = IDENTIFIER_LENGTH_MAX
    ) -> str:
        element = self.required(parent, path)
        value = self.text(element, length_max=length_max)
        if value is None:
            raise InvalidStatementFile(
                f"{path} is empty, but a statement must fill it in. {_ADVICE_NEW_FILE}",
                self.line(element),
            )
        return value

    def _local(self, element: Element) -> str:
        return element.tag.rpartition("}")[2]

    # -- values -----------------------------------------------------------------------------

    def amount(self, element: Element, *, zero_allowed: bool = False) -> Money:
        """An ``Amt``-like element: EUR, a plain decimal with at most two decimals, no float."""
        currency = element.get("Ccy")
        if currency != CURRENCY:
            shown = "has no currency (Ccy)" if currency is None else f"is in {_shown(currency)}"
            raise InvalidStatementFile(
                f"{self._local(element)} {shown}; the ontzorging account holds only "
                f"{CURRENCY}. Check that this is the statement of the right account.",
                self.line(element),
            )
        return self.decimal(element, zero_allowed=zero_allowed)

    def decimal(self, element: Element, *, zero_allowed: bool = False) -> Money:
        text = (element.text or "").strip()
        if not _AMOUNT.fullmatch(text):
            raise InvalidStatementFile(
                f"{self._local(element)} {_shown(text)} is not an amount in euro with at most two "
                f"decimals (such as 650.00). {_ADVICE_NEW_FILE}",
                self.line(element),
            )
        whole, _, fraction = text.partition(".")
        try:
            money = Money(int(whole) * 100 + int(fraction.ljust(2, "0")))
        except (AmountNotWholeCents, AmountOutOfRange):
            raise InvalidStatementFile(
                f"{self._local(element)} {_shown(text)} is larger than any amount the ledger "
                f"accepts. {_ADVICE_NEW_FILE}",
                self.line(element),
            ) from None
        if money.cents == 0 and not zero_allowed:
            raise InvalidStatementFile(
                f"{self._local(element)} is 0.00, but a booking always moves money. "
                f"{_ADVICE_NEW_FILE}",
                self.line(element),
            )
        return money

    def credit(self, parent: Element) -> bool:
        element = self.required(parent, "CdtDbtInd")
        return self._credit_value(element)

    def _credit_value(self, element: Element) -> bool:
        value = (element.text or "").strip()
        if value not in ("CRDT", "DBIT"):
            raise InvalidStatementFile(
                f"CdtDbtInd {_shown(value)} is neither CRDT nor DBIT. {_ADVICE_NEW_FILE}",
                self.line(element),
            )
        return value == "CRDT"

    def date_choice(self, parent: Element, path: str) -> date | None:
        """A DateAndDateTimeChoice (``Dt`` or ``DtTm``); a date-time counts by its own date."""
        choice = self.optional(parent, path)
        if choice is None:
            return None
        day = self.optional(choice, "Dt")
        moment = self.optional(choice, "DtTm")
        if (day is None) == (moment is None):
            raise InvalidStatementFile(
                f"{path} must hold exactly one of Dt and DtTm. {_ADVICE_NEW_FILE}",
                self.line(choice),
            )
        if day is not None:
            return self.date(day)
        assert moment is not None
        # The bank writes its own local date and time; the booking day is the day it wrote.
        return self.date_time(moment).date()

    def date(self, element: Element) -> date:
        text = (element.text or "").strip()
        try:
            if not _DATE.fullmatch(text):
                raise ValueError(text)
            return date.fromisoformat(text)
        except ValueError:
            raise InvalidStatementFile(
                f"{self._local(element)} {_shown(text)} is not a date like 2025-03-03. "
                f"{_ADVICE_NEW_FILE}",
                self.line(element),
            ) from None

    def date_time(self, element: Element) -> datetime:
        text = (element.text or "").strip()
        try:
            if not _DATE_TIME.fullmatch(text):
                raise ValueError(text)
            return datetime.fromisoformat(text)
        except ValueError:
            raise InvalidStatementFile(
                f"{self._local(element)} {_shown(text)} is not a date and time like "
                f"2025-03-04T06:15:42+01:00. {_ADVICE_NEW_FILE}",
                self.line(element),
            ) from None

    def iban(self, account: Element | None) -> str | None:
        """The IBAN of a CashAccount (``Id/IBAN``); ``None`` for an account without one."""
        if account is None:
            return None
        element = self.optional(account, "Id/IBAN")
        if element is None:
            return None
        text = self.text(element, length_max=IDENTIFIER_LENGTH_MAX)
        if text is None:
            return None
        try:
            return Iban.parse(text).value
        except InvalidIban as error:
            raise InvalidStatementFile(
                f"IBAN {_shown(text)} is not valid: {error.reason}. {_ADVICE_NEW_FILE}",
                self.line(element),
            ) from None

    # -- structure --------------------------------------------------------------------------

    def _namespace_and_version(self, root: Element) -> tuple[str, str]:
        namespace, _, local = root.tag.rpartition("}")
        namespace = namespace.lstrip("{")
        if namespace in NAMESPACE_VERSIONS and local == "Document":
            return namespace, NAMESPACE_VERSIONS[namespace]
        iso = _ISO_NAMESPACE.fullmatch(namespace)
        if namespace in NAMESPACE_VERSIONS:
            found = f"a {NAMESPACE_VERSIONS[namespace]} file whose root is {_shown(local)}"
        elif iso is not None:
            found = f"a {iso.group(1)} file"
        elif namespace:
            found = f"an XML file in namespace {_shown(namespace)}"
        else:
            found = "an XML file without the ISO 20022 namespace"
        raise InvalidStatementFile(
            f"This is {found}, not a camt.053 bank statement (version .02 or .08). "
            f"{_ADVICE_FORMAT}",
            self.line(root),
        )

    def statements(self) -> tuple[BankStatement, ...]:
        document = self.required(self.root, "BkToCstmrStmt")
        header = self.required(document, "GrpHdr")
        message_id = self.required_text(header, "MsgId")
        created_element = self.required(header, "CreDtTm")
        created_at = self.date_time(created_element)
        if created_at.tzinfo is None:
            created_at = created_at.replace(tzinfo=BANK_TIME_ZONE)
        statements = self.all(document, "Stmt")
        if not statements:
            raise InvalidStatementFile(
                f"BkToCstmrStmt holds no statement (Stmt). {_ADVICE_NEW_FILE}", self.line(document)
            )
        paginated = self._is_partial_page(header, "MsgPgntn")
        return tuple(
            self.statement(element, message_id, created_at, paginated) for element in statements
        )

    def _is_partial_page(self, parent: Element, path: str) -> bool:
        pagination = self.optional(parent, path)
        if pagination is None:
            return False
        page = self.optional_text(pagination, "PgNb")
        last = self.optional_text(pagination, "LastPgInd")
        return page not in (None, "1") or last not in (None, "true", "1")

    def statement(
        self, element: Element, message_id: str, created_at: datetime, paginated: bool
    ) -> BankStatement:
        statement_id = self.required_text(element, "Id")
        account = self.required(element, "Acct")
        account_iban = self.iban(account)
        if account_iban is None:
            raise InvalidStatementFile(
                "The statement's account (Acct/Id) has no IBAN. Check that this is the statement "
                "of the ontzorging account.",
                self.line(account),
            )
        account_currency = self.optional(account, "Ccy")
        if account_currency is not None and (account_currency.text or "").strip() != CURRENCY:
            raise InvalidStatementFile(
                f"The account's currency is {_shown((account_currency.text or '').strip())}; the "
                f"ontzorging account holds only {CURRENCY}. Check that this is the right account.",
                self.line(account_currency),
            )
        entries: list[StatementEntry] = []
        booked_net_cents = 0
        for entry in self.all(element, "Ntry"):
            read = self.entry(entry, account_iban)
            entries.extend(read)
            if read[0].status == "BOOK":
                total_cents = sum(item.amount.cents for item in read)
                booked_net_cents += total_cents if read[0].credit else -total_cents
        if not (paginated or self._is_partial_page(element, "StmtPgntn")):
            self.check_balances(element, booked_net_cents)
        return BankStatement(
            version=self.version,
            message_id=message_id,
            statement_id=statement_id,
            account_iban=account_iban,
            created_at=created_at,
            entries=tuple(entries),
        )

    def check_balances(self, statement: Element, booked_net_cents: int) -> None:
        """Opening balance plus the booked entries must give the closing balance."""
        balances: dict[str, list[tuple[int, Element]]] = {}
        for balance in self.all(statement, "Bal"):
            code = self.optional_text(balance, "Tp/CdOrPrtry/Cd") or ""
            amount_element = self.required(balance, "Amt")
            cents = self.amount(amount_element, zero_allowed=True).cents
            signed_cents = cents if self.credit(balance) else -cents
            balances.setdefault(code, []).append((signed_cents, balance))
        opening = balances.get("OPBD") or balances.get("PRCD") or []
        closing = balances.get("CLBD") or []
        if len(opening) != 1 or len(closing) != 1:
            # Without exactly one opening and one closing balance there is nothing to check.
            return
        (opening_cents, _), (closing_cents, closing_element) = opening[0], closing[0]
        if opening_cents + booked_net_cents != closing_cents:
            raise InvalidStatementFile(
                f"The opening balance {Money(opening_cents)} plus the booked entries "
                f"{Money(booked_net_cents)} does not give the closing balance "
                f"{Money(closing_cents)}, so entries are missing or altered. {_ADVICE_NEW_FILE}",
                self.line(closing_element),
            )

    def entry(self, entry: Element, account_iban: str) -> list[StatementEntry]:
        amount = self.amount(self.required(entry, "Amt"))
        credit = self.credit(entry)
        status = self.status(entry)
        booked_on = self.date_choice(entry, "BookgDt")
        if booked_on is None:
            raise InvalidStatementFile(
                f"Ntry has no booking date (BookgDt), which a statement must give. "
                f"{_ADVICE_NEW_FILE}",
                self.line(entry),
            )
        value_on = self.date_choice(entry, "ValDt")
        entry_reference = self.optional_text(entry, "AcctSvcrRef")
        returned = self.optional_text(entry, "BkTxCd/Domn/Fmly/SubFmlyCd") == (
            RETURNED_CREDIT_TRANSFER_SUBFAMILY
        )
        transactions = [
            self.transaction(details, credit, account_iban, entry_reference, returned)
            for details in self.transaction_details(entry)
        ]
        if not transactions:
            transactions = [
                _Transaction(
                    amount=None,
                    end_to_end_id=None,
                    return_reason=RETURN_REASON_UNSPECIFIED if returned else None,
                    remittance=None,
                    counterparty_name=None,
                    counterparty_iban=None,
                    account_servicer_reference=entry_reference,
                )
            ]
        amounts = self.split_amount(entry, amount, transactions)
        return [
            StatementEntry(
                amount=part,
                credit=credit,
                booked_on=booked_on,
                value_on=value_on,
                status=status,
                end_to_end_id=transaction.end_to_end_id,
                return_reason=transaction.return_reason,
                remittance=transaction.remittance,
                counterparty_name=transaction.counterparty_name,
                counterparty_iban=transaction.counterparty_iban,
                account_servicer_reference=transaction.account_servicer_reference,
            )
            for transaction, part in zip(transactions, amounts, strict=True)
        ]

    def status(self, entry: Element) -> str:
        if self.version == "camt.053.001.02":
            return self.required_text(entry, "Sts")
        element = self.required(entry, "Sts")
        # From version .04 on the status is a choice of an ISO code or a bank's own code.
        code = self.optional_text(element, "Cd")
        proprietary = self.optional_text(element, "Prtry")
        if (code is None) == (proprietary is None):
            raise InvalidStatementFile(
                f"Sts must hold exactly one of Cd and Prtry. {_ADVICE_NEW_FILE}", self.line(element)
            )
        return code if code is not None else str(proprietary)

    def transaction_details(self, entry: Element) -> list[Element]:
        details: list[Element] = []
        for entry_details in self.all(entry, "NtryDtls"):
            transactions = self.all(entry_details, "TxDtls")
            batch_size = self.optional_text(entry_details, "Btch/NbOfTxs", length_max=15)
            listed_count = len(transactions)
            if listed_count and batch_size is not None and not _counts(batch_size, listed_count):
                # A batch whose details are partly missing cannot be split by EndToEndId; reading
                # the listed ones as the whole batch would confirm payments that were not made.
                raise InvalidStatementFile(
                    f"The batch says it holds {_shown(batch_size)} transactions but lists "
                    f"{listed_count}. Ask the bank to report every transaction of a batch.",
                    self.line(entry_details),
                )
            details.extend(transactions)
        return details

    def transaction(
        self,
        details: Element,
        entry_credit: bool,
        account_iban: str,
        entry_reference: str | None,
        returned: bool,
    ) -> _Transaction:
        direction = self.optional(details, "CdtDbtInd")
        if direction is not None and self._credit_value(direction) != entry_credit:
            raise InvalidStatementFile(
                "A transaction's CdtDbtInd differs from its entry's; one booking cannot both "
                f"credit and debit the account. {_ADVICE_NEW_FILE}",
                self.line(direction),
            )
        end_to_end_id = self.optional_text(details, "Refs/EndToEndId")
        if end_to_end_id == END_TO_END_ID_NOT_PROVIDED:
            end_to_end_id = None
        name, iban = self.counterparty(details, entry_credit, account_iban)
        return _Transaction(
            amount=self.transaction_amount(details),
            end_to_end_id=end_to_end_id,
            return_reason=self.return_reason(details, returned),
            remittance=self.remittance(details),
            counterparty_name=name,
            counterparty_iban=iban,
            account_servicer_reference=self.optional_text(details, "Refs/AcctSvcrRef")
            or entry_reference,
        )

    def transaction_amount(self, details: Element) -> Money | None:
        own = self.optional(details, "Amt")
        booked = self.optional(details, "AmtDtls/TxAmt/Amt")
        amounts = [self.amount(element) for element in (own, booked) if element is not None]
        if len(amounts) == 2 and amounts[0] != amounts[1]:
            raise InvalidStatementFile(
                f"The transaction's Amt {amounts[0]} differs from its AmtDtls/TxAmt {amounts[1]}. "
                f"{_ADVICE_NEW_FILE}",
                self.line(details),
            )
        return amounts[0] if amounts else None

    def split_amount(
        self, entry: Element, amount: Money, transactions: list[_Transaction]
    ) -> list[Money]:
        """The amount of each transaction; together they must be exactly the booked amount."""
        if len(transactions) == 1:
            own = transactions[0].amount
            parts = [amount if own is None else own]
        else:
            missing = [transaction for transaction in transactions if transaction.amount is None]
            if missing:
                raise InvalidStatementFile(
                    f"{len(missing)} of the {len(transactions)} transactions of a batch have no "
                    "amount, so the batch cannot be split per payment. Ask the bank to report "
                    "the amount of every transaction (TxDtls/Amt or AmtDtls/TxAmt).",
                    self.line(entry),
                )
            parts = [
                transaction.amount for transaction in transactions if transaction.amount is not None
            ]
        total_cents = sum(part.cents for part in parts)
        if total_cents != amount.cents:
            raise InvalidStatementFile(
                f"The entry books {amount} but its transactions add up to {Money(total_cents)}. "
                f"{_ADVICE_NEW_FILE}",
                self.line(entry),
            )
        return parts

    def return_reason(self, details: Element, returned: bool) -> str | None:
        information = self.optional(details, "RtrInf")
        if information is None:
            return RETURN_REASON_UNSPECIFIED if returned else None
        code_element = self.optional(information, "Rsn/Cd")
        if code_element is not None:
            code = self.text(code_element, length_max=4)
            if code is None or not _REASON_CODE.fullmatch(code):
                raise InvalidStatementFile(
                    f"Return reason {_shown(code or '')} is not an ISO reason code such as AC04. "
                    f"{_ADVICE_NEW_FILE}",
                    self.line(code_element),
                )
            return code
        # A bank's own code still marks a return; without any code the return is unexplained.
        return self.optional_text(information, "Rsn/Prtry") or RETURN_REASON_UNSPECIFIED

    def remittance(self, details: Element) -> str | None:
        lines = [
            self.text(element, length_max=FREE_TEXT_LENGTH_MAX)
            for element in self.all(details, "RmtInf/Ustrd")
        ]
        if not any(lines):
            lines = [
                self.text(element, length_max=IDENTIFIER_LENGTH_MAX)
                for element in self.all(details, "RmtInf/Strd/CdtrRefInf/Ref")
            ]
        return _joined(line for line in lines if line)

    def counterparty(
        self, details: Element, credit: bool, account_iban: str
    ) -> tuple[str | None, str | None]:
        """The other side: the debtor of a credit, the creditor of a debit, never our account.

        Banks differ on a returned transfer: some name the returning creditor as the debtor, others
        keep the original parties. Skipping our own account gives the creditor either way.
        """
        debtor = self.party(details, "Dbtr", "DbtrAcct")
        creditor = self.party(details, "Cdtr", "CdtrAcct")
        for name, iban in (debtor, creditor) if credit else (creditor, debtor):
            if (name is not None or iban is not None) and iban != account_iban:
                return name, iban
        return None, None

    def party(self, details: Element, role: str, account: str) -> tuple[str | None, str | None]:
        parties = self.optional(details, "RltdPties")
        if parties is None:
            return None, None
        # Version .02 names the party directly; from .04 on it sits in a Pty (or Agt) choice.
        # An Element with no children is falsy, so the choice is made with explicit None checks.
        name_element = self.optional(parties, f"{role}/Pty/Nm")
        if name_element is None:
            name_element = self.optional(parties, f"{role}/Nm")
        name = None
        if name_element is not None:
            name = _joined([self.text(name_element, length_max=FREE_TEXT_LENGTH_MAX) or ""])
        return name, self.iban(self.optional(parties, account))


def _counts(text: str, count: int) -> bool:
    """Whether a Max15NumericText such as ``"3"`` or ``"003"`` says ``count``."""
    return text.isascii() and text.isdigit() and int(text) == count


def _joined(lines: Iterable[str]) -> str | None:
    """Lines joined by single spaces, inner runs of whitespace collapsed; ``None`` when empty."""
    text = " ".join(" ".join(lines).split())
    return text or None
