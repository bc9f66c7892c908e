"""Identifiers on a payment are built valid or refused with a named error; a BSN never shows whole.

Betalingskenmerk vectors and their sources:

- ``5000 0567 8901 2345`` and ``12 2345 3462 2567`` (14 digits, length code 2): the page
  "Specificaties betalingskenmerk" of the Betaalvereniging, which also lists the allowed lengths
  (7, 9 to 14, 16). The 16-digit example also appears, with its arithmetic, on the XMLdation wiki
  (NVB / Betalingskenmerk).
- ``0001 0411 4691 0100`` and the other ``…0411 4…`` kenmerken: Belastingdienst kenmerken for the
  example fiscal number 001041149, from the test vectors in the public repository
  sebasv/welmakkelijker (``test/vectors.mjs``). A third party, not the Belastingdienst itself, but
  all 25 of its vectors agree with this implementation, and together they cover both special
  cases of the check digit (remainder 0 gives 11 → 0, remainder 1 gives 10 → 1).
- The 9-digit kenmerk and the undetectable change are derived by hand below.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ontzorgen.errors import OntzorgenError
from ontzorgen.identifiers import (
    BETALINGSKENMERK_WEIGHTS,
    Betalingskenmerk,
    Bic,
    BicDoesNotMatchIban,
    Bsn,
    EmptyReference,
    ExactAccountHolderName,
    FreeTextReference,
    Iban,
    InvalidAccountHolderName,
    InvalidBetalingskenmerk,
    InvalidBic,
    InvalidBsn,
    InvalidIban,
    InvalidIdentifier,
    ReferenceTooLong,
    betalingskenmerk_check_digit,
    check_bic_matches_iban,
    mask_bsn,
    parse_payment_reference,
)


def with_iban_check_digits(country_code: str, bban: str) -> str:
    """An IBAN with correct mod-97 check digits (ISO 13616), whatever the BBAN's format."""
    numeric = int("".join(str(int(character, 36)) for character in bban + country_code + "00"))
    return f"{country_code}{98 - numeric % 97:02d}{bban}"


# IBAN


def test_a_valid_dutch_iban_is_read_with_spaces_and_lower_case() -> None:
    iban = Iban.parse(" nl91 abna 0417 1643 00 ")
    assert iban.value == "NL91ABNA0417164300"
    assert str(iban) == "NL91ABNA0417164300"
    assert iban.country_code == "NL"
    assert iban.formatted == "NL91 ABNA 0417 1643 00"
    assert iban.in_sepa_zone


def test_a_pasted_iban_with_non_breaking_spaces_and_tabs_is_read() -> None:
    assert Iban.parse("NL91\u00a0ABNA\t0417 1643 00").value == "NL91ABNA0417164300"


def test_a_foreign_iban_in_the_sepa_zone_is_valid() -> None:
    iban = Iban.parse("DE89 3704 0044 0532 0130 00")
    assert iban.country_code == "DE"
    assert iban.in_sepa_zone


def test_an_iban_with_one_changed_digit_fails_the_mod_97_check() -> None:
    with pytest.raises(InvalidIban, match="check digits do not match") as refused:
        Iban.parse("NL91ABNA0417164301")
    assert refused.value.value == "NL91ABNA0417164301"


def test_an_iban_of_the_wrong_length_is_refused_even_with_correct_check_digits() -> None:
    too_long = with_iban_check_digits("NL", "ABNA04171643001")
    with pytest.raises(InvalidIban, match="19 characters is the wrong length for country NL"):
        Iban.parse(too_long)


def test_an_iban_that_breaks_its_country_format_is_refused_even_with_correct_check_digits() -> None:
    # A Dutch BBAN is four letters and ten digits; here the bank code is digits.
    digits_for_bank_code = with_iban_check_digits("NL", "12340417164300")
    with pytest.raises(InvalidIban, match="do not fit the country's IBAN format"):
        Iban.parse(digits_for_bank_code)


def test_an_iban_with_an_unknown_country_code_is_refused() -> None:
    with pytest.raises(InvalidIban, match="'XX' is not a country code with IBANs"):
        Iban.parse("XX91ABNA0417164300")


@pytest.mark.parametrize("text", ["", "   ", "NL", "IBAN NL91ABNA0417164300"])
def test_text_that_is_no_iban_at_all_is_refused(text: str) -> None:
    with pytest.raises(InvalidIban):
        Iban.parse(text)


