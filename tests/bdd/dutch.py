"""Dutch notation in the feature files: amounts, dates, months, cost types and lists.

A policy officer writes "€ 1.369,06" and "17 januari 2026"; the steps read them exactly. Amounts
become whole cents through integer arithmetic only, so no float can round a cent away.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any, Generic, TypeVar

from pytest_bdd import parsers

from ledger.money import Money
from ontzorgen.months import Month
from ontzorgen.policy import CostType, Policy

T = TypeVar("T")

MONTH_NAMES = (
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
)
_MONTH_NAME = "(?:" + "|".join(MONTH_NAMES) + ")"

#: "€ 1.369,06", "€ 0,00", "€ 68,45": thousands grouped with dots, always two decimals.
AMOUNT_PATTERN = r"€ (?:\d{1,3}(?:\.\d{3})+|\d+),\d{2}"
DATE_PATTERN = rf"\d{{1,2}} {_MONTH_NAME} \d{{4}}"
MONTH_PATTERN = rf"{_MONTH_NAME} \d{{4}}"
COST_TYPE_PATTERN = r"zorgverzekering|huur|energie|water|overige verzekering"

_AMOUNT = re.compile(r"€ (?P<whole>\d{1,3}(?:\.\d{3})+|\d+),(?P<cents>\d{2})")
_DATE = re.compile(rf"(?P<day>\d{{1,2}}) (?P<month>{_MONTH_NAME}) (?P<year>\d{{4}})")
_MONTH = re.compile(rf"(?P<month>{_MONTH_NAME}) (?P<year>\d{{4}})")


def parse_euro(text: str) -> Money:
    """Read "€ 1.369,06" as 136906 cents, exactly; anything else is refused."""
    match = _AMOUNT.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is geen bedrag; schrijf het als € 1.369,06.")
    return Money(int(match["whole"].replace(".", "")) * 100 + int(match["cents"]))


def parse_date(text: str) -> date:
    """Read "17 januari 2026"."""
    match = _DATE.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is geen datum; schrijf hem als 17 januari 2026.")
    return date(int(match["year"]), MONTH_NAMES.index(match["month"]) + 1, int(match["day"]))


def parse_month(text: str) -> Month:
    """Read "januari 2026"."""
    match = _MONTH.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is geen maand; schrijf hem als januari 2026.")
    return Month(int(match["year"]), MONTH_NAMES.index(match["month"]) + 1)


def parse_cost_type(text: str) -> CostType:
    """Read a cost type as the newcomer's letters write it: "huur", "overige verzekering"."""
    return CostType(text.strip().replace(" ", "_"))


def parse_cost_types(text: str) -> tuple[CostType, ...]:
    """Read "energie en water" or "zorgverzekering, huur en energie"."""
    return tuple(parse_cost_type(part) for part in re.split(r", | en ", text.strip()))


def milestone_code(title: str, policy: Policy) -> str:
    """The milestone with this title in the policy, e.g. "Budgetcursus gevolgd"."""
    for milestone in policy.milestones:
        if milestone.title == title:
            return milestone.code
    raise ValueError(f"Het beleid kent geen mijlpaal {title!r}.")


def milestone_codes(text: str, policy: Policy) -> tuple[str, ...]:
    """Read "geen", or titles separated by semicolons (titles themselves may contain "en")."""
    if text.strip() == "geen":
        return ()
    return tuple(milestone_code(part.strip(), policy) for part in text.split(";"))


class _Converter(Generic[T]):
    """A named type for ``parse``: the regular expression it matches and how to read it."""

    def __init__(self, pattern: str, convert: Callable[[str], T]) -> None:
        self.pattern = pattern
        self._convert = convert

    def __call__(self, text: str) -> T:
        return self._convert(text)


TYPES: dict[str, Callable[[str], Any]] = {
    "Bedrag": _Converter(AMOUNT_PATTERN, parse_euro),
    "Datum": _Converter(DATE_PATTERN, parse_date),
    "Maand": _Converter(MONTH_PATTERN, parse_month),
    "VasteLast": _Converter(COST_TYPE_PATTERN, parse_cost_type),
    "Fase": _Converter(r"\d", int),
}


def dutch_step(text: str) -> parsers.parse:
    """A step text with {name:Bedrag}, {name:Datum}, {name:Maand}, {name:VasteLast}, {name:Fase}."""
    return parsers.parse(text, extra_types=TYPES)


DAY_NAMES = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")


class WrongWeekday(Exception):
    """A date in a feature file names the wrong day of the week.

    Not a ``ValueError``: pytest-bdd reads a ``ValueError`` from a converter as "this step does not
    match", which would hide the mistake behind "step definition not found".
    """


class _Day:
    """ "vrijdag 31 juli 2026": the weekday is checked, so the feature cannot say a wrong one."""

    pattern = rf"(?:{'|'.join(DAY_NAMES)}) {DATE_PATTERN}"

    def __call__(self, text: str) -> date:
        weekday, _, rest = text.partition(" ")
        day = parse_date(rest)
        if DAY_NAMES[day.weekday()] != weekday:
            raise WrongWeekday(f"{text!r}: {rest} is een {DAY_NAMES[day.weekday()]}.")
        return day


def step_text(text: str) -> parsers.parse:
    """Like ``dutch_step``, with {name:Dag} for a weekday and a date."""
    return parsers.parse(text, extra_types={**TYPES, "Dag": _Day()})
