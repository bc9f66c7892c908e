"""Writes small camt.053.001.08 statements for tests, one entry per line given."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from xml.sax.saxutils import escape


@dataclass(frozen=True)
class Line:
    end_to_end_id: str | None
    amount_cents: int
    credit: bool = False
    return_reason: str | None = None
    remittance: str | None = None
    #: The other side's account: the creditor of a debit, the debtor of a credit.
    counterparty_iban: str | None = None


def _amount(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def statement(lines: list[Line], *, booked_on: date, statement_id: str = "STMT-1") -> bytes:
    entries = []
    for number, line in enumerate(lines, start=1):
        indicator = "CRDT" if line.credit else "DBIT"
        refs = (
            f"<Refs><EndToEndId>{escape(line.end_to_end_id)}</EndToEndId></Refs>"
            if line.end_to_end_id
            else ""
        )
        returned = (
            f"<RtrInf><Rsn><Cd>{line.return_reason}</Cd></Rsn></RtrInf>"
            if line.return_reason
            else ""
        )
        remittance = (
            f"<RmtInf><Ustrd>{escape(line.remittance)}</Ustrd></RmtInf>" if line.remittance else ""
        )
        role = "Dbtr" if line.credit else "Cdtr"
        parties = (
            f"<RltdPties><{role}Acct><Id><IBAN>{escape(line.counterparty_iban)}</IBAN></Id>"
            f"</{role}Acct></RltdPties>"
            if line.counterparty_iban
            else ""
        )
        family = "RRTN" if line.return_reason else "ESCT"
        entries.append(
            f"""<Ntry><Amt Ccy="EUR">{_amount(line.amount_cents)}</Amt>
<CdtDbtInd>{indicator}</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
<BookgDt><Dt>{booked_on.isoformat()}</Dt></BookgDt>
<AcctSvcrRef>{statement_id}-{number}</AcctSvcrRef>
<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>ICDT</Cd><SubFmlyCd>{family}</SubFmlyCd></Fmly></Domn></BkTxCd>
<NtryDtls><TxDtls>{refs}<Amt Ccy="EUR">{_amount(line.amount_cents)}</Amt>
<CdtDbtInd>{indicator}</CdtDbtInd>{parties}{remittance}{returned}</TxDtls></NtryDtls></Ntry>"""
        )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>
<GrpHdr><MsgId>MSG-{statement_id}</MsgId><CreDtTm>{booked_on.isoformat()}T20:00:00</CreDtTm></GrpHdr>
<Stmt><Id>{statement_id}</Id><CreDtTm>{booked_on.isoformat()}T20:00:00</CreDtTm>
<Acct><Id><IBAN>NL14BNGH0285001234</IBAN></Id><Ccy>EUR</Ccy></Acct>
{"".join(entries)}
</Stmt></BkToCstmrStmt></Document>""".encode()