def test_building_an_iban_directly_requires_the_electronic_form() -> None:
    with pytest.raises(InvalidIban, match=r"use Iban\.parse or NL91ABNA0417164300"):
        Iban("NL91 ABNA 0417 1643 00")


def test_an_iban_error_is_an_ontzorgen_error_and_a_value_error() -> None:
    with pytest.raises(OntzorgenError) as refused:
        Iban.parse("NL91ABNA0417164301")
    assert isinstance(refused.value, InvalidIdentifier)
    assert isinstance(refused.value, ValueError)


# BIC


@pytest.mark.parametrize(
    ("iban_text", "bic", "bank_name"),
    [
        ("NL91ABNA0417164300", "ABNANL2A", "ABN AMRO BANK N.V."),
        ("NL44RABO0123456789", "RABONL2U", "RABOBANK"),
        (with_iban_check_digits("NL", "BNGH0285001234"), "BNGHNL2G", "BANK NEDERLANDSE GEMEENTEN"),
    ],
)
def test_the_bic_and_bank_of_a_dutch_iban_are_looked_up(
    iban_text: str, bic: str, bank_name: str
) -> None:
    iban = Iban.parse(iban_text)
    assert iban.bic == Bic(bic)
    assert iban.bank_name == bank_name


def test_a_dutch_iban_of_a_bank_schwifty_does_not_know_has_no_bic() -> None:
    unknown_bank = Iban.parse(with_iban_check_digits("NL", "ZZZZ0417164300"))
    assert unknown_bank.bic is None
    assert unknown_bank.bank_name is None


def test_a_foreign_iban_gets_no_bic_from_the_lookup() -> None:
    assert Iban.parse("DE89370400440532013000").bic is None


def test_a_bic_is_read_in_compact_upper_case() -> None:
    bic = Bic.parse(" abna nl 2a ")
    assert bic.value == "ABNANL2A"
    assert bic.country_code == "NL"
    assert str(bic) == "ABNANL2A"
    assert Bic.parse("ABNANL2AXXX").value == "ABNANL2AXXX"


@pytest.mark.parametrize("text", ["", "ABNANL2", "ABNANL2AXX", "ABNAXX2A"])
def test_a_bic_of_the_wrong_length_or_country_is_refused(text: str) -> None:
    with pytest.raises(InvalidBic):
        Bic.parse(text)


def test_the_bic_of_the_ibans_bank_matches_also_with_a_branch_code() -> None:
    iban = Iban.parse("NL91ABNA0417164300")
    check_bic_matches_iban(iban, Bic.parse("ABNANL2A"))
    check_bic_matches_iban(iban, Bic.parse("ABNANL2AXXX"))


def test_another_banks_bic_for_a_dutch_iban_is_refused_with_the_right_bic() -> None:
    with pytest.raises(BicDoesNotMatchIban, match="that bank's BIC is ABNANL2A") as refused:
        check_bic_matches_iban(Iban.parse("NL91ABNA0417164300"), Bic.parse("INGBNL2A"))
    assert (refused.value.iban, refused.value.bic) == ("NL91ABNA0417164300", "INGBNL2A")
    assert refused.value.expected_bic == "ABNANL2A"


def test_any_bic_is_accepted_when_the_lookup_does_not_know_the_bank() -> None:
    check_bic_matches_iban(Iban.parse("DE89370400440532013000"), Bic.parse("INGBNL2A"))
    unknown_bank = Iban.parse(with_iban_check_digits("NL", "ZZZZ0417164300"))
    check_bic_matches_iban(unknown_bank, Bic.parse("INGBNL2A"))


# BSN
#
# 11-proef: weights 9, 8, ..., 2 for the first eight digits and -1 for the last; the sum must be a
# multiple of 11.
#   111222333: 9+8+7 + 2*(6+5+4) + 3*(3+2) - 3 = 24 + 30 + 15 - 3 = 66 = 6 * 11.
#   123456782: 9+16+21+24+25+24+21+16 - 2 = 154 = 14 * 11.
#   12345672 (8 digits, read as 012345672): 0+8+14+18+20+20+18+14 - 2 = 110 = 10 * 11.
#   123456789: 156 - 9 = 147 = 13 * 11 + 4, so invalid.


