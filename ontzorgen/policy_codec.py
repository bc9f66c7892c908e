"""A municipality's policy to and from JSON, so it can be stored and edited as data.

Unknown keys are refused rather than ignored: a misspelt setting must not silently fall back to
the default.
"""

from __future__ import annotations

import json
from typing import Any

from ledger.money import Money
from ontzorgen.policy import (
    CostType,
    Ladder,
    LeefgeldFrequency,
    MilestoneDefinition,
    PhaseDefinition,
    Policy,
    PolicyInvalid,
    ProrationRule,
)


def policy_to_dict(policy: Policy) -> dict[str, Any]:
    return {
        "costTypes": sorted(c.value for c in policy.cost_types),
        "priority": [c.value for c in policy.priority],
        "minimumLeefgeldFirstAdultCents": policy.minimum_leefgeld_first_adult.cents,
        "minimumLeefgeldPerFurtherMemberCents": policy.minimum_leefgeld_per_further_member.cents,
        "proration": policy.proration.value,
        "leefgeldWeekday": policy.leefgeld_weekday,
        "leefgeldDayOfMonth": policy.leefgeld_day_of_month,
        "vakantietoeslagPercent": policy.vakantietoeslag_percent,
        "vakantietoeslagMonth": policy.vakantietoeslag_month,
        "signalHorizonDays": policy.signal_horizon_days,
        "milestoneReviewIntervalMonths": policy.milestone_review_interval_months,
        "milestones": [
            {"code": m.code, "title": m.title, "monthsWithoutArrears": m.months_without_arrears}
            for m in policy.milestones
        ],
        "ladder": [
            {
                "number": p.number,
                "name": p.name,
                "withheld": None if p.withheld is None else sorted(c.value for c in p.withheld),
                "leefgeldFrequency": None
                if p.leefgeld_frequency is None
                else p.leefgeld_frequency.value,
                "requiredMilestones": list(p.required_milestones),
                "requiresStatutoryPeriodPassed": p.requires_statutory_period_passed,
            }
            for p in policy.ladder.phases
        ],
    }


_KEYS = frozenset(policy_to_dict(Policy()))


def policy_from_dict(data: dict[str, Any]) -> Policy:
    unknown = set(data) - _KEYS
    if unknown:
        raise PolicyInvalid(f"unknown settings {sorted(unknown)}")
    merged = {**policy_to_dict(Policy()), **data}
    try:
        return Policy(
            cost_types=frozenset(CostType(c) for c in merged["costTypes"]),
            priority=tuple(CostType(c) for c in merged["priority"]),
            minimum_leefgeld_first_adult=Money(merged["minimumLeefgeldFirstAdultCents"]),
            minimum_leefgeld_per_further_member=Money(
                merged["minimumLeefgeldPerFurtherMemberCents"]
            ),
            proration=ProrationRule(merged["proration"]),
            leefgeld_weekday=int(merged["leefgeldWeekday"]),
            leefgeld_day_of_month=int(merged["leefgeldDayOfMonth"]),
            vakantietoeslag_percent=int(merged["vakantietoeslagPercent"]),
            vakantietoeslag_month=int(merged["vakantietoeslagMonth"]),
            signal_horizon_days=int(merged["signalHorizonDays"]),
            milestone_review_interval_months=int(merged["milestoneReviewIntervalMonths"]),
            milestones=tuple(
                MilestoneDefinition(m["code"], m["title"], m.get("monthsWithoutArrears"))
                for m in merged["milestones"]
            ),
            ladder=Ladder(
                tuple(
                    PhaseDefinition(
                        number=int(p["number"]),
                        name=p["name"],
                        withheld=None
                        if p["withheld"] is None
                        else frozenset(CostType(c) for c in p["withheld"]),
                        leefgeld_frequency=None
                        if p["leefgeldFrequency"] is None
                        else LeefgeldFrequency(p["leefgeldFrequency"]),
                        required_milestones=tuple(p.get("requiredMilestones", ())),
                        requires_statutory_period_passed=bool(
                            p.get("requiresStatutoryPeriodPassed", False)
                        ),
                    )
                    for p in merged["ladder"]
                )
            ),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise PolicyInvalid(str(error)) from error


def policy_to_json(policy: Policy) -> str:
    return json.dumps(policy_to_dict(policy), sort_keys=True)


def policy_from_json(text: str) -> Policy:
    return policy_from_dict(json.loads(text))
