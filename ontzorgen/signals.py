"""Signals (vroegsignalering): what a budget coach must look at, raised by domain rules.

Each rule is a plain function that returns the signals a situation calls for. A signal carries a
``subject`` that identifies the situation (say, one obligation in one month, or one proposal), so
raising the same signal again changes nothing: the store keeps one signal per subject, open or
handled, and a daily rule does not nag about a situation the coach already handled.
Messages are plain Dutch for the coach.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from ledger.money import Money
from ontzorgen.allocation import Allocation
from ontzorgen.arrangement import Arrangement
from ontzorgen.months import Month
from ontzorgen.obligations import Obligation


class SignalKind(enum.StrEnum):
    MISSING_BIJSTAND = "missing_bijstand"
    ARREAR = "arrear"
    RETURNED_PAYMENT = "returned_payment"
    CREDITOR_AMOUNT_CHANGED = "creditor_amount_changed"
    OBLIGATION_ENDS = "obligation_ends"
    PERIOD_ENDING = "period_ending"
    MILESTONE_REVIEW_DUE = "milestone_review_due"
    STEP_PROPOSED = "step_proposed"
    RELAPSE = "relapse"


#: Lower is more urgent: money that did not arrive or could not be paid comes first.
URGENCY: dict[SignalKind, int] = {
    SignalKind.MISSING_BIJSTAND: 1,
    SignalKind.RETURNED_PAYMENT: 1,
    SignalKind.ARREAR: 2,
    SignalKind.RELAPSE: 2,
    SignalKind.PERIOD_ENDING: 3,
    SignalKind.CREDITOR_AMOUNT_CHANGED: 4,
    SignalKind.OBLIGATION_ENDS: 4,
    SignalKind.STEP_PROPOSED: 5,
    SignalKind.MILESTONE_REVIEW_DUE: 6,
}

#: These keep a household out of a payment run's automatic path until a coach has looked.
BLOCKING_KINDS = frozenset({SignalKind.RETURNED_PAYMENT, SignalKind.MISSING_BIJSTAND})


@dataclass(frozen=True, slots=True)
class NewSignal:
    household_id: int
    kind: SignalKind
    subject: str
    raised_on: date
    message: str

    @property
    def urgency(self) -> int:
        return URGENCY[self.kind]


def euro(amount: Money) -> str:
    """Dutch notation: € 1.300,61."""
    whole, cents = divmod(abs(amount.cents), 100)
    grouped = f"{whole:,}".replace(",", ".")
    return f"{'-' if amount.cents < 0 else ''}€ {grouped},{cents:02d}"


def arrear_signals(household_id: int, allocation: Allocation, raised_on: date) -> list[NewSignal]:
    return [
        NewSignal(
            household_id,
            SignalKind.ARREAR,
            f"arrear:{line.obligation_id}:{allocation.month}",
            raised_on,
            f"Tekort in {allocation.month}: {line.cost_type.value} kon niet volledig worden "
            f"gereserveerd. Er ontbreekt {euro(line.arrear)} van {euro(line.need)}.",
        )
        for line in allocation.lines
        if line.arrear.cents > 0
    ]


def period_signals(arrangement: Arrangement, today: date, horizon_days: int) -> list[NewSignal]:
    """The six-month point or the PIP end within the horizon: a decision is needed."""
    horizon = today + timedelta(days=horizon_days)
    found = []
    ends = {("zes maanden (art. 56a Pw)", arrangement.statutory_end_on)}
    if arrangement.pip_end_on is not None:
        ends.add(("einde PIP-afspraak", arrangement.pip_end_on))
    for label, end_on in sorted(ends, key=lambda item: item[1]):
        if today <= end_on <= horizon:
            found.append(
                NewSignal(
                    arrangement.household_id,
                    SignalKind.PERIOD_ENDING,
                    f"period_ending:{end_on.isoformat()}",
                    today,
                    f"De {label} eindigt op {end_on:%d-%m-%Y}. Besluit nodig: verlengen "
                    "(art. 57 Pw), naar de volgende fase, of afronden.",
                )
            )
    return found


def milestone_review_signal(
    household_id: int, last_review_on: date, today: date, interval_months: int
) -> NewSignal | None:
    due_on = last_review_on + relativedelta(months=interval_months)
    if today < due_on:
        return None
    return NewSignal(
        household_id,
        SignalKind.MILESTONE_REVIEW_DUE,
        f"milestone_review:{due_on.isoformat()}",
        today,
        f"Bespreek de mijlpalen: de laatste bespreking was op {last_review_on:%d-%m-%Y}.",
    )


def missing_bijstand_signal(
    household_id: int, month: Month, today: date, recorded: bool
) -> NewSignal | None:
    """Bijstand for ``month`` is due before the month starts; from then on it is missing."""
    if recorded or today < month.first_day:
        return None
    return NewSignal(
        household_id,
        SignalKind.MISSING_BIJSTAND,
        f"missing_bijstand:{month}",
        today,
        f"De bijstand voor {month} is niet binnengekomen. Vaste lasten en leefgeld wachten.",
    )


def obligation_end_signals(
    obligations: Iterable[Obligation], today: date, horizon_days: int
) -> list[NewSignal]:
    horizon = today + timedelta(days=horizon_days)
    return [
        NewSignal(
            obligation.household_id,
            SignalKind.OBLIGATION_ENDS,
            f"obligation_ends:{obligation.obligation_id}",
            today,
            f"De vaste last {obligation.cost_type.value} eindigt op "
            f"{obligation.schedule.ends_on:%d-%m-%Y}. Is er een opvolger nodig?",
        )
        for obligation in obligations
        if obligation.schedule.ends_on is not None
        and today <= obligation.schedule.ends_on <= horizon
    ]


def amount_changed_signal(
    obligation: Obligation, old: Money, new: Money, effective_on: date, today: date
) -> NewSignal:
    return NewSignal(
        obligation.household_id,
        SignalKind.CREDITOR_AMOUNT_CHANGED,
        f"amount_changed:{obligation.obligation_id}:{effective_on.isoformat()}",
        today,
        f"Het bedrag voor {obligation.cost_type.value} verandert per {effective_on:%d-%m-%Y} van "
        f"{euro(old)} naar {euro(new)}. Past het leefgeld nog?",
    )


def step_proposed_signal(
    household_id: int, proposal_id: int, from_phase: int, to_phase: int, today: date
) -> NewSignal:
    # Each proposal is its own situation: the same step proposed again after a relapse is news.
    return NewSignal(
        household_id,
        SignalKind.STEP_PROPOSED,
        f"step_proposed:{proposal_id}",
        today,
        f"Alle mijlpalen voor fase {to_phase} zijn gehaald. Besluit over de stap van fase "
        f"{from_phase} naar fase {to_phase}.",
    )