@pytest.mark.parametrize(
    ("text", "digits"),
    [
        ("111222333", "111222333"),
        ("123456782", "123456782"),
        ("1112.22.333", "111222333"),
        (" 123 456 782 ", "123456782"),
        ("12345672", "012345672"),
    ],
)
def test_a_bsn_passing_the_11_proef_is_read(text: str, digits: str) -> None:
    assert Bsn.parse(text).value == digits


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("123456789", "11-proef"),
        ("111222334", "11-proef"),
        ("000000000", "all zeros"),
        ("1234567", "8 or 9 digits"),
        ("1112223334", "8 or 9 digits"),
        ("12345678a", "8 or 9 digits"),
        ("", "8 or 9 digits"),
    ],
)
def test_a_bsn_failing_the_11_proef_or_of_the_wrong_length_is_refused(
    text: str, reason: str
) -> None:
    with pytest.raises(InvalidBsn, match=reason):
        Bsn.parse(text)


def test_a_bsn_shows_only_its_last_three_digits_in_repr_str_and_formatting() -> None:
    bsn = Bsn.parse("123456782")
    assert repr(bsn) == "Bsn(******782)"
    assert str(bsn) == "******782"
    shown = [repr(bsn), str(bsn), f"{bsn}", f"{bsn!r}", repr([bsn]), repr({"bsn": bsn})]
    assert all("123456" not in text for text in shown)


def test_a_refused_bsn_does_not_appear_in_the_error() -> None:
    with pytest.raises(InvalidBsn) as refused:
        Bsn.parse("123456789")
    error = refused.value
    assert error.masked_value == "******789"
    for text in (str(error), repr(error), repr(error.args), repr(vars(error))):
        assert "123456789" not in text
        assert "123456" not in text
    assert error.__cause__ is None
    assert error.__suppress_context__


def test_a_bsn_built_directly_must_be_nine_digits_and_is_masked_when_refused() -> None:
    with pytest.raises(InvalidBsn) as refused:
        Bsn("12345678")
    assert "12345678" not in str(refused.value)
    with pytest.raises(InvalidBsn, match=r"\*\*\*\*\*\*789"):
        Bsn("123456789")


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("123456782", "******782"),
        (" 123456782 ", "******782"),
        ("12", "**"),
        ("", ""),
        ("1" * 40 + "999", "*********999"),
        ("1112223\n33", "*******?33"),
    ],
)
def test_masking_shows_at_most_three_characters_and_nine_stars(text: str, masked: str) -> None:
    assert mask_bsn(text) == masked


def test_two_bsns_with_the_same_digits_are_equal() -> None:
    assert Bsn.parse("1112.22.333") == Bsn.parse("111222333")
    assert len({Bsn.parse("111222333"), Bsn.parse("111222333")}) == 1


# Betalingskenmerk
#
# Hand-derived 9-digit kenmerk: check digit C, length code 7, reference 1234567. The check runs over
# "71234567", weights from the right 2, 4, 8, 5, 10, 9, 7, 3:
#   7*2 + 6*4 + 5*8 + 4*5 + 3*10 + 2*9 + 1*7 + 7*3 = 14+24+40+20+30+18+7+21 = 174,
#   174 mod 11 = 9 (15 * 11 = 165), C = 11 - 9 = 2, so the kenmerk is 271234567.

PUBLISHED_KENMERKEN = [
    # (text as printed, digits, check digit)
    ("5000 0567 8901 2345", "5000056789012345", 5),  # Betaalvereniging, XMLdation: sum 215
    ("12 2345 3462 2567", "12234534622567", 1),  # Betaalvereniging, 14 digits: sum 263, rest 10
    ("0001.0411.4691.0100", "0001041146910100", 0),  # Belastingdienst: sum 176 = 16*11, 11 → 0
    ("1001.0411.4140.1310", "1001041141401310", 1),  # Belastingdienst: sum 111, rest 1, 10 → 1
    ("2001.0411.4120.1080", "2001041141201080", 2),  # Belastingdienst: sum 97, rest 9
    ("4001.0411.4130.1240", "4001041141301240", 4),  # Belastingdienst: sum 106, rest 7
    ("6001.0411.4120.1230", "6001041141201230", 6),  # Belastingdienst: sum 93, rest 5
    ("9001.0411.4681.2501", "9001041146812501", 9),  # Belastingdienst: sum 211, rest 2
    ("271234567", "271234567", 2),  # derived by hand above, 9 digits
]


