"""Identifiers and references on a payment: IBAN, BIC, BSN, betalingskenmerk, remittance text, name.

Each is a small frozen value that can only be built valid: ``parse`` reads what a person typed or a
file held, normalises it and refuses anything that fails its check with a named error. Invariants:

- An ``Iban`` holds the electronic form (no spaces, upper case) and passes length, country format
  and mod 97; a ``Bic`` passes schwifty's structure check.
- A ``Bsn`` passes the 11-proef and never shows more than its last three digits in ``repr``, ``str``
  or an error message, because a BSN may not appear in a log line (DOMAIN.md §8).
- A ``Betalingskenmerk`` has a length the Betaalvereniging allows and a correct check digit.
- Remittance text fits SEPA's 140 characters; an account-holder name fits 70 and keeps its spelling.

Plain Python: no database, web or scheduler library is imported here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TypeAlias

import schwifty
from schwifty.exceptions import (
    InvalidChecksumDigits,
    InvalidCountryCode,
    InvalidLength,
    SchwiftyException,
)
from stdnum.exceptions import InvalidChecksum, ValidationError
from stdnum.nl import bsn as stdnum_bsn

from ontzorgen.errors import OntzorgenError

#: Unstructured remittance information (``RmtInf/Ustrd``) is Max140Text in pain.001.
FREE_TEXT_REFERENCE_LENGTH_MAX = 140
#: SEPA allows 140 characters for a name, but pain.001 practice and Verification of Payee use 70.
ACCOUNT_HOLDER_NAME_LENGTH_MAX = 70
#: How much of a refused input an error message repeats; a pasted document stays out of the logs.
SHOWN_LENGTH_MAX = 40
#: How many trailing BSN digits may be shown; enough to tell two people apart on a screen.
BSN_DIGITS_SHOWN = 3

#: The weighted modulus-11 weights of the betalingskenmerk, applied from the rightmost digit
#: leftwards and repeated after ten digits. They are the powers of 2 modulo 11 (2, 4, 8, 16 = 5,
#: ...), so every weight is non-zero modulo the prime 11: changing one digit always changes the
#: weighted sum modulo 11. That does not make every change detectable, see ``Betalingskenmerk``.
BETALINGSKENMERK_WEIGHTS = (2, 4, 8, 5, 10, 9, 7, 3, 6, 1)
#: The lengths the Betaalvereniging allows (specificaties NL-betalingskenmerk): 7 digits carry no
#: check digit, 9 to 14 digits carry a check digit and a length code, 16 digits a check digit only.
#: 8 and 15 digits are not in the specification.
BETALINGSKENMERK_LENGTHS = frozenset({7, 9, 10, 11, 12, 13, 14, 16})
BETALINGSKENMERK_LENGTH_WITHOUT_CHECK = 7
BETALINGSKENMERK_LENGTH_WITHOUT_LENGTH_CODE = 16

_DIGITS = re.compile(r"[0-9]+")
#: Digit groups separated by single spaces or dots, as printed on invoices ("5000 0567 8901 2345").
_GROUPED_DIGITS = re.compile(r"[0-9]+(?:[\s.][0-9]+)*")
_BSN_DIGITS_AS_TYPED = re.compile(r"[0-9]{8,9}")
_BSN_DIGITS_STORED = re.compile(r"[0-9]{9}")


def _shown(text: str) -> str:
    """The start of a refused input, quoted, for an error message."""
    if len(text) <= SHOWN_LENGTH_MAX:
        return repr(text)
    return repr(text[:SHOWN_LENGTH_MAX]) + f" (and {len(text) - SHOWN_LENGTH_MAX} more characters)"


def mask_bsn(text: str) -> str:
    """``text`` with every character but the last three replaced by ``*`` (``******782``).

    At most nine stars are shown, so the mask of a long input does not give away its length.
    """
    text = text.strip()
    if len(text) <= BSN_DIGITS_SHOWN:
        return "*" * len(text)
    hidden_count = min(len(text) - BSN_DIGITS_SHOWN, 9)
    # A pasted line break or tab in the tail would break the log line it is written to.
    tail = "".join(c if c.isprintable() else "?" for c in text[-BSN_DIGITS_SHOWN:])
    return "*" * hidden_count + tail


class InvalidIdentifier(OntzorgenError, ValueError):
    """Base class: text offered as an identifier, reference or name was refused."""


class InvalidIban(InvalidIdentifier):
    """Text offered as an IBAN fails its length, country format or mod-97 check."""

    def __init__(self, value: str, reason: str) -> None:
        super().__init__(
            f"{_shown(value)} is not a valid IBAN: {reason}. Copy the IBAN again from the "
            "creditor's invoice or bank statement; spaces and lower case are fine."
        )
        self.value, self.reason = value, reason


class InvalidBic(InvalidIdentifier):
    """Text offered as a BIC fails the structure check (length 8 or 11, known country)."""

    def __init__(self, value: str, reason: str) -> None:
        super().__init__(
            f"{_shown(value)} is not a valid BIC ({reason}). A BIC has 8 or 11 characters, "
            "e.g. ABNANL2A; within SEPA it may be left out."
        )
        self.value, self.reason = value, reason


class BicDoesNotMatchIban(InvalidIdentifier):
    """A BIC was given for a Dutch IBAN whose bank uses another BIC."""

    def __init__(self, iban: str, bic: str, expected_bic: str) -> None:
        super().__init__(
            f"BIC {bic} does not belong to IBAN {iban}; that bank's BIC is {expected_bic}. "
            f"Use {expected_bic} or leave the BIC out, and check that the IBAN is the creditor's."
        )
        self.iban, self.bic, self.expected_bic = iban, bic, expected_bic


class InvalidBsn(InvalidIdentifier):
    """Text offered as a BSN is not 8 or 9 digits or fails the 11-proef."""

    def __init__(self, masked_value: str, reason: str) -> None:
        # Only the masked form is kept: a BSN may not end up in a log line or error report.
        super().__init__(
            f"BSN {masked_value or '(empty)'} is not valid: {reason}. "
            "Check the number against the BRP record or the decision (beschikking)."
        )
        self.masked_value, self.reason = masked_value, reason


class InvalidBetalingskenmerk(InvalidIdentifier):
    """Text offered as a betalingskenmerk has a wrong length, a wrong length code or check digit."""

    def __init__(self, value: str, reason: str, expected_check_digit: int | None = None) -> None:
        super().__init__(
            f"{_shown(value)} is not a valid betalingskenmerk: {reason}. Copy it again from the "
            "invoice or acceptgiro, or send it as free text if the creditor asks for that."
        )
        self.value, self.reason = value, reason
        self.expected_check_digit = expected_check_digit


class EmptyReference(InvalidIdentifier):
    """Remittance text is empty or only whitespace."""

    def __init__(self, value: str) -> None:
        super().__init__(
            "The payment reference is empty. Write what the creditor needs to recognise the "
            "payment, such as the customer or invoice number."
        )
        self.value = value


class ReferenceTooLong(InvalidIdentifier):
    """Remittance text is longer than SEPA's 140 characters."""

    def __init__(self, value: str, length: int, limit: int) -> None:
        super().__init__(
            f"The payment reference {_shown(value)} is {length} characters long; "
            f"SEPA allows {limit}. Shorten it to what the creditor needs to match the payment."
        )
        self.value, self.length, self.limit = value, length, limit


