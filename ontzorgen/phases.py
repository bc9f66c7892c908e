"""Handing control back, one phase at a time (DOMAIN.md §6).

The system *proposes* a step when every milestone the next phase needs is met (and, where the phase
says so, the statutory six months have passed); a coach *decides*, with a reason, a date and their
name. A relapse lets the coach move back one phase. Every change takes effect from a date, so the
phase of any day can be explained afterwards.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from ontzorgen.arrangement import Arrangement
from ontzorgen.errors import OntzorgenError
from ontzorgen.policy import CostType, Ladder, LeefgeldFrequency, Policy

STATUTORY_PERIOD_REQUIREMENT = "statutory_period_passed"


class ChangeKind(enum.StrEnum):
    START = "start"
    STEP = "step"
    RELAPSE = "relapse"


class PhaseStepNotAllowed(OntzorgenError):
    """A coach asked for a phase change that the ladder does not allow."""

    def __init__(self, household_id: int, current: int, requested: int) -> None:
        super().__init__(
            f"Household {household_id} cannot move from phase {current} to phase {requested}: "
            "the ladder allows one step up, or one step back after a relapse."
        )
        self.household_id, self.current, self.requested = household_id, current, requested


class StepRequirementsNotMet(OntzorgenError):
    """A step up was decided while the next phase's requirements are still open."""

    def __init__(self, household_id: int, requested: int, open_requirements: Sequence[str]) -> None:
        super().__init__(
            f"Household {household_id} cannot step up to phase {requested} yet; still open: "
            f"{', '.join(open_requirements)}."
        )
        self.household_id, self.requested = household_id, requested
        self.open_requirements = tuple(open_requirements)


class ReasonRequired(OntzorgenError):
    """A phase decision needs a reason for the municipality's file."""

    def __init__(self, household_id: int) -> None:
        super().__init__(f"Give a reason for the phase decision of household {household_id}.")
        self.household_id = household_id


class EffectiveDateBeforeLastChange(OntzorgenError):
    """A phase change cannot take effect before the household's previous change."""

    def __init__(self, household_id: int, effective_on: date, last_effective_on: date) -> None:
        super().__init__(
            f"Household {household_id} changed phase with effect from {last_effective_on}; a new "
            f"change cannot take effect earlier, on {effective_on}."
        )
        self.household_id, self.effective_on, self.last_effective_on = (
            household_id,
            effective_on,
            last_effective_on,
        )


@dataclass(frozen=True, slots=True)
class PhaseChange:
    household_id: int
    kind: ChangeKind
    from_phase: int | None
    to_phase: int
    effective_on: date
    decided_on: date
    actor: str
    reason: str


@dataclass(frozen=True, slots=True)
class StepAssessment:
    """Whether the household is ready for the next phase, and what is still open if not."""

    current_phase: int
    next_phase: int | None
    open_requirements: tuple[str, ...]

    @property
    def ready(self) -> bool:
        return self.next_phase is not None and not self.open_requirements


def phase_on(changes: Iterable[PhaseChange], day: date) -> int | None:
    """The phase in force on ``day``: the last change that took effect on or before it."""
    in_force = [change for change in changes if change.effective_on <= day]
    if not in_force:
        return None
    return max(in_force, key=lambda change: (change.effective_on, change.decided_on)).to_phase


def achieved_milestones(
    policy: Policy, recorded: Iterable[str], months_without_arrears: int
) -> frozenset[str]:
    """Recorded milestones plus the computed ones that the arrears history satisfies."""
    computed = {
        milestone.code
        for milestone in policy.milestones
        if milestone.months_without_arrears is not None
        and months_without_arrears >= milestone.months_without_arrears
    }
    return frozenset(recorded) | computed


def assess_step(
    policy: Policy,
    current_phase: int,
    achieved: frozenset[str],
    arrangement: Arrangement,
    on: date,
) -> StepAssessment:
    ladder: Ladder = policy.ladder
    if current_phase >= ladder.last:
        return StepAssessment(current_phase, None, ())
    target = ladder.phase(current_phase + 1)
    open_requirements = [code for code in target.required_milestones if code not in achieved]
    if target.requires_statutory_period_passed and not arrangement.statutory_period_passed(on):
        open_requirements.insert(0, STATUTORY_PERIOD_REQUIREMENT)
    return StepAssessment(current_phase, target.number, tuple(open_requirements))


