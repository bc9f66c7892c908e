"""A municipality's policy: every *[design]* choice of DOMAIN.md as data, with the defaults.

Which cost types may be withheld and in which order they are funded, the minimum leefgeld, the
proration of partial months, the phase ladder with the milestones each step needs, and the payment
days. Nothing here is law; the law's fixed points (the six-month floor of art. 56a Pw) live in
``ontzorgen.arrangement``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from ledger.money import Money
from ontzorgen.errors import OntzorgenError


class CostType(enum.StrEnum):
    """What may be withheld. The Dutch words stay: they are the words on the newcomer's letters."""

    ZORGVERZEKERING = "zorgverzekering"
    HUUR = "huur"
    ENERGIE = "energie"
    WATER = "water"
    OVERIGE_VERZEKERING = "overige_verzekering"


#: Art. 56a Pw in its original reading: rent, energy, water and the health insurance premium.
STATUTORY_COST_TYPES = frozenset(
    {CostType.ZORGVERZEKERING, CostType.HUUR, CostType.ENERGIE, CostType.WATER}
)
#: Rotterdam's practice (DOMAIN.md §5): first the collective health insurance, then the rent, then
#: energy; water and other insurance after that.
DEFAULT_PRIORITY = (
    CostType.ZORGVERZEKERING,
    CostType.HUUR,
    CostType.ENERGIE,
    CostType.WATER,
    CostType.OVERIGE_VERZEKERING,
)


class LeefgeldFrequency(enum.StrEnum):
    WEEKLY = "weekly"
    MONTHLY = "monthly"


class ProrationRule(enum.StrEnum):
    """How income of a partial first or last month is scaled."""

    CALENDAR_DAYS = "calendar_days"  # days with a right to bijstand / days in the month
    THIRTY_DAY_MONTH = "thirty_day_month"  # every month counts 30 days, as in payroll practice
    NONE = "none"  # the full month