@pytest.mark.parametrize(("text", "digits", "check_digit"), PUBLISHED_KENMERKEN)
def test_published_betalingskenmerken_are_valid(text: str, digits: str, check_digit: int) -> None:
    kenmerk = Betalingskenmerk.parse(text)
    assert kenmerk.value == digits
    assert kenmerk.check_digit == check_digit
    assert betalingskenmerk_check_digit(digits[1:]) == check_digit


def test_the_published_16_digit_example_sums_to_215() -> None:
    body = "000056789012345"
    weights = [BETALINGSKENMERK_WEIGHTS[i % 10] for i in range(len(body))]
    weighted_sum = sum(int(d) * w for d, w in zip(reversed(body), weights, strict=True))
    assert weighted_sum == 215
    assert 11 - weighted_sum % 11 == 5


def test_the_weights_are_the_powers_of_two_modulo_eleven() -> None:
    assert tuple(2 ** (i + 1) % 11 for i in range(10)) == BETALINGSKENMERK_WEIGHTS


def test_a_kenmerk_with_a_wrong_check_digit_is_refused_naming_the_right_one() -> None:
    with pytest.raises(InvalidBetalingskenmerk, match="is 6 but should be 5") as refused:
        Betalingskenmerk.parse("6000 0567 8901 2345")
    assert refused.value.expected_check_digit == 5


@pytest.mark.parametrize(
    "text",
    [
        "000 0567 8901 2345",  # 15 digits: not an allowed length
        "50000567890123456",  # 17 digits
        "12345678",  # 8 digits
        "123456",  # 6 digits
    ],
)
def test_a_kenmerk_of_a_length_the_specification_does_not_allow_is_refused(text: str) -> None:
    with pytest.raises(InvalidBetalingskenmerk, match="16, 9 to 14, or 7 digits"):
        Betalingskenmerk.parse(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "5000 0567 8901 234x",
        "5000-0567-8901-2345",
        "5000..0567 8901 2345",
        "(5)000056789012345",
    ],
)
def test_a_kenmerk_with_other_characters_than_grouped_digits_is_refused(text: str) -> None:
    with pytest.raises(InvalidBetalingskenmerk, match="only hold the digits"):
        Betalingskenmerk.parse(text)


def test_unicode_digits_are_not_taken_for_a_kenmerk() -> None:
    with pytest.raises(InvalidBetalingskenmerk):
        Betalingskenmerk.parse("٥٠٠٠٠٥٦٧٨٩٠١٢٣٤٥")


def test_a_short_kenmerk_with_a_wrong_length_code_is_refused() -> None:
    with pytest.raises(InvalidBetalingskenmerk, match="length code and must be 2 for 14 digits"):
        Betalingskenmerk.parse("13 2345 3462 2567")


def test_a_seven_digit_kenmerk_is_valid_and_has_no_check_digit() -> None:
    kenmerk = Betalingskenmerk.parse("1234567")
    assert kenmerk.check_digit is None
    assert kenmerk.formatted == "123 4567"


def test_a_kenmerk_is_printed_in_groups_of_four_from_the_right() -> None:
    assert Betalingskenmerk.parse("5000056789012345").formatted == "5000 0567 8901 2345"
    assert Betalingskenmerk.parse("12234534622567").formatted == "12 2345 3462 2567"


def test_with_check_digit_builds_the_published_kenmerk() -> None:
    assert Betalingskenmerk.with_check_digit("000056789012345").value == "5000056789012345"


@pytest.mark.parametrize("text", ["", "00005678901234", "0000567890123456", "00005678901234x"])
def test_with_check_digit_needs_exactly_fifteen_digits(text: str) -> None:
    with pytest.raises(InvalidBetalingskenmerk, match="exactly 15 digits"):
        Betalingskenmerk.with_check_digit(text)


def test_a_single_digit_change_that_keeps_check_digit_1_goes_undetected() -> None:
    # Body 000000000000005: 5*2 = 10, remainder 10, check 11 - 10 = 1.
    # Body 000000000000006: 6*2 = 12, remainder 1, check 11 - 1 = 10, which becomes 1.
    # The specification maps remainders 1 and 10 to the same check digit, so both are valid.
    assert Betalingskenmerk.parse("1000000000000005").check_digit == 1
    assert Betalingskenmerk.parse("1000000000000006").check_digit == 1


