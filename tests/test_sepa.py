"""SEPA credit transfer files pass the pain.001.001.09 schema, add up exactly and never change.

Pure tests: no database. The files are read back with lxml and checked element by element, so a
test fails when the XML says something else than the ``PaymentFile`` around it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from importlib import resources

import pytest
import xmlschema
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from ledger.money import Money
from ontzorgen.errors import OntzorgenError
from ontzorgen.households import Address
from ontzorgen.identifiers import Betalingskenmerk, Bic, FreeTextReference, Iban
from ontzorgen.sepa import (
    NAMESPACE,
    TRANSFER_AMOUNT_CENTS_MAX,
    CreatedAtWithoutTimezone,
    CreditTransfer,
    Debtor,
    DuplicateEndToEndId,
    InvalidEndToEndId,
    InvalidMessageId,
    InvalidPaymentFile,
    NoTransfers,
    PaymentFile,
    PaymentsPerFileMaxTooSmall,
    TextNotWritable,
    TransferAmountNotPositive,
    TransferAmountTooLarge,
    build_payment_files,
    sepa_text,
    validate_payment_file,
)

NS = {"p": NAMESPACE}
SEPA_CHARACTERS = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/-?:().,'+ "
)

DEBTOR = Debtor("Gemeente Rotterdam", Iban.parse("NL91 ABNA 0417 1643 00"), Bic("BNGHNL2G"))
CREATED_AT = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
EXECUTION_ON = date(2026, 3, 2)
KENMERK = Betalingskenmerk.parse("5000 0567 8901 2345")
CREDITOR_IBAN = Iban.parse("NL02ABNA0123456789")
ADDRESS = Address("Coolsingel", "40", "3011 AD", "Rotterdam")


def transfer(
    end_to_end_id: str = "OZ-2026-03-1",
    amount_cents: int = 65_000,
    *,
    creditor_name: str = "Woonstad Rotterdam",
    reference: Betalingskenmerk | FreeTextReference = KENMERK,
    address: Address | None = ADDRESS,
) -> CreditTransfer:
    return CreditTransfer(
        end_to_end_id=end_to_end_id,
        amount=Money(amount_cents),
        creditor_name=creditor_name,
        creditor_iban=CREDITOR_IBAN,
        creditor_bic=Bic("ABNANL2A"),
        creditor_address=address,
        reference=reference,
    )


def build(
    transfers: Sequence[CreditTransfer],
    *,
    payments_per_file_max: int = 1000,
    debtor: Debtor = DEBTOR,
    message_id_prefix: str = "OZ-RUN-2026-03",
    created_at: datetime = CREATED_AT,
) -> list[PaymentFile]:
    return build_payment_files(
        debtor,
        EXECUTION_ON,
        transfers,
        message_id_prefix=message_id_prefix,
        created_at=created_at,
        payments_per_file_max=payments_per_file_max,
    )


def parsed(payment_file: PaymentFile) -> etree._Element:
    return etree.fromstring(payment_file.xml)


def texts(root: etree._Element, path: str) -> list[str]:
    return [element.text or "" for element in root.iterfind(path, NS)]


def cents_of(decimal_text: str) -> int:
    """A two-digit decimal as whole cents, without floats: "650.00" -> 65000."""
    euros, _, cents = decimal_text.partition(".")
    assert len(cents) == 2
    return int(euros) * 100 + int(cents)


def refusal_of(xml: bytes) -> InvalidPaymentFile:
    """The refusal ``validate_payment_file`` gives ``xml``; the test fails if it gives none."""
    with pytest.raises(InvalidPaymentFile) as refusal:
        validate_payment_file(xml)
    return refusal.value


def two_kinds_of_payment() -> list[CreditTransfer]:
    return [
        transfer("OZ-2026-03-1", 65_000, reference=KENMERK),
        transfer(
            "OZ-2026-03-2",
            12_345,
            creditor_name="Eneco",
            reference=FreeTextReference("Klantnummer 123456 maart 2026"),
        ),
    ]


def test_a_file_with_a_kenmerk_payment_and_a_free_text_payment_passes_the_schema() -> None:
    [payment_file] = build(two_kinds_of_payment())

    validate_payment_file(payment_file.xml)
    assert payment_file.message_id == "OZ-RUN-2026-03-1"
    assert payment_file.payment_count == 2
    assert payment_file.control_sum == Money(77_345)
    root = parsed(payment_file)
    assert texts(root, ".//p:GrpHdr/p:NbOfTxs") == ["2"]
    assert texts(root, ".//p:GrpHdr/p:CtrlSum") == ["773.45"]
    assert texts(root, ".//p:PmtInf/p:CtrlSum") == ["773.45"]
    assert texts(root, ".//p:PmtInf/p:BtchBookg") == ["true"]
    assert texts(root, ".//p:PmtInf/p:ChrgBr") == ["SLEV"]
    assert texts(root, ".//p:PmtTpInf/p:SvcLvl/p:Cd") == ["SEPA"]
    assert texts(root, ".//p:ReqdExctnDt/p:Dt") == ["2026-03-02"]
    assert texts(root, ".//p:InstdAmt") == ["650.00", "123.45"]
    assert [e.get("Ccy") for e in root.iterfind(".//p:InstdAmt", NS)] == ["EUR", "EUR"]
    assert texts(root, ".//p:EndToEndId") == ["OZ-2026-03-1", "OZ-2026-03-2"]
    assert texts(root, ".//p:RmtInf/p:Ustrd") == ["Klantnummer 123456 maart 2026"]


def test_a_betalingskenmerk_goes_in_the_structured_reference_as_scor_issued_by_cur() -> None:
    [payment_file] = build(two_kinds_of_payment())
    root = parsed(payment_file)

    [reference] = root.iterfind(".//p:RmtInf/p:Strd/p:CdtrRefInf", NS)
    assert texts(reference, "p:Tp/p:CdOrPrtry/p:Cd") == ["SCOR"]
    assert texts(reference, "p:Tp/p:Issr") == ["CUR"]
    assert texts(reference, "p:Ref") == ["5000056789012345"]


def test_the_creditor_name_is_written_in_the_sepa_character_set() -> None:
    [payment_file] = build([transfer(creditor_name="Çelik Öztürk Woningbeheer")])

    assert texts(parsed(payment_file), ".//p:Cdtr/p:Nm") == ["Celik Ozturk Woningbeheer"]
    assert "Ç".encode() not in payment_file.xml


def test_the_creditor_address_is_structured() -> None:
    address = Address("Schiedamse Vest", "154-A", "3011 BH", "Rotterdam")
    [payment_file] = build([transfer(address=address)])

    [postal_address] = parsed(payment_file).iterfind(".//p:Cdtr/p:PstlAdr", NS)
    assert [(etree.QName(e).localname, e.text) for e in postal_address] == [
        ("StrtNm", "Schiedamse Vest"),
        ("BldgNb", "154-A"),
        ("PstCd", "3011 BH"),
        ("TwnNm", "Rotterdam"),
        ("Ctry", "NL"),
    ]
    assert not list(postal_address.iterfind("p:AdrLine", NS))


def test_an_address_part_without_latin_characters_is_left_out_and_the_file_still_passes() -> None:
    address = Address("Straße der Einheit", "1", "10178", "برلين", "DE")
    [payment_file] = build([transfer(address=address)])

    [postal_address] = parsed(payment_file).iterfind(".//p:Cdtr/p:PstlAdr", NS)
    assert texts(postal_address, "p:StrtNm") == ["Strasse der Einheit"]
    assert texts(postal_address, "p:TwnNm") == []
    assert texts(postal_address, "p:Ctry") == ["DE"]


def test_a_creditor_without_address_or_bic_still_gives_a_valid_file() -> None:
    without = replace(transfer(address=None), creditor_bic=None)
    [payment_file] = build([without], debtor=replace(DEBTOR, bic=None))

    root = parsed(payment_file)
    assert texts(root, ".//p:DbtrAgt/p:FinInstnId/p:Othr/p:Id") == ["NOTPROVIDED"]
    assert list(root.iterfind(".//p:CdtrAgt", NS)) == []
    assert list(root.iterfind(".//p:Cdtr/p:PstlAdr", NS)) == []


def test_2501_payments_at_1000_per_file_give_three_files_whose_sums_add_up_to_the_cent() -> None:
    transfers = [transfer(f"OZ-{index}", 1 + index * 37) for index in range(2501)]
    total_cents = sum(t.amount.cents for t in transfers)

    files = build(transfers, payments_per_file_max=1000)

    assert [f.message_id for f in files] == [
        "OZ-RUN-2026-03-1",
        "OZ-RUN-2026-03-2",
        "OZ-RUN-2026-03-3",
    ]
    assert [f.payment_count for f in files] == [1000, 1000, 501]
    assert sum(f.control_sum.cents for f in files) == total_cents
    written_ids: list[str] = []
    for payment_file in files:
        root = parsed(payment_file)
        count = str(payment_file.payment_count)
        assert texts(root, ".//p:GrpHdr/p:NbOfTxs") == [count]
        assert texts(root, ".//p:PmtInf/p:NbOfTxs") == [count]
        assert texts(root, ".//p:PmtInf/p:PmtInfId") == [payment_file.message_id]
        [header_sum] = texts(root, ".//p:GrpHdr/p:CtrlSum")
        [instruction_sum] = texts(root, ".//p:PmtInf/p:CtrlSum")
        amounts = texts(root, ".//p:InstdAmt")
        assert cents_of(header_sum) == cents_of(instruction_sum) == payment_file.control_sum.cents
        assert sum(cents_of(amount) for amount in amounts) == payment_file.control_sum.cents
        written_ids += texts(root, ".//p:EndToEndId")
    # The order given is kept across the files.
    assert written_ids == [t.end_to_end_id for t in transfers]


def test_the_same_inputs_give_the_same_bytes() -> None:
    transfers = [*two_kinds_of_payment(), transfer("OZ-2026-03-3", creditor_name="Çelik Öztürk")]

    first = build(transfers, payments_per_file_max=2)
    again = build(list(transfers), payments_per_file_max=2)

    assert [f.xml for f in first] == [f.xml for f in again]
    assert first == again


def test_the_creation_time_is_written_in_utc_whatever_the_offset_given() -> None:
    amsterdam_winter = timezone(timedelta(hours=1))
    local = datetime(2026, 3, 1, 10, 30, tzinfo=amsterdam_winter)

    [in_utc] = build(two_kinds_of_payment())
    [from_local] = build(two_kinds_of_payment(), created_at=local)

    assert texts(parsed(from_local), ".//p:CreDtTm") == ["2026-03-01T09:30:00Z"]
    assert in_utc.xml == from_local.xml


def test_a_file_without_its_number_of_transactions_fails_validation() -> None:
    [payment_file] = build(two_kinds_of_payment())
    tampered = payment_file.xml.replace(b"<NbOfTxs>2</NbOfTxs>", b"", 1)
    assert tampered != payment_file.xml

    refusal = refusal_of(tampered)

    assert refusal.error_count == 1
    assert "NbOfTxs" in refusal.errors[0] or "CtrlSum" in refusal.errors[0]
    assert isinstance(refusal, OntzorgenError)


def test_a_file_with_two_faults_fails_validation_with_both_listed() -> None:
    [payment_file] = build(two_kinds_of_payment())
    tampered = payment_file.xml.replace(
        b'<InstdAmt Ccy="EUR">650.00<', b'<InstdAmt Ccy="EUR">-650.00<'
    ).replace(b'<InstdAmt Ccy="EUR">123.45<', b'<InstdAmt Ccy="eur">123.45<')

    refusal = refusal_of(tampered)

    assert refusal.error_count == 2
    assert "-650.00" in refusal.errors[0]
    assert "eur" in refusal.errors[1]


def test_a_value_of_spaces_reaches_the_schema_as_it_is() -> None:
    # The indentation between elements is left out when a file is validated; a value that is
    # nothing but spaces is not indentation, and is checked with every one of them.
    [payment_file] = build(two_kinds_of_payment())
    tampered = payment_file.xml.replace(b"<Nm>Eneco</Nm>", b"<Nm>" + b" " * 141 + b"</Nm>", 1)
    assert tampered != payment_file.xml

    refusal = refusal_of(tampered)

    assert refusal.error_count == 1
    assert "maxLength" in refusal.errors[0]
    assert "'141'" in refusal.errors[0]


def test_indentation_between_elements_is_no_part_of_the_message() -> None:
    [payment_file] = build(two_kinds_of_payment())
    flattened = re.sub(rb">\s+<", b"><", payment_file.xml)
    reindented = payment_file.xml.replace(b"\n", b"\n\t  \n")
    assert len(flattened) < len(payment_file.xml) < len(reindented)

    validate_payment_file(flattened)
    validate_payment_file(reindented)


def test_text_that_is_not_xml_fails_validation() -> None:
    with pytest.raises(InvalidPaymentFile, match="not well-formed"):
        validate_payment_file(b"<Document><unclosed></Document>")


def test_a_file_with_an_external_entity_is_refused_without_reading_it() -> None:
    hostile = (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<Document xmlns="' + NAMESPACE.encode() + b'">&x;</Document>'
    )

    refusal = refusal_of(hostile)

    assert "DOCTYPE" in str(refusal)
    assert "root:" not in str(refusal)


def test_the_pure_python_validator_agrees_on_a_good_and_a_tampered_file() -> None:
    # A second, independent reading of the same XSD, in case libxml2 were lenient somewhere.
    path = resources.files("sepaxml") / "schemas" / "pain.001.001.09.xsd"
    with resources.as_file(path) as schema_path:
        schema = xmlschema.XMLSchema(str(schema_path))
    [payment_file] = build(two_kinds_of_payment())
    tampered = payment_file.xml.replace(b"<NbOfTxs>2</NbOfTxs>", b"", 1)

    assert schema.is_valid(payment_file.xml.decode())
    assert not schema.is_valid(tampered.decode())


def test_an_empty_list_of_transfers_is_refused() -> None:
    with pytest.raises(NoTransfers):
        build([])


@pytest.mark.parametrize("payments_per_file_max", [0, -1])
def test_a_file_size_below_one_payment_is_refused(payments_per_file_max: int) -> None:
    with pytest.raises(PaymentsPerFileMaxTooSmall) as refusal:
        build(two_kinds_of_payment(), payments_per_file_max=payments_per_file_max)
    assert refusal.value.payments_per_file_max == payments_per_file_max


def test_a_duplicate_end_to_end_id_is_refused_even_across_files() -> None:
    transfers = [transfer("OZ-1"), transfer("OZ-2"), transfer("OZ-1")]

    with pytest.raises(DuplicateEndToEndId) as refusal:
        build(transfers, payments_per_file_max=2)

    assert refusal.value.end_to_end_id == "OZ-1"


@pytest.mark.parametrize(
    "end_to_end_id",
    [
        "X" * 36,
        "",
        "   ",
        "Huur_maart",
        "Café-1",
        "OZ#1",
        "/OZ-1",
        "OZ-1/",
        "OZ//1",
        " OZ-1",
    ],
)
def test_an_end_to_end_id_that_sepa_cannot_carry_is_refused(end_to_end_id: str) -> None:
    with pytest.raises(InvalidEndToEndId) as refusal:
        build([transfer(end_to_end_id)])
    assert refusal.value.end_to_end_id == end_to_end_id


def test_an_end_to_end_id_of_exactly_35_characters_is_accepted() -> None:
    [payment_file] = build([transfer("A" * 35)])
    assert texts(parsed(payment_file), ".//p:EndToEndId") == ["A" * 35]


@pytest.mark.parametrize("amount_cents", [0, -1, -65_000])
def test_a_non_positive_amount_is_refused(amount_cents: int) -> None:
    with pytest.raises(TransferAmountNotPositive) as refusal:
        build([transfer("OZ-1"), transfer("OZ-2", amount_cents)])
    assert refusal.value.end_to_end_id == "OZ-2"
    assert refusal.value.amount == Money(amount_cents)


def test_an_amount_above_the_sepa_maximum_is_refused() -> None:
    with pytest.raises(TransferAmountTooLarge):
        build([transfer("OZ-1", TRANSFER_AMOUNT_CENTS_MAX + 1)])
    [payment_file] = build([transfer("OZ-1", TRANSFER_AMOUNT_CENTS_MAX)])
    assert texts(parsed(payment_file), ".//p:InstdAmt") == ["999999999.99"]


@pytest.mark.parametrize("prefix", ["X" * 34, "run 2026_03", "/OZ"])
def test_a_message_id_prefix_that_makes_a_bad_message_id_is_refused(prefix: str) -> None:
    with pytest.raises(InvalidMessageId):
        build(two_kinds_of_payment(), message_id_prefix=prefix)


def test_a_creditor_name_without_any_latin_character_is_refused() -> None:
    with pytest.raises(TextNotWritable) as refusal:
        build([transfer("OZ-1", creditor_name="مؤسسة الإسكان")])
    assert refusal.value.end_to_end_id == "OZ-1"
    assert refusal.value.field == "creditor name"


def test_a_free_text_reference_without_any_latin_character_is_refused() -> None:
    with pytest.raises(TextNotWritable) as refusal:
        build([transfer("OZ-1", reference=FreeTextReference("ኪራይ"))])
    assert refusal.value.field == "payment reference"


def test_a_creation_time_without_timezone_is_refused() -> None:
    with pytest.raises(CreatedAtWithoutTimezone):
        build(two_kinds_of_payment(), created_at=datetime(2026, 3, 1, 9, 30))  # noqa: DTZ001


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("Çelik Öztürk", "Celik Ozturk"),
        ("Straße", "Strasse"),
        ("Ærø Bølge Łódź", "AEro Bolge Lodz"),
        ("Kılıç Şahin Gıda", "Kilic Sahin Gida"),
        ("Vos & Zn", "Vos + Zn"),
        ("‘t Hof – “De Linde”", "'t Hof - 'De Linde'"),
        ("Woningbeheer محمد", "Woningbeheer"),
        ("ﬁets  \t klaar ", "fiets klaar"),
        ("a@b.nl", "a b.nl"),
    ],
)
def test_sepa_text_writes_latin_letters_without_accents(text: str, written: str) -> None:
    assert sepa_text(text, 70) == written


def test_sepa_text_leaves_out_a_script_without_latin_spelling_and_uses_the_fallback() -> None:
    assert sepa_text("محمد", 70) == ""
    assert sepa_text("ሰላም", 70) == ""
    assert sepa_text("ሰላም", 70, fallback="Onbekend") == "Onbekend"


def test_sepa_text_cuts_to_the_length_without_a_trailing_space() -> None:
    assert sepa_text("Woonstad Rotterdam", 9) == "Woonstad"
    assert sepa_text("Woonstad Rotterdam", 10) == "Woonstad R"


@given(text=st.text(max_size=200), length_max=st.integers(min_value=1, max_value=140))
def test_sepa_text_gives_only_sepa_characters_within_the_length(text: str, length_max: int) -> None:
    written = sepa_text(text, length_max)
    assert set(written) <= SEPA_CHARACTERS
    assert len(written) <= length_max
    assert written == written.strip()


@settings(max_examples=25, deadline=None)
@given(
    amounts_cents=st.lists(
        st.integers(min_value=1, max_value=TRANSFER_AMOUNT_CENTS_MAX), min_size=1, max_size=50
    ),
    payments_per_file_max=st.integers(min_value=1, max_value=20),
    kenmerk_every=st.integers(min_value=1, max_value=3),
)
def test_for_any_amounts_the_files_validate_and_add_up_exactly(
    amounts_cents: list[int], payments_per_file_max: int, kenmerk_every: int
) -> None:
    transfers = [
        transfer(
            f"OZ-{index}",
            amount_cents,
            reference=KENMERK if index % kenmerk_every == 0 else FreeTextReference("Huur"),
        )
        for index, amount_cents in enumerate(amounts_cents)
    ]

    files = build(transfers, payments_per_file_max=payments_per_file_max)

    assert sum(f.control_sum.cents for f in files) == sum(amounts_cents)
    assert sum(f.payment_count for f in files) == len(amounts_cents)
    assert all(f.payment_count <= payments_per_file_max for f in files)
    for payment_file in files:
        validate_payment_file(payment_file.xml)
        [header_sum] = texts(parsed(payment_file), ".//p:GrpHdr/p:CtrlSum")
        assert cents_of(header_sum) == payment_file.control_sum.cents