class InvalidAccountHolderName(InvalidIdentifier):
    """An account-holder name is empty or longer than 70 characters."""

    def __init__(self, value: str, reason: str) -> None:
        super().__init__(
            f"The account-holder name {_shown(value)} is refused: {reason}. "
            "Copy the name exactly as the creditor's bank holds it, e.g. from an invoice."
        )
        self.value, self.reason = value, reason


@dataclass(frozen=True, slots=True)
class Bic:
    """A BIC (ISO 9362) in upper case without spaces: 8 characters, or 11 with a branch."""

    value: str

    def __post_init__(self) -> None:
        try:
            compact = schwifty.BIC(self.value).compact
        except SchwiftyException as error:
            raise InvalidBic(self.value, str(error)) from None
        if compact != self.value:
            raise InvalidBic(self.value, f"not in compact form; use Bic.parse or {compact}")

    @classmethod
    def parse(cls, text: str) -> Bic:
        try:
            compact = schwifty.BIC(text).compact
        except SchwiftyException as error:
            raise InvalidBic(text, str(error)) from None
        return cls(compact)

    @property
    def country_code(self) -> str:
        return self.value[4:6]

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class Iban:
    """An IBAN in its electronic form: no spaces, upper case (``NL91ABNA0417164300``)."""

    value: str

    def __post_init__(self) -> None:
        normalised = normalise_iban(self.value)
        if normalised != self.value:
            raise InvalidIban(self.value, f"not in electronic form; use Iban.parse or {normalised}")
        _schwifty_iban(self.value)

    @classmethod
    def parse(cls, text: str) -> Iban:
        """Read an IBAN as typed or printed: spaces anywhere and lower case are accepted."""
        normalised = normalise_iban(text)
        _schwifty_iban(normalised, shown_as=text)
        return cls(normalised)

    @property
    def country_code(self) -> str:
        return self.value[:2]

    @property
    def formatted(self) -> str:
        """The paper form in groups of four, as on an invoice: ``NL91 ABNA 0417 1643 00``."""
        return " ".join(self.value[start : start + 4] for start in range(0, len(self.value), 4))

    @property
    def bic(self) -> Bic | None:
        """The BIC of a Dutch IBAN's bank from schwifty's registry; ``None`` if unknown or foreign.

        Only Dutch IBANs are looked up: a Dutch bank code names exactly one bank, while elsewhere
        one bank code can belong to several BICs and the registry holds only one of them.
        """
        if self.country_code != "NL":
            return None
        found = _schwifty_iban(self.value).bic
        return None if found is None else Bic(found.compact)

    @property
    def bank_name(self) -> str | None:
        """The bank's name from schwifty's registry (``ABN AMRO BANK N.V.``), if known."""
        return _schwifty_iban(self.value).bank_name

    @property
    def in_sepa_zone(self) -> bool:
        """Whether a SEPA credit transfer can reach this account."""
        return _schwifty_iban(self.value).in_sepa_zone

    def __str__(self) -> str:
        return self.value


