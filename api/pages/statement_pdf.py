"""The newcomer's monthly statement as a printable PDF, and the plain words both the page and the
PDF use for it.

``statement_pdf(statement, language_code)`` is a pure function: the same statement and language
give the same document (the creation date is fixed to the statement's day). It uses fpdf2 with
HarfBuzz text shaping (``uharfbuzz``), so Arabic letters join and Ethiopic syllables render, and
the Noto fonts shipped in ``api/pages/fonts``: the page's language picks the main font, the other
two are fallbacks, so a Dutch creditor name in an Arabic statement still shows. Arabic and
Dari/Farsi pages are laid out right to left: text aligned right and table columns mirrored.

Every sentence is Dutch at B1 level passed through the page's gettext (``_``), the same catalogs
as the HTML pages; cost names keep their Dutch word next to the translation, as on the letters.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, time
from pathlib import Path

from babel.dates import format_date
from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos
from fpdf.fonts import FontFace

from api.pages.i18n import language_of
from api.pages.templating import day, euro, gettext_for
from ledger.money import Money
from ontzorgen.accounts import AccountRole
from ontzorgen.monthly_statements import MonthlyStatement, ReserveBalance, WithholdingStatus
from ontzorgen.months import Month
from ontzorgen.runs import PaymentKind

FONT_DIRECTORY = Path(__file__).parent / "fonts"

Translate = Callable[..., str]

#: Font family -> file stem; each has a Regular and a Bold file.
FONT_FAMILIES = {
    "NotoSans": "NotoSans",
    "NotoSansArabic": "NotoSansArabic",
    "NotoSansEthiopic": "NotoSansEthiopic",
}

#: The main font of a language's script; the others are fallbacks for mixed text.
MAIN_FONT = {"ar": "NotoSansArabic", "fa": "NotoSansArabic", "ti": "NotoSansEthiopic"}

#: Rows per table in the PDF: a month never has more, and a runaway list must not make a book.
TABLE_ROWS_MAX = 60


# -- plain words, shared with the HTML page -------------------------------------------------


def ltr(text: str) -> str:
    """An amount or a date inside a sentence, kept left to right on right-to-left pages (the
    Unicode isolates do in plain text what ``<bdi>`` does in HTML; without them "05-01-2026"
    can come out as "2026-01-05" in an Arabic line)."""
    return f"\u2066{text}\u2069"


def isolated(text: str) -> str:
    """A name inside a sentence, in its own direction whatever the sentence's."""
    return f"\u2068{text}\u2069"


def month_name(month: Month, language_code: str) -> str:
    """``januari 2026`` in the page's language."""
    return format_date(month.first_day, "MMMM y", locale=language_code)


def dutch_term(dutch: str, _: Translate) -> tuple[str, str | None]:
    """The translation of a Dutch word from the letters, and the Dutch word when it differs
    (the newcomer must recognise it on their letters)."""
    translated = _(dutch).strip()
    # Another part of the site may translate the word with the Dutch in brackets already.
    suffix = f"({dutch})".casefold()
    if translated.casefold().endswith(suffix) and len(translated) > len(suffix):
        translated = translated[: -len(suffix)].rstrip()
    return (translated, None) if translated == dutch else (translated, dutch)


def with_dutch(dutch: str, _: Translate) -> str:
    """``Rent (Huur)``: for plain text, such as the PDF."""
    translated, original = dutch_term(dutch, _)
    return translated if original is None else f"{translated} ({original})"


def status_label(status: WithholdingStatus, _: Translate) -> str:
    """One or two words for the status, as a badge shows them."""
    return {
        WithholdingStatus.GERESERVEERD: _("Staat klaar"),
        WithholdingStatus.GEPLAND: _("Gepland"),
        WithholdingStatus.BETAALD: _("Betaald"),
        WithholdingStatus.TERUGGEKOMEN: _("Teruggekomen"),
        WithholdingStatus.ACHTERSTAND: _("Niet betaald"),
    }[status]


