"""Bijstand norms as reference data with validity dates, read from a replaceable JSON file.

The shipped file holds the 2025 norms (DOMAIN.md §4); a municipality replaces it when new norms are
published, without touching code. Amounts include vakantietoeslag and are read exactly, as text.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ledger.money import Money
from ontzorgen.errors import OntzorgenError

DEFAULT_NORMS_FILE = Path(__file__).parent / "data" / "bijstandsnormen.json"


class NormCategory(enum.StrEnum):
    SINGLE = "single"  # alleenstaande of alleenstaande ouder
    COUPLE = "couple"  # gehuwden of samenwonenden


class NoNormForDate(OntzorgenError):
    """The norms table has no norm in force on the requested date."""

    def __init__(self, on: date) -> None:
        super().__init__(f"No bijstand norm is in force on {on}. Add the norms for that date.")
        self.on = on


@dataclass(frozen=True, slots=True)
class NormPeriod:
    valid_from: date
    single: Money
    couple: Money


@dataclass(frozen=True, slots=True)
class BijstandNorms:
    periods: tuple[NormPeriod, ...]

    def norm_on(self, on: date, category: NormCategory) -> Money:
        in_force = [period for period in self.periods if period.valid_from <= on]
        if not in_force:
            raise NoNormForDate(on)
        period = max(in_force, key=lambda p: p.valid_from)
        return period.single if category is NormCategory.SINGLE else period.couple


def load_norms(path: Path = DEFAULT_NORMS_FILE) -> BijstandNorms:
    data = json.loads(path.read_text(encoding="utf-8"))
    return BijstandNorms(
        tuple(
            NormPeriod(
                date.fromisoformat(row["validFrom"]),
                Money.parse(row["single"]),
                Money.parse(row["couple"]),
            )
            for row in data["norms"]
        )
    )