def normalise_iban(text: str) -> str:
    """An IBAN as typed or printed, in its electronic form: no white space, upper case."""
    # People paste IBANs from PDFs with non-breaking spaces and tabs, so all whitespace goes.
    return "".join(text.split()).upper()


def _schwifty_iban(normalised: str, shown_as: str | None = None) -> schwifty.IBAN:
    try:
        return schwifty.IBAN(normalised)
    except SchwiftyException as error:
        shown = normalised if shown_as is None else shown_as
        raise InvalidIban(shown, _iban_refusal_reason(error, normalised)) from None


def _iban_refusal_reason(error: SchwiftyException, normalised: str) -> str:
    if isinstance(error, InvalidChecksumDigits):
        return "its check digits do not match, so a character is probably mistyped"
    if isinstance(error, InvalidLength):
        return f"{len(normalised)} characters is the wrong length for country {normalised[:2]}"
    if isinstance(error, InvalidCountryCode):
        return f"{normalised[:2]!r} is not a country code with IBANs"
    return "its characters do not fit the country's IBAN format"


def check_bic_matches_iban(iban: Iban, bic: Bic) -> None:
    """Refuse a BIC that is not the BIC of a Dutch IBAN's bank.

    Only the first 8 characters count: ``ABNANL2AXXX`` is the head office of ``ABNANL2A``. When
    schwifty does not know the bank, or the IBAN is not Dutch, the BIC is accepted as given.
    """
    expected = iban.bic
    if expected is not None and expected.value[:8] != bic.value[:8]:
        raise BicDoesNotMatchIban(iban.value, bic.value, expected.value)