def status_sentence(
    status: WithholdingStatus, paid_on: date | None, pay_on: date | None, _: Translate
) -> str:
    """What the status means for the newcomer, in one short sentence with the date."""
    if status is WithholdingStatus.BETAALD:
        if paid_on is None:
            return _("Het geld is betaald.")
        return _("Betaald op %(day)s.", day=ltr(day(paid_on)))
    if status is WithholdingStatus.GEPLAND:
        when = paid_on or pay_on
        if when is None:
            return _("De betaling is klaargezet.")
        return _("Wij betalen dit op %(day)s.", day=ltr(day(when)))
    if status is WithholdingStatus.TERUGGEKOMEN:
        return _(
            "De bank stuurde het geld terug. Het geld staat weer klaar. Uw budgetcoach regelt het."
        )
    if status is WithholdingStatus.ACHTERSTAND:
        return _("Er was niet genoeg geld. Deze rekening is nog niet betaald.")
    if pay_on is None:
        return _("Het geld staat voor u klaar.")
    return _("Het geld staat klaar. Wij betalen dit op %(day)s.", day=ltr(day(pay_on)))


def income_name(kind: str) -> str:
    """The Dutch word of an income kind (the word on the newcomer's letters)."""
    return {"bijstand": "Bijstand", "toeslag": "Toeslag"}.get(kind, kind.capitalize())


def balance_name(balance: ReserveBalance, _: Translate) -> tuple[str, str | None]:
    """What an account holds money for: a bill, the leefgeld or the vakantietoeslag."""
    if balance.role is AccountRole.LEEFGELD:
        return dutch_term("Leefgeld", _)
    if balance.role is AccountRole.VAKANTIETOESLAG:
        return dutch_term("Vakantietoeslag", _)
    return dutch_term(balance.cost_type_name or "", _)


def vakantietoeslag_kept(statement: MonthlyStatement) -> Money:
    """The holiday allowance reserved from this month's income, paid out in June."""
    return Money(sum(item.vakantietoeslag.cents for item in statement.income))


def summary_sentences(statement: MonthlyStatement, language_code: str, _: Translate) -> list[str]:
    """The month in three sentences: in, paid for you, for you."""
    month = month_name(statement.month, language_code)
    return [
        _(
            "In %(month)s verdeelden wij %(amount)s van uw uitkering.",
            month=month,
            amount=ltr(euro(statement.income_divided)),
        ),
        _(
            "Voor uw vaste lasten hielden wij %(amount)s apart.",
            amount=ltr(euro(statement.withheld_total)),
        ),
        _("Uw leefgeld is %(amount)s.", amount=ltr(euro(statement.leefgeld_total))),
    ]


def arrears_sentences(statement: MonthlyStatement, _: Translate) -> list[str]:
    """Arrears explained: what could not be paid, what is still open, who helps."""
    sentences = []
    if statement.arrears:
        sentences.append(
            _(
                "Deze maand was er %(amount)s te weinig geld voor uw rekeningen.",
                amount=ltr(euro(statement.arrears_total)),
            )
        )
    if statement.arrears_outstanding.cents > 0:
        sentences.append(
            _(
                "U heeft nu in totaal %(amount)s achterstand. Dit geld moet nog betaald worden.",
                amount=ltr(euro(statement.arrears_outstanding)),
            )
        )
        sentences.append(_("Uw budgetcoach helpt u. Neem contact op met uw budgetcoach."))
    else:
        sentences.append(_("U heeft geen achterstand. Alle rekeningen zijn op tijd betaald."))
    return sentences


def phase_sentences(statement: MonthlyStatement, _: Translate) -> list[str]:
    current = statement.current_phase
    sentences = [
        _(
            "U zit nu in stap %(number)s: %(name)s.",
            number=current.number,
            name=_(current.name),
        )
    ]
    if statement.next_phase is None:
        sentences.append(_("Dit is de laatste stap."))
        return sentences
    sentences.append(
        _(
            "De volgende stap is stap %(number)s: %(name)s.",
            number=statement.next_phase.number,
            name=_(statement.next_phase.name),
        )
    )
    if statement.open_milestones:
        sentences.append(_("Dit is nog nodig voor de volgende stap:"))
    else:
        sentences.append(
            _("U heeft alles gedaan voor de volgende stap. Uw budgetcoach beslist samen met u.")
        )
    return sentences