def decide_step(
    policy: Policy,
    assessment: StepAssessment,
    household_id: int,
    *,
    requested: int,
    effective_on: date,
    decided_on: date,
    actor: str,
    reason: str,
    last_effective_on: date | None,
) -> PhaseChange:
    """A coach's decision to step up; refused when the ladder or the requirements say no."""
    _check_decision(household_id, reason, effective_on, last_effective_on)
    if not policy.ladder.allows(assessment.current_phase, requested) or (
        requested != assessment.current_phase + 1
    ):
        raise PhaseStepNotAllowed(household_id, assessment.current_phase, requested)
    if not assessment.ready:
        raise StepRequirementsNotMet(household_id, requested, assessment.open_requirements)
    return PhaseChange(
        household_id,
        ChangeKind.STEP,
        assessment.current_phase,
        requested,
        effective_on,
        decided_on,
        actor,
        reason.strip(),
    )


def decide_relapse(
    policy: Policy,
    household_id: int,
    current_phase: int,
    *,
    requested: int,
    effective_on: date,
    decided_on: date,
    actor: str,
    reason: str,
    last_effective_on: date | None,
) -> PhaseChange:
    """A coach moves a household back one phase after arrears or a returned payment."""
    _check_decision(household_id, reason, effective_on, last_effective_on)
    if requested != current_phase - 1 or not policy.ladder.allows(current_phase, requested):
        raise PhaseStepNotAllowed(household_id, current_phase, requested)
    return PhaseChange(
        household_id,
        ChangeKind.RELAPSE,
        current_phase,
        requested,
        effective_on,
        decided_on,
        actor,
        reason.strip(),
    )


def _check_decision(
    household_id: int, reason: str, effective_on: date, last_effective_on: date | None
) -> None:
    if not reason.strip():
        raise ReasonRequired(household_id)
    if last_effective_on is not None and effective_on < last_effective_on:
        raise EffectiveDateBeforeLastChange(household_id, effective_on, last_effective_on)


@dataclass(frozen=True, slots=True)
class WithholdingPeriod:
    """From one date on: the phase, what is withheld, and who decided it and why."""

    effective_on: date
    phase: int
    phase_name: str
    withheld: tuple[CostType, ...]
    leefgeld_frequency: LeefgeldFrequency | None
    kind: ChangeKind
    decided_on: date
    actor: str
    reason: str

    def explain(self) -> str:
        """One plain Dutch sentence, for the coach, the file and the statement."""
        withheld = ", ".join(c.value for c in self.withheld) if self.withheld else "niets"
        frequency = {
            LeefgeldFrequency.WEEKLY: "leefgeld per week",
            LeefgeldFrequency.MONTHLY: "leefgeld per maand",
            None: "wat nog binnenkomt, gaat in één keer naar de eigen rekening",
        }[self.leefgeld_frequency]
        return (
            f"Vanaf {self.effective_on:%d-%m-%Y}: fase {self.phase} ({self.phase_name}). "
            f"Ingehouden: {withheld}; {frequency}. Besluit van {self.actor} op "
            f"{self.decided_on:%d-%m-%Y}: {self.reason}"
        )


def withholding_history(
    changes: Sequence[PhaseChange], policy: Policy, agreed: frozenset[CostType]
) -> tuple[WithholdingPeriod, ...]:
    """Every change of what is withheld, in the order it took effect."""
    history = []
    for change in sorted(changes, key=lambda c: (c.effective_on, c.decided_on)):
        phase = policy.ladder.phase(change.to_phase)
        withheld = tuple(c for c in policy.priority if phase.withholds(c, agreed))
        history.append(
            WithholdingPeriod(
                change.effective_on,
                phase.number,
                phase.name,
                withheld,
                phase.leefgeld_frequency,
                change.kind,
                change.decided_on,
                change.actor,
                change.reason,
            )
        )
    return tuple(history)