@dataclass(frozen=True, slots=True, repr=False)
class Bsn:
    """A burgerservicenummer: 9 digits passing the 11-proef, shown masked (``Bsn(******782)``).

    ``value`` holds the real digits, for matching and storage only; ``repr`` and ``str`` (and so
    f-strings and log lines) show just the last three digits.
    """

    value: str

    def __post_init__(self) -> None:
        if _BSN_DIGITS_STORED.fullmatch(self.value) is None:
            raise InvalidBsn(mask_bsn(self.value), "a BSN is stored as exactly 9 digits")
        try:
            stdnum_bsn.validate(self.value)
        except InvalidChecksum:
            # ``from None`` keeps the library's traceback (and the local variables an error
            # tracker might collect from it) out of the report.
            raise InvalidBsn(self.masked, "it fails the 11-proef") from None
        except ValidationError:
            raise InvalidBsn(self.masked, "it is all zeros") from None

    @classmethod
    def parse(cls, text: str) -> Bsn:
        """Read a BSN; spaces, dots and dashes are ignored and 8 digits get a leading zero."""
        cleaned = "".join(character for character in text if character not in " -.").strip()
        if _BSN_DIGITS_AS_TYPED.fullmatch(cleaned) is None:
            raise InvalidBsn(mask_bsn(text), "a BSN has 8 or 9 digits")
        # An 8-digit BSN is the 9-digit one without its leading zero, as on older documents.
        return cls(cleaned.zfill(9))

    @property
    def masked(self) -> str:
        return mask_bsn(self.value)

    def __repr__(self) -> str:
        return f"Bsn({self.masked})"

    def __str__(self) -> str:
        return self.masked


def betalingskenmerk_check_digit(body: str) -> int:
    """The check digit over ``body`` (the digits after it), by the weighted modulus-11 method.

    Check = 11 - (weighted sum modulo 11), where 10 becomes 1 and 11 becomes 0.
    """
    weighted_sum = sum(
        int(digit) * BETALINGSKENMERK_WEIGHTS[position % len(BETALINGSKENMERK_WEIGHTS)]
        for position, digit in enumerate(reversed(body))
    )
    check = 11 - weighted_sum % 11
    return {10: 1, 11: 0}.get(check, check)