def coach_sentence(statement: MonthlyStatement, _: Translate) -> str:
    if statement.coach is None:
        return _("U heeft nog geen budgetcoach. Heeft u vragen? Neem contact op met de gemeente.")
    return _(
        "Uw budgetcoach werkt bij %(name)s. Heeft u vragen? Neem contact op met uw budgetcoach.",
        name=isolated(statement.coach.name),
    )


# -- the PDF ---------------------------------------------------------------------------------


class _StatementDocument(FPDF):
    """An A4 page with the fonts, the text direction and a page number in the footer."""

    def __init__(self, language_code: str, footer_text: Callable[[int], str]) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.right_to_left = language_of(language_code).direction == "rtl"
        self.footer_text = footer_text
        for family, stem in FONT_FAMILIES.items():
            self.add_font(family, "", FONT_DIRECTORY / f"{stem}-Regular.ttf")
            self.add_font(family, "B", FONT_DIRECTORY / f"{stem}-Bold.ttf")
        self.main_font = MAIN_FONT.get(language_code, "NotoSans")
        self.set_fallback_fonts(
            [family for family in FONT_FAMILIES if family != self.main_font], exact_match=False
        )
        self.set_text_shaping(
            use_shaping_engine=True, direction="rtl" if self.right_to_left else "ltr"
        )
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(18, 18, 18)

    @property
    def align(self) -> Align:
        return Align.R if self.right_to_left else Align.L

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font(self.main_font, "", 8)
        self.cell(0, 6, self.footer_text(self.page_no()), align=Align.C)

    def heading(self, text: str, size: int = 13) -> None:
        self.ln(3)
        self.set_font(self.main_font, "B", size)
        self.multi_cell(0, size * 0.6, text, align=self.align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1)

    def paragraph(self, text: str) -> None:
        self.set_font(self.main_font, "", 10)
        self.multi_cell(0, 5.5, text, align=self.align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def rows(
        self,
        header: Sequence[str],
        rows: Sequence[Sequence[str]],
        widths: Sequence[int],
        numeric: Sequence[int] = (),
    ) -> None:
        """A table; on right-to-left pages the columns run from the right."""
        order = list(range(len(header)))
        if self.right_to_left:
            order.reverse()
        alignments = tuple(
            "RIGHT" if (i in numeric or self.right_to_left) else "LEFT" for i in order
        )
        self.set_font(self.main_font, "", 9)
        with self.table(
            col_widths=tuple(widths[i] for i in order),
            text_align=alignments,
            line_height=5.5,
            first_row_as_headings=True,
            headings_style=_HEADINGS_STYLE,
        ) as table:
            for cells in (header, *rows[:TABLE_ROWS_MAX]):
                row = table.row()
                for i in order:
                    row.cell(cells[i])
        self.ln(2)


_HEADINGS_STYLE = FontFace(emphasis="BOLD", fill_color=(235, 235, 235))


def statement_pdf(statement: MonthlyStatement, language_code: str) -> bytes:
    """The statement as a PDF in the language ``language_code`` (one of the pages' languages)."""
    language = language_of(language_code)
    _ = gettext_for(language)
    month = month_name(statement.month, language.code)
    document = _StatementDocument(
        language.code, lambda number: _("Pagina %(number)s", number=number)
    )
    document.set_title(_("Mijn geld in %(month)s", month=month))
    document.set_lang(language.code)
    document.set_creator("Ontzorgen")
    document.set_creation_date(datetime.combine(statement.as_of, time(0, 0)))
    document.add_page()

    document.heading(_("Mijn geld in %(month)s", month=month), size=18)
    document.paragraph(
        _(
            "Overzicht voor %(name)s. Zo staat het op %(day)s.",
            name=isolated(statement.household_name),
            day=ltr(day(statement.as_of)),
        )
    )
    document.ln(2)
    document.paragraph(" ".join(summary_sentences(statement, language.code, _)))

    document.heading(_("Wat kwam er binnen?"))
    if statement.income:
        document.rows(
            [_("Wat"), _("Voor de maand"), _("Ontvangen op"), _("Bedrag")],
            [
                [
                    with_dutch(income_name(item.kind), _),
                    month_name(item.for_month, language.code),
                    ltr(day(item.received_on)),
                    ltr(euro(item.net)),
                ]
                for item in statement.income
            ],
            widths=[60, 40, 35, 35],
            numeric=[3],
        )
        kept = vakantietoeslag_kept(statement)
        if kept.cents:
            document.paragraph(
                _(
                    "Wij bewaren %(amount)s voor u als vakantietoeslag. U krijgt dit geld in juni.",
                    amount=ltr(euro(kept)),
                )
            )
    else:
        document.paragraph(_("Deze maand kwam er geen geld binnen."))

    document.heading(_("Wat betaalden wij voor u?"))
    if statement.withholdings:
        document.rows(
            [_("Waarvoor"), _("Aan wie"), _("Bedrag"), _("Datum"), _("Wat is er gebeurd?")],
            [
                [
                    with_dutch(line.cost_type_name, _),
                    isolated(line.creditor_name),
                    ltr(euro(line.amount)),
                    "" if line.due_on is None else ltr(day(line.due_on)),
                    status_sentence(line.status, line.paid_on, line.due_on, _),
                ]
                for line in statement.withholdings
            ],
            widths=[34, 38, 24, 22, 56],
            numeric=[2],
        )
    else:
        document.paragraph(_("Deze maand betaalden wij geen rekeningen voor u."))

    document.heading(_("Uw leefgeld"))
    document.paragraph(
        _(
            "Uw leefgeld deze maand is %(amount)s. U krijgt het op uw eigen bankrekening.",
            amount=ltr(euro(statement.leefgeld_total)),
        )
    )
    if statement.leefgeld_payments:
        document.rows(
            [_("Datum"), _("Bedrag"), _("Wat is er gebeurd?")],
            [
                [
                    ltr(day(part.pay_on)),
                    ltr(euro(part.amount)),
                    status_sentence(part.status, part.paid_on, part.pay_on, _),
                ]
                for part in statement.leefgeld_payments
            ],
            widths=[35, 35, 104],
            numeric=[1],
        )

    document.heading(_("Achterstand"))
    for line in statement.arrears:
        document.paragraph(
            _(
                "%(what)s bij %(creditor)s: %(amount)s niet betaald.",
                what=with_dutch(line.cost_type_name, _),
                creditor=isolated(line.creditor_name),
                amount=ltr(euro(line.amount)),
            )
        )
    document.paragraph(" ".join(arrears_sentences(statement, _)))

    document.heading(_("Wat komt er nog?"))
    if statement.next_payments:
        document.rows(
            [_("Datum"), _("Aan wie"), _("Waarvoor"), _("Bedrag")],
            [
                [
                    ltr(day(payment.pay_on)),
                    _("U zelf")
                    if payment.kind is PaymentKind.LEEFGELD
                    else isolated(payment.payee),
                    with_dutch(payment.cost_type_name or "Leefgeld", _),
                    ltr(euro(payment.amount)),
                ]
                for payment in statement.next_payments
            ],
            widths=[30, 62, 50, 32],
            numeric=[3],
        )
    else:
        document.paragraph(_("Er staan geen betalingen meer klaar."))

    document.heading(_("Geld dat wij voor u bewaren"))
    document.rows(
        [_("Waarvoor"), _("Begin van de maand"), _("Einde van de maand")],
        [
            [
                " ".join(
                    part
                    for part in (_plain(balance_name(b, _)), isolated(b.creditor_name or ""))
                    if part.strip("\u2068\u2069")
                ),
                ltr(euro(b.opening)),
                ltr(euro(b.closing)),
            ]
            for b in statement.reserves
        ],
        widths=[94, 40, 40],
        numeric=[1, 2],
    )

    document.heading(_("Wat kunt u zelf al?"))
    for sentence in phase_sentences(statement, _):
        document.paragraph(sentence)
    for milestone in statement.open_milestones:
        document.paragraph(f"- {_(milestone.title)}")

    document.heading(_("Uw budgetcoach"))
    document.paragraph(coach_sentence(statement, _))
    return bytes(document.output())


def _plain(term: tuple[str, str | None]) -> str:
    translated, original = term
    return translated if original is None else f"{translated} ({original})"
