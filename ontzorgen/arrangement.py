"""The arrangement (ontzorging) of one household: its legal basis, period and decision.

Law (art. 56a Participatiewet): the college ontzorgt for six months from the day the right to
bijstand starts, ending earlier only when bijstand ends. Our policy (DOMAIN.md §3): the period runs
until the later of that statutory end and the end agreed in the PIP, and the six-month floor can
never be shortened.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from ontzorgen.errors import OntzorgenError
from ontzorgen.obligations import EndBeforeStart

STATUTORY_MONTH_COUNT = 6


class LegalBasis(enum.StrEnum):
    ART_56A = "art_56a"  # statutory ontzorging of asielstatushouders
    ART_57 = "art_57"  # extension beyond the statutory period
    VOLUNTARY = "voluntary"  # budgetbeheer the household asked for


class StatutoryPeriodCannotBeShortened(OntzorgenError):
    """Someone tried to end the ontzorging before the six months of art. 56a Pw are over."""

    def __init__(self, household_id: int, requested_on: date, statutory_end_on: date) -> None:
        super().__init__(
            f"Household {household_id} is ontzorgd under art. 56a Pw until {statutory_end_on}; "
            f"ending on {requested_on} would shorten the statutory six months. Only the end of "
            "bijstand ends it earlier."
        )
        self.household_id, self.requested_on, self.statutory_end_on = (
            household_id,
            requested_on,
            statutory_end_on,
        )


@dataclass(frozen=True, slots=True)
class Decision:
    """A beschikking: who decided what, when, under which reference."""

    decided_on: date
    actor: str
    reference: str


@dataclass(frozen=True, slots=True)
class Arrangement:
    household_id: int
    legal_basis: LegalBasis
    bijstand_start_on: date
    machtiging_signed_on: date
    decision: Decision
    pip_end_on: date | None = None
    bijstand_end_on: date | None = None
    ended_on: date | None = None

    def __post_init__(self) -> None:
        for what, end in (
            ("PIP agreement", self.pip_end_on),
            ("bijstand", self.bijstand_end_on),
            ("arrangement", self.ended_on),
        ):
            if end is not None and end < self.bijstand_start_on:
                raise EndBeforeStart(what, self.bijstand_start_on, end)
        if (
            self.ended_on is not None
            and self.legal_basis is LegalBasis.ART_56A
            and self.ended_on < self.statutory_end_on
        ):
            raise StatutoryPeriodCannotBeShortened(
                self.household_id, self.ended_on, self.statutory_end_on
            )

    @property
    def statutory_end_on(self) -> date:
        """The last day of the six months, or the last day of bijstand if that comes first."""
        six_months = self.bijstand_start_on + relativedelta(months=STATUTORY_MONTH_COUNT)
        # Six months from 31 August end with 28 February: when the month has no such day, the
        # period runs through the month's last day instead of stopping a day short.
        clamped = six_months.day != self.bijstand_start_on.day
        end = six_months if clamped else six_months - timedelta(days=1)
        if self.bijstand_end_on is not None:
            return min(end, self.bijstand_end_on)
        return end

    @property
    def period_end_on(self) -> date:
        """The later of the statutory end and the PIP-agreed end, unless the arrangement ended."""
        if self.ended_on is not None:
            return self.ended_on
        agreed = self.pip_end_on or self.statutory_end_on
        end = max(self.statutory_end_on, agreed)
        if self.bijstand_end_on is not None and self.legal_basis is not LegalBasis.VOLUNTARY:
            return min(end, self.bijstand_end_on)
        return end

    def statutory_period_passed(self, on: date) -> bool:
        return on > self.statutory_end_on

    def end(self, on: date) -> Arrangement:
        """End the arrangement on ``on``; refused inside the statutory six months."""
        return replace(self, ended_on=on)

    def with_pip_end(self, pip_end_on: date | None) -> Arrangement:
        return replace(self, pip_end_on=pip_end_on)