def test_changing_one_digit_always_changes_the_weighted_sum_modulo_eleven() -> None:
    # Every weight times every possible change of a digit (-9 to 9, not 0) is non-zero modulo 11,
    # because 11 is prime and neither factor is a multiple of it. So the remainder always moves,
    # and the only undetected single-digit change is one between remainders 1 and 10.
    for weight in BETALINGSKENMERK_WEIGHTS:
        for change in [*range(-9, 0), *range(1, 10)]:
            assert weight * change % 11 != 0


fifteen_digits = st.text(alphabet="0123456789", min_size=15, max_size=15)


@given(fifteen_digits)
def test_any_fifteen_digits_with_their_check_digit_are_a_valid_kenmerk(body: str) -> None:
    kenmerk = Betalingskenmerk.with_check_digit(body)
    assert kenmerk.value[1:] == body
    assert Betalingskenmerk.parse(kenmerk.value) == kenmerk
    assert Betalingskenmerk.parse(kenmerk.formatted) == kenmerk


@given(fifteen_digits, st.integers(min_value=0, max_value=15), st.integers(1, 9))
def test_a_changed_digit_is_refused_unless_it_is_in_the_body_and_the_check_digit_is_1(
    body: str, position: int, shift: int
) -> None:
    """What the scheme guarantees, exactly (see the two tests above for why)."""
    kenmerk = Betalingskenmerk.with_check_digit(body)
    digits = list(kenmerk.value)
    digits[position] = str((int(digits[position]) + shift) % 10)
    changed = "".join(digits)
    try:
        accepted = Betalingskenmerk.parse(changed)
    except InvalidBetalingskenmerk:
        return
    assert position > 0
    assert kenmerk.check_digit == 1
    assert accepted.check_digit == 1


# Payment references


def test_a_structured_reference_is_read_as_a_betalingskenmerk() -> None:
    reference = parse_payment_reference("5000 0567 8901 2345", structured=True)
    assert reference == Betalingskenmerk("5000056789012345")


def test_an_unstructured_reference_is_read_as_free_text_without_outer_whitespace() -> None:
    reference = parse_payment_reference("  Huur maart 2026, contract 4471  ", structured=False)
    assert reference == FreeTextReference("Huur maart 2026, contract 4471")


def test_free_text_may_look_like_a_kenmerk_with_a_wrong_check_digit() -> None:
    assert parse_payment_reference("6000 0567 8901 2345", structured=False) == FreeTextReference(
        "6000 0567 8901 2345"
    )


def test_free_text_of_exactly_140_characters_is_accepted() -> None:
    assert len(FreeTextReference.parse("x" * 140).value) == 140


def test_free_text_of_141_characters_is_refused() -> None:
    with pytest.raises(ReferenceTooLong, match="141 characters long; SEPA allows 140") as refused:
        FreeTextReference.parse("x" * 141)
    assert (refused.value.length, refused.value.limit) == (141, 140)


@pytest.mark.parametrize("text", ["", "   ", "\t\n"])
def test_empty_free_text_is_refused(text: str) -> None:
    with pytest.raises(EmptyReference):
        parse_payment_reference(text, structured=False)


# Account-holder name


def test_an_account_holder_name_keeps_its_exact_spelling_inside() -> None:
    name = ExactAccountHolderName.parse("  Woonstichting  \u201cDe Key\u201d B.V.  ")
    assert name.value == "Woonstichting  \u201cDe Key\u201d B.V."
    assert ExactAccountHolderName.parse("Eneco Consumenten B.V.").value == "Eneco Consumenten B.V."


def test_an_account_holder_name_of_one_and_of_seventy_characters_is_accepted() -> None:
    assert ExactAccountHolderName.parse("X").value == "X"
    assert len(ExactAccountHolderName.parse("é" * 70).value) == 70


def test_an_account_holder_name_of_seventy_one_characters_is_refused() -> None:
    with pytest.raises(InvalidAccountHolderName, match="71 characters and payment files allow 70"):
        ExactAccountHolderName.parse("x" * 71)


@pytest.mark.parametrize("text", ["", "   "])
def test_an_empty_account_holder_name_is_refused(text: str) -> None:
    with pytest.raises(InvalidAccountHolderName, match="it is empty"):
        ExactAccountHolderName.parse(text)