class PolicyInvalid(OntzorgenError):
    """A municipality's policy contradicts itself."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"The policy is not valid: {reason}")
        self.reason = reason


#: A computed milestone asks at most this many months without arrears in a row: three years, the
#: length of a PIP. (The statement reads that many recent months, whatever the policy.)
MONTHS_WITHOUT_ARREARS_MAX = 36


@dataclass(frozen=True, slots=True)
class MilestoneDefinition:
    """Evidence of self-reliance; ``months_without_arrears`` makes it computed, not recorded."""

    code: str
    title: str
    months_without_arrears: int | None = None

    @property
    def computed(self) -> bool:
        return self.months_without_arrears is not None


@dataclass(frozen=True, slots=True)
class PhaseDefinition:
    """One step of the ladder back to self-management.

    ``withheld`` None means "every cost type agreed for the household"; an empty set means
    nothing is withheld. ``required_milestones`` must all be met to step *into* this phase.
    """

    number: int
    name: str
    withheld: frozenset[CostType] | None
    leefgeld_frequency: LeefgeldFrequency | None
    required_milestones: tuple[str, ...] = ()
    requires_statutory_period_passed: bool = False

    @property
    def ontzorgd(self) -> bool:
        return self.withheld is None or bool(self.withheld)

    def withholds(self, cost_type: CostType, agreed: frozenset[CostType]) -> bool:
        chosen = agreed if self.withheld is None else self.withheld & agreed
        return cost_type in chosen


@dataclass(frozen=True, slots=True)
class Ladder:
    phases: tuple[PhaseDefinition, ...]

    def __post_init__(self) -> None:
        numbers = [phase.number for phase in self.phases]
        if numbers != list(range(1, len(numbers) + 1)):
            raise PolicyInvalid(f"phases must be numbered 1, 2, 3, ... in order; got {numbers}")

    def phase(self, number: int) -> PhaseDefinition:
        if not 1 <= number <= len(self.phases):
            raise PolicyInvalid(f"the ladder has no phase {number}")
        return self.phases[number - 1]

    @property
    def last(self) -> int:
        return len(self.phases)

    def allows(self, current: int, requested: int) -> bool:
        """One step up, or one step back after a relapse; never a jump, never standing still."""
        return 1 <= requested <= self.last and abs(requested - current) == 1


DEFAULT_MILESTONES = (
    MilestoneDefinition("budgetcursus", "Budgetcursus gevolgd"),
    MilestoneDefinition("toeslagen", "Toeslagen aangevraagd en ontvangen"),
    MilestoneDefinition(
        "eigen_betaalrekening", "Eigen betaalrekening met eigen automatische incasso's"
    ),
    MilestoneDefinition("zelfredzaam_oordeel", "Budgetcoach beoordeelt: kan zelf betalen"),
    MilestoneDefinition("drie_maanden_zonder_achterstand", "Drie maanden zonder achterstand", 3),
)

DEFAULT_LADDER = Ladder(
    (
        PhaseDefinition(1, "Volledig ontzorgd", None, LeefgeldFrequency.WEEKLY),
        PhaseDefinition(
            2,
            "Eerste eigen rekeningen",
            frozenset({CostType.HUUR, CostType.ZORGVERZEKERING}),
            LeefgeldFrequency.MONTHLY,
            ("budgetcursus", "toeslagen"),
            requires_statutory_period_passed=True,
        ),
        PhaseDefinition(
            3,
            "Alleen huur",
            frozenset({CostType.HUUR}),
            LeefgeldFrequency.MONTHLY,
            ("eigen_betaalrekening", "drie_maanden_zonder_achterstand"),
        ),
        PhaseDefinition(
            4,
            "Zelf betalen, met meekijken",
            frozenset(),
            LeefgeldFrequency.MONTHLY,
            ("zelfredzaam_oordeel", "drie_maanden_zonder_achterstand"),
        ),
        PhaseDefinition(5, "Afgerond", frozenset(), None, ("drie_maanden_zonder_achterstand",)),
    )
)


@dataclass(frozen=True, slots=True)
class Policy:
    cost_types: frozenset[CostType] = STATUTORY_COST_TYPES
    priority: tuple[CostType, ...] = DEFAULT_PRIORITY
    minimum_leefgeld_first_adult: Money = Money(20_000)
    minimum_leefgeld_per_further_member: Money = Money(10_000)
    proration: ProrationRule = ProrationRule.CALENDAR_DAYS
    ladder: Ladder = DEFAULT_LADDER
    milestones: tuple[MilestoneDefinition, ...] = DEFAULT_MILESTONES
    #: Weekly leefgeld is paid on this weekday (0 = Monday); monthly leefgeld on this day.
    leefgeld_weekday: int = 0
    leefgeld_day_of_month: int = 1
    vakantietoeslag_percent: int = 5
    vakantietoeslag_month: int = 6
    #: Signals about a period end are raised this many days ahead.
    signal_horizon_days: int = 30
    milestone_review_interval_months: int = 3

    def __post_init__(self) -> None:
        if set(self.priority) != set(CostType) or len(self.priority) != len(CostType):
            raise PolicyInvalid("the priority order must name every cost type exactly once")
        if not self.cost_types:
            raise PolicyInvalid("at least one cost type must be withholdable")
        if self.minimum_leefgeld_first_adult.cents < 0 or (
            self.minimum_leefgeld_per_further_member.cents < 0
        ):
            raise PolicyInvalid("the minimum leefgeld cannot be negative")
        if not 0 <= self.leefgeld_weekday <= 6 or not 1 <= self.leefgeld_day_of_month <= 28:
            raise PolicyInvalid("leefgeld is paid on a weekday 0-6 and a day of the month 1-28")
        if (
            not 0 <= self.vakantietoeslag_percent <= 100
            or not 1 <= self.vakantietoeslag_month <= 12
        ):
            raise PolicyInvalid("vakantietoeslag needs a percentage 0-100 and a month 1-12")
        for milestone in self.milestones:
            months = milestone.months_without_arrears
            if months is not None and not 1 <= months <= MONTHS_WITHOUT_ARREARS_MAX:
                raise PolicyInvalid(
                    f"milestone {milestone.code!r} asks {months} months without arrears; "
                    f"between 1 and {MONTHS_WITHOUT_ARREARS_MAX} can be asked"
                )
        known = {milestone.code for milestone in self.milestones}
        for phase in self.ladder.phases:
            unknown = set(phase.required_milestones) - known
            if unknown:
                raise PolicyInvalid(f"phase {phase.number} needs unknown milestones {unknown}")

    def milestone(self, code: str) -> MilestoneDefinition | None:
        return next((m for m in self.milestones if m.code == code), None)

    def minimum_leefgeld(self, member_count: int) -> Money:
        further = max(member_count - 1, 0)
        return Money(
            self.minimum_leefgeld_first_adult.cents
            + further * self.minimum_leefgeld_per_further_member.cents
        )

    def rank(self, cost_type: CostType) -> int:
        return self.priority.index(cost_type)
