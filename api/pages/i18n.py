"""Languages of the pages: Dutch (the source, at B1 level), English, Arabic, Tigrinya, Dari/Farsi
and Turkish, from Babel gettext catalogs.

Each language has a folder ``locale/<code>/`` with one ``.po`` file per part of the site
(``common.po``, ``newcomer.po``, ...); they are merged and compiled in memory at start-up, so no
build step is needed. Arabic and Dari/Farsi are written right to left (Babel's locale data says
so). Dutch cost names stay visible next to their translation: they are the words on the
newcomer's letters.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALE_DIRECTORY = Path(__file__).parent / "locale"
SOURCE_LANGUAGE = "nl"


@dataclass(frozen=True, slots=True)
class Language:
    code: str
    #: The language's own name, as its speakers write it (shown in the language menu).
    own_name: str
    direction: str  # "ltr" or "rtl"


def _language(code: str, own_name: str) -> Language:
    direction = "rtl" if Locale.parse(code).text_direction == "rtl" else "ltr"
    return Language(code, own_name, direction)


LANGUAGES: dict[str, Language] = {
    language.code: language
    for language in (
        _language("nl", "Nederlands"),
        _language("en", "English"),
        _language("ar", "العربية"),
        _language("ti", "ትግርኛ"),
        _language("fa", "دری / فارسی"),
        _language("tr", "Türkçe"),
    )
}


def language_of(code: str | None) -> Language:
    return LANGUAGES.get(code or "", LANGUAGES[SOURCE_LANGUAGE])


#: When two parts of the site translate the same Dutch text differently, the earlier part wins:
#: the shared words first, then the newcomer's (who reads the translations most), then the rest.
CATALOG_PRIORITY = ("common", "newcomer", "coach", "municipality")


def catalog_files(code: str) -> list[Path]:
    def rank(path: Path) -> tuple[int, str]:
        stem = path.stem
        order = CATALOG_PRIORITY.index(stem) if stem in CATALOG_PRIORITY else len(CATALOG_PRIORITY)
        return order, stem

    return sorted((LOCALE_DIRECTORY / code).glob("*.po"), key=rank)


@cache
def translations(code: str) -> NullTranslations:
    """Every catalog of one language merged into one gettext object (Dutch: the source text)."""
    if code == SOURCE_LANGUAGE:
        return NullTranslations()
    merged = Catalog(locale=code)
    for path in catalog_files(code):
        with path.open("rb") as file:
            for message in read_po(file, locale=code):
                if message.id and message.string and not message.fuzzy and message.id not in merged:
                    merged.add(message.id, message.string)
    compiled = io.BytesIO()
    write_mo(compiled, merged)
    compiled.seek(0)
    return Translations(compiled)