@dataclass(frozen=True, slots=True)
class Betalingskenmerk:
    """A Dutch structured creditor reference (NL-betalingskenmerk), stored as digits only.

    Usually 16 digits: a check digit and 15 reference digits. The Betaalvereniging also allows 7
    digits without any check, and 9 to 14 digits as check digit, length code (the number of digits
    after it, modulo 10) and 7 to 12 reference digits; the length code counts in the check.

    What the check digit guarantees: changing the check digit alone is always refused, and so is
    any single-digit change to a kenmerk whose check digit is not 1. Because the specification maps
    both remainder 1 and remainder 10 to check digit 1, a single-digit change that moves the
    remainder between 1 and 10 keeps check digit 1 and is not detected: 1000000000000005 and
    1000000000000006 are both valid.
    """

    value: str

    def __post_init__(self) -> None:
        digits = self.value
        if _DIGITS.fullmatch(digits) is None:
            raise InvalidBetalingskenmerk(digits, "it may only hold the digits 0 to 9")
        length = len(digits)
        if length not in BETALINGSKENMERK_LENGTHS:
            raise InvalidBetalingskenmerk(
                digits, f"it has {length} digits; a betalingskenmerk has 16, 9 to 14, or 7 digits"
            )
        if length == BETALINGSKENMERK_LENGTH_WITHOUT_CHECK:
            return
        if length < BETALINGSKENMERK_LENGTH_WITHOUT_LENGTH_CODE:
            expected_length_code = (length - 2) % 10
            if int(digits[1]) != expected_length_code:
                raise InvalidBetalingskenmerk(
                    digits,
                    f"its second digit is the length code and must be {expected_length_code} "
                    f"for {length} digits, not {digits[1]}",
                )
        expected = betalingskenmerk_check_digit(digits[1:])
        if int(digits[0]) != expected:
            raise InvalidBetalingskenmerk(
                digits,
                f"the check digit (the first digit) is {digits[0]} but should be {expected}; "
                "a digit was probably mistyped",
                expected_check_digit=expected,
            )

    @classmethod
    def parse(cls, text: str) -> Betalingskenmerk:
        """Read a kenmerk as printed: digit groups may be separated by a space or a dot."""
        stripped = text.strip()
        if _GROUPED_DIGITS.fullmatch(stripped) is None:
            raise InvalidBetalingskenmerk(
                text, "it may only hold the digits 0 to 9, grouped by single spaces or dots"
            )
        return cls(re.sub(r"[\s.]", "", stripped))

    @classmethod
    def with_check_digit(cls, fifteen_digits: str) -> Betalingskenmerk:
        """The 16-digit kenmerk for 15 reference digits; for demo data and tests."""
        if _DIGITS.fullmatch(fifteen_digits) is None or len(fifteen_digits) != 15:
            raise InvalidBetalingskenmerk(fifteen_digits, "building one needs exactly 15 digits")
        return cls(f"{betalingskenmerk_check_digit(fifteen_digits)}{fifteen_digits}")

    @property
    def check_digit(self) -> int | None:
        """The first digit, or ``None`` for a 7-digit kenmerk, which has no check digit."""
        if len(self.value) == BETALINGSKENMERK_LENGTH_WITHOUT_CHECK:
            return None
        return int(self.value[0])

    @property
    def formatted(self) -> str:
        """Groups of four from the right, as printed: ``5000 0567 8901 2345``."""
        head_length = len(self.value) % 4
        groups = [self.value[:head_length]] if head_length else []
        groups += [
            self.value[start : start + 4] for start in range(head_length, len(self.value), 4)
        ]
        return " ".join(groups)

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class FreeTextReference:
    """Unstructured remittance text (``Ustrd``): 1 to 140 characters, outer whitespace removed."""

    value: str

    def __post_init__(self) -> None:
        if not self.value.strip():
            raise EmptyReference(self.value)
        if len(self.value) > FREE_TEXT_REFERENCE_LENGTH_MAX:
            raise ReferenceTooLong(self.value, len(self.value), FREE_TEXT_REFERENCE_LENGTH_MAX)

    @classmethod
    def parse(cls, text: str) -> FreeTextReference:
        return cls(text.strip())

    def __str__(self) -> str:
        return self.value


PaymentReference: TypeAlias = Betalingskenmerk | FreeTextReference


def parse_payment_reference(text: str, *, structured: bool) -> PaymentReference:
    """Read a creditor's reference: a betalingskenmerk when ``structured``, otherwise free text."""
    if structured:
        return Betalingskenmerk.parse(text)
    return FreeTextReference.parse(text)


@dataclass(frozen=True, slots=True)
class ExactAccountHolderName:
    """The creditor's name exactly as their bank holds it, for Verification of Payee.

    Since October 2025 the payer's bank compares this name with the account holder's; a close or
    wrong name gives a warning or a refusal. So only outer whitespace is removed: case, accents,
    punctuation and inner spaces stay as the creditor gave them.
    """

    value: str

    def __post_init__(self) -> None:
        if not self.value.strip():
            raise InvalidAccountHolderName(self.value, "it is empty")
        if len(self.value) > ACCOUNT_HOLDER_NAME_LENGTH_MAX:
            raise InvalidAccountHolderName(
                self.value,
                f"it has {len(self.value)} characters and payment files allow "
                f"{ACCOUNT_HOLDER_NAME_LENGTH_MAX}",
            )

    @classmethod
    def parse(cls, text: str) -> ExactAccountHolderName:
        return cls(text.strip())

    def __str__(self) -> str:
        return self.value
