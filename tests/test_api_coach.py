"""The coach's resources through the HTTP edge: allocations, milestones, phases and proposals,
relapses, and signals (a household's, the caller's caseload, handling one).

Proven here, on SQLite and PostgreSQL, with the API world of ``tests.api_world`` (clock Monday
12 January 2026; Rotterdam is "own", Utrecht "foreign"):
- an income officer divides a month once: the first answer is 201, the same key and body replay
  it marked ``Idempotent-Replayed`` without booking twice, the same key with another body is a 422,
  a new key for the same month is a 200 with the first division; nobody else may divide;
- allocations are listed by month with cursor links and read in full (lines, leefgeld parts);
- a coach records milestones; the step is proposed when the requirements are met, and accepted or
  rejected with a reason; a relapse moves back one phase; every reader of the household sees the
  phase with its history and what is withheld;
- a coach's list of signals holds their caseload only, most urgent first, paged by cursor; an
  officer's holds their municipality's; handling records the acting user, once; handling a returned
  payment's signal lets the next payment run pay it again.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from ledger.money import Money
from ledger.schema import entries as ledger_entries
from ontzorgen import payment_runs, services, statements
from ontzorgen.months import Month
from tests.api_world import ApiWorld, make_api_world
from tests.camt_builder import Line, statement
from tests.factories import NORM_SINGLE, add_newcomer

JANUARY = Month(2026, 1)
FEBRUARY = Month(2026, 2)
PROBLEM = "application/problem+json"


@pytest.fixture
def world(engine: Engine) -> ApiWorld:
    return make_api_world(engine)


def receive(world: ApiWorld, month: Month, household_id: int | None = None) -> None:
    services.record_bijstand(
        world.uow(),
        household_id=household_id or world.own.household_id,
        month=month,
        full_month_amount=NORM_SINGLE,
        received_on=date(2026, 1, 5),
    )


def entry_count(world: ApiWorld) -> int:
    with world.engine.connect() as connection:
        return int(
            connection.execute(select(func.count()).select_from(ledger_entries)).scalar_one()
        )


def post(world: ApiWorld, user: str, path: str, body: Any, key: str | None = None) -> Any:
    headers = world.as_user(user)
    if key is not None:
        headers["Idempotency-Key"] = key
    return world.client.post(f"/v1{path}", json=body, headers=headers)


def get(world: ApiWorld, user: str, path: str, **params: Any) -> Any:
    return world.client.get(f"/v1{path}", params=params, headers=world.as_user(user))


def household_path(world: ApiWorld, rest: str) -> str:
    return f"/households/{world.own.household_id}{rest}"


# -- allocations -------------------------------------------------------------------------------


def test_an_officer_divides_a_month_once_and_a_replay_books_nothing_twice(world: ApiWorld) -> None:
    receive(world, JANUARY)
    path = household_path(world, "/allocations")
    first = post(world, "officer", path, {"month": "2026-01"}, key="verdeel-2026-01")
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["month"] == "2026-01" and body["phase"] == 1
    assert body["allocatedOn"] == "2026-01-12"
    assert {line["costType"] for line in body["lines"]} == {
        "huur",
        "zorgverzekering",
        "energie",
        "water",
    }
    rent = next(line for line in body["lines"] if line["costType"] == "huur")
    assert (rent["need"], rent["reserved"], rent["arrear"]) == ("650.00", "650.00", "0.00")
    assert rent["creditorName"] == "Woonstad Rotterdam"
    # Phase 1 pays leefgeld weekly, on Mondays from today: 12, 19 and 26 January.
    assert [part["payOn"] for part in body["leefgeldParts"]] == [
        "2026-01-12",
        "2026-01-19",
        "2026-01-26",
    ]
    parts_cents = sum(Money.parse(part["amount"]).cents for part in body["leefgeldParts"])
    assert parts_cents == Money.parse(body["leefgeld"]).cents
    booked = entry_count(world)

    replay = post(world, "officer", path, {"month": "2026-01"}, key="verdeel-2026-01")
    assert replay.status_code == 201
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json() == body
    assert entry_count(world) == booked

    other_body = post(world, "officer", path, {"month": "2026-02"}, key="verdeel-2026-01")
    assert other_body.status_code == 422
    assert other_body.headers["content-type"] == PROBLEM

    new_key = post(world, "officer-2", path, {"month": "2026-01"}, key="nogmaals-2026-01")
    assert new_key.status_code == 200
    assert new_key.json() == body
    assert entry_count(world) == booked


def test_a_month_without_bijstand_is_refused_as_a_conflict(world: ApiWorld) -> None:
    response = post(
        world, "officer", household_path(world, "/allocations"), {"month": "2026-01"}, "k-000001"
    )
    assert response.status_code == 409
    assert response.headers["content-type"] == PROBLEM
    assert "no bijstand recorded for 2026-01" in response.json()["detail"]
    # A refusal is not stored: once the bijstand is there, the same key divides the month.
    receive(world, JANUARY)
    again = post(
        world, "officer", household_path(world, "/allocations"), {"month": "2026-01"}, "k-000001"
    )
    assert again.status_code == 201


def test_dividing_needs_a_key_and_a_valid_month(world: ApiWorld) -> None:
    path = household_path(world, "/allocations")
    no_key = post(world, "officer", path, {"month": "2026-01"})
    assert no_key.status_code == 400
    assert [p["name"] for p in no_key.json()["invalidParams"]] == ["header.Idempotency-Key"]
    for month in ("2026-13", "2026-1", "1999-12", "januari"):
        bad = post(world, "officer", path, {"month": month}, key="k-bad-month")
        assert bad.status_code == 400, month
        assert bad.json()["invalidParams"][0]["name"] == "body.month"
    extra = post(world, "officer", path, {"month": "2026-01", "force": True}, key="k-extra-1")
    assert extra.status_code == 400


def test_only_an_income_officer_of_the_municipality_divides_a_month(world: ApiWorld) -> None:
    receive(world, JANUARY)
    booked = entry_count(world)
    path = household_path(world, "/allocations")
    for user in ("coach", "newcomer", "auditor", "officer-utrecht"):
        response = post(world, user, path, {"month": "2026-01"}, "k-forbidden")
        assert response.status_code == 403, user
        assert response.headers["content-type"] == PROBLEM
    assert entry_count(world) == booked


def test_allocations_are_listed_by_month_and_read_in_full(world: ApiWorld) -> None:
    for month in (JANUARY, FEBRUARY):
        receive(world, month)
        services.allocate_month(world.uow(), world.own.household_id, month, today=date(2026, 1, 5))
    path = household_path(world, "/allocations")
    first = get(world, "coach", path, pageSize=1)
    assert first.status_code == 200
    assert [item["month"] for item in first.json()["items"]] == ["2026-01"]
    assert first.json()["items"][0]["income"] == "1300.61"  # the norm less 5% vakantietoeslag
    second = world.client.get(first.json()["_links"]["next"], headers=world.as_user("coach"))
    assert [item["month"] for item in second.json()["items"]] == ["2026-02"]
    assert second.json()["_links"]["prev"] is not None
    third = world.client.get(second.json()["_links"]["next"], headers=world.as_user("coach"))
    assert third.json()["items"] == [] and third.json()["_links"]["next"] is None

    february = get(world, "newcomer", household_path(world, "/allocations/2026-02"))
    assert february.status_code == 200
    assert len(february.json()["lines"]) == 4
    assert [p["payOn"] for p in february.json()["leefgeldParts"]] == [
        "2026-02-02",
        "2026-02-09",
        "2026-02-16",
        "2026-02-23",
    ]
    assert get(world, "auditor", household_path(world, "/allocations/2026-03")).status_code == 404
    assert get(world, "auditor", household_path(world, "/allocations/2026-3")).status_code == 400
    assert get(world, "newcomer-utrecht", path).status_code == 403
    assert get(
        world, "coach-utrecht", household_path(world, "/allocations/2026-01")
    ).status_code == (403)


# -- milestones and phases ---------------------------------------------------------------------


def test_a_coach_records_a_milestone_and_sees_what_the_next_step_still_needs(
    world: ApiWorld,
) -> None:
    path = household_path(world, "/milestones")
    recorded = post(
        world,
        "coach",
        path,
        {"code": "budgetcursus", "achievedOn": "2026-01-10", "evidence": "Certificaat gezien"},
    )
    assert recorded.status_code == 201, recorded.text
    assert recorded.json() == {
        "milestone": {
            "code": "budgetcursus",
            "achievedOn": "2026-01-10",
            "evidence": "Certificaat gezien",
            "recordedBy": "coach",
        },
        "assessment": {
            "currentPhase": 1,
            "nextPhase": 2,
            "openRequirements": ["statutory_period_passed", "toeslagen"],
            "ready": False,
        },
    }
    listed = get(world, "newcomer", path)
    assert listed.status_code == 200
    by_code = {item["code"]: item for item in listed.json()["items"]}
    assert by_code["budgetcursus"]["achieved"] is True
    assert by_code["budgetcursus"]["recorded"]["recordedBy"] == "coach"
    assert by_code["toeslagen"] == {
        "code": "toeslagen",
        "title": "Toeslagen aangevraagd en ontvangen",
        "computed": False,
        "monthsWithoutArrearsRequired": None,
        "achieved": False,
        "recorded": None,
    }
    computed = by_code["drie_maanden_zonder_achterstand"]
    assert (computed["computed"], computed["monthsWithoutArrearsRequired"]) == (True, 3)
    assert listed.json()["monthsWithoutArrears"] == 0
    assert listed.json()["assessment"]["openRequirements"] == [
        "statutory_period_passed",
        "toeslagen",
    ]


def test_milestones_that_cannot_be_recorded_are_refused(world: ApiWorld) -> None:
    path = household_path(world, "/milestones")
    body = {"code": "budgetcursus", "achievedOn": "2026-01-10", "evidence": "Certificaat"}
    unknown = post(world, "coach", path, {**body, "code": "paardrijden"})
    assert unknown.status_code == 404
    computed = post(world, "coach", path, {**body, "code": "drie_maanden_zonder_achterstand"})
    assert computed.status_code == 409
    blank = post(world, "coach", path, {**body, "evidence": "   ", "achievedOn": "gisteren"})
    assert blank.status_code == 400
    assert sorted(p["name"] for p in blank.json()["invalidParams"]) == [
        "body.achievedOn",
        "body.evidence",
    ]
    odd = post(world, "coach", path, {**body, "code": "budget cursus", "achievedOn": "1999-12-31"})
    assert sorted(p["name"] for p in odd.json()["invalidParams"]) == [
        "body.achievedOn",
        "body.code",
    ]
    for user in ("officer", "newcomer", "auditor", "coach-utrecht"):
        assert post(world, user, path, body).status_code == 403, user


def test_every_reader_of_the_household_sees_its_phase_and_what_is_withheld(
    world: ApiWorld,
) -> None:
    for user in ("officer", "coach", "auditor", "newcomer"):
        response = get(world, user, household_path(world, "/phase"))
        assert response.status_code == 200, user
    body = response.json()
    assert (body["currentPhase"], body["currentPhaseName"]) == (1, "Volledig ontzorgd")
    (start,) = body["history"]
    assert (start["kind"], start["fromPhase"], start["toPhase"]) == ("start", None, 1)
    assert start["effectiveOn"] == "2026-01-01"
    (period,) = body["withholding"]
    assert set(period["withheld"]) == {"huur", "zorgverzekering", "energie", "water"}
    assert period["leefgeldFrequency"] == "weekly"
    assert period["explanation"].startswith("Vanaf 01-01-2026: fase 1 (Volledig ontzorgd).")
    assert get(world, "coach-utrecht", household_path(world, "/phase")).status_code == 403


def ready_household(world: ApiWorld) -> int:
    """A household of the own caseload whose six months ended on 30 November 2025."""
    household_id = add_newcomer(
        world.own.world, bijstand_start_on=date(2025, 6, 1), name="Huishouden Yonas"
    ).household_id
    for code in ("budgetcursus", "toeslagen"):
        response = post(
            world,
            "coach",
            f"/households/{household_id}/milestones",
            {"code": code, "achievedOn": "2026-01-09", "evidence": f"Bewijs {code}"},
        )
        assert response.status_code == 201
    return household_id


def test_a_step_is_proposed_when_met_and_a_coach_accepts_it_with_a_reason(
    world: ApiWorld,
) -> None:
    household_id = ready_household(world)
    path = f"/households/{household_id}/phase-proposals"
    listed = get(world, "newcomer-utrecht", path)
    assert listed.status_code == 403
    listed = get(world, "auditor", path)
    assert listed.status_code == 200
    proposal = listed.json()["open"]
    assert proposal is not None
    assert (proposal["fromPhase"], proposal["toPhase"], proposal["status"]) == (1, 2, "open")
    assert proposal["proposedOn"] == "2026-01-09"
    assert listed.json()["assessment"]["ready"] is True
    assert listed.json()["items"] == [proposal]

    # Assessing again proposes nothing new while a proposal is open.
    again = post(world, "coach", path, None)
    assert again.status_code == 200
    assert again.json()["open"] == proposal

    decision_path = f"{path}/{proposal['id']}/decision"
    blank = post(world, "coach", decision_path, {"decision": "accept", "reason": "  "})
    assert blank.status_code == 400
    assert post(
        world, "auditor", decision_path, {"decision": "accept", "reason": "Ok"}
    ).status_code == (403)
    accepted = post(
        world,
        "coach",
        decision_path,
        {"decision": "accept", "reason": "Cursus gehaald, toeslagen lopen"},
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["proposal"]["status"] == "approved"
    assert accepted.json()["proposal"]["decidedBy"] == "coach"
    change = accepted.json()["change"]
    assert (change["kind"], change["fromPhase"], change["toPhase"]) == ("step", 1, 2)
    assert change["effectiveOn"] == change["decidedOn"] == "2026-01-12"

    twice = post(world, "coach", decision_path, {"decision": "accept", "reason": "Nogmaals"})
    assert twice.status_code == 409

    phase = get(world, "coach", f"/households/{household_id}/phase").json()
    assert phase["currentPhase"] == 2
    assert [period["phase"] for period in phase["withholding"]] == [1, 2]
    assert phase["withholding"][1]["decidedBy"] == "coach"
    assert set(phase["withholding"][1]["withheld"]) == {"huur", "zorgverzekering"}

    relapse_path = f"/households/{household_id}/relapses"
    jump = post(world, "coach", relapse_path, {"toPhase": 3, "reason": "Huur teruggestort"})
    assert jump.status_code == 409
    relapse = post(
        world,
        "coach",
        relapse_path,
        {"toPhase": 1, "reason": "Huur teruggestort", "effectiveOn": "2026-02-01"},
    )
    assert relapse.status_code == 201, relapse.text
    assert relapse.json() == {
        "kind": "relapse",
        "fromPhase": 2,
        "toPhase": 1,
        "effectiveOn": "2026-02-01",
        "decidedOn": "2026-01-12",
        "decidedBy": "coach",
        "reason": "Huur teruggestort",
    }
    after = get(world, "coach", f"/households/{household_id}/phase").json()
    assert [change["kind"] for change in after["history"]] == ["start", "step", "relapse"]
    assert after["currentPhase"] == 2  # the relapse takes effect on 1 February
    for user in ("officer", "auditor", "newcomer"):
        assert post(world, user, relapse_path, {"toPhase": 1, "reason": "x"}).status_code == 403


def test_a_proposal_is_decided_through_its_own_household_and_a_rejection_keeps_the_phase(
    world: ApiWorld,
) -> None:
    household_id = ready_household(world)
    path = f"/households/{household_id}/phase-proposals"
    proposal = get(world, "coach", path).json()["open"]
    # The own household's path with another household's proposal: not found, nothing decided.
    wrong = post(
        world,
        "coach",
        household_path(world, f"/phase-proposals/{proposal['id']}/decision"),
        {"decision": "accept", "reason": "Ok"},
    )
    assert wrong.status_code == 404
    decision_path = f"{path}/{proposal['id']}/decision"
    foreign = post(world, "coach-utrecht", decision_path, {"decision": "accept", "reason": "Ok"})
    assert foreign.status_code == 403
    bad_verdict = post(world, "coach", decision_path, {"decision": "maybe", "reason": "Ok"})
    assert bad_verdict.status_code == 400
    assert get(world, "coach", path).json()["open"] == proposal

    rejected = post(
        world,
        "coach",
        f"{path}/{proposal['id']}/decision",
        {"decision": "reject", "reason": "Eerst nog een maand zonder achterstand"},
    )
    assert rejected.status_code == 200
    assert rejected.json()["change"] is None
    assert rejected.json()["proposal"]["status"] == "rejected"
    assert rejected.json()["proposal"]["reason"] == "Eerst nog een maand zonder achterstand"
    again = post(world, "coach", path, None)
    assert again.status_code == 200
    assert again.json()["open"] is None
    assert [item["status"] for item in again.json()["items"]] == ["rejected"]
    assert get(world, "coach", f"/households/{household_id}/phase").json()["currentPhase"] == 1


# -- signals -----------------------------------------------------------------------------------


def raise_signals(world: ApiWorld) -> None:
    """Missing bijstand (urgency 1) for both households and a creditor's new amount (urgency 4)
    for the own one."""
    services.raise_time_signals(world.uow(), today=date(2026, 1, 12))
    with world.uow() as uow:
        rent = next(
            o
            for o in uow.repository.obligations_of(world.own.household_id)
            if o.cost_type == "huur"
        )
    services.change_obligation_amount(
        world.uow(),
        rent.obligation_id,
        effective_on=date(2026, 3, 1),
        amount=Money(66_000),
        actor="coach",
        today=date(2026, 1, 10),
    )


def test_a_coach_lists_the_signals_of_their_caseload_most_urgent_first(world: ApiWorld) -> None:
    raise_signals(world)
    listed = get(world, "coach", "/signals")
    assert listed.status_code == 200
    items = listed.json()["items"]
    assert {item["householdId"] for item in items} == {world.own.household_id}
    assert [(item["kind"], item["urgency"]) for item in items] == [
        ("missing_bijstand", 1),
        ("creditor_amount_changed", 4),
    ]
    assert items[0]["blocking"] is True and items[1]["blocking"] is False
    assert items[0]["householdName"] == "Huishouden Haile"
    first = get(world, "coach", "/signals", pageSize=1)
    assert [item["id"] for item in first.json()["items"]] == [items[0]["id"]]
    rest = world.client.get(first.json()["_links"]["next"], headers=world.as_user("coach"))
    assert [item["id"] for item in rest.json()["items"]] == [items[1]["id"]]

    foreign = get(world, "officer-utrecht", "/signals").json()["items"]
    assert {item["householdId"] for item in foreign} == {world.foreign.household_id}
    assert get(world, "auditor", "/signals").json()["items"] == items
    assert get(world, "newcomer", "/signals").status_code == 403
    assert get(world, "coach", "/signals", status="closed").status_code == 400
    assert get(world, "coach", "/signals", after="1_2026-99-99_1").status_code == 400
    assert get(world, "coach", "/signals", after="anything").status_code == 400

    household = get(world, "officer", household_path(world, "/signals"))
    assert household.json()["items"] == items
    assert get(world, "newcomer", household_path(world, "/signals")).status_code == 403
    assert get(world, "coach-utrecht", household_path(world, "/signals")).status_code == 403


def test_a_signal_is_handled_once_with_a_note_by_the_acting_user(world: ApiWorld) -> None:
    raise_signals(world)
    (signal, other) = get(world, "coach", "/signals").json()["items"]
    path = f"/signals/{signal['id']}"
    assert get(world, "auditor", path).json() == signal
    assert get(world, "coach-utrecht", path).status_code == 403
    assert get(world, "coach", "/signals/999999").status_code == 404
    assert post(world, "coach", f"{path}/handling", {"note": " "}).status_code == 400
    for user in ("auditor", "newcomer", "officer-utrecht"):
        assert post(world, user, f"{path}/handling", {"note": "Gezien"}).status_code == 403

    handled = post(world, "coach", f"{path}/handling", {"note": "Uitkering komt morgen"})
    assert handled.status_code == 200, handled.text
    body = handled.json()
    assert (body["status"], body["handledBy"], body["handledOn"], body["note"]) == (
        "handled",
        "coach",
        "2026-01-12",
        "Uitkering komt morgen",
    )
    again = post(world, "officer", f"{path}/handling", {"note": "Ook gezien"})
    assert again.status_code == 409
    assert [item["id"] for item in get(world, "coach", "/signals").json()["items"]] == [other["id"]]
    handled_list = get(world, "coach", "/signals", status="handled").json()["items"]
    assert handled_list == [body]
    assert len(get(world, "coach", "/signals", status="all").json()["items"]) == 2


def test_handling_a_returned_payment_lets_the_next_run_pay_it_again(world: ApiWorld) -> None:
    municipality_id = world.own.world.municipality_id
    receive(world, JANUARY)
    services.allocate_month(world.uow(), world.own.household_id, JANUARY, today=date(2026, 1, 5))
    run = payment_runs.prepare_run(world.uow(), municipality_id, date(2026, 1, 12), actor="p")
    payment_runs.approve_run(world.uow(), run.run.run_id, actor="a")
    payment_runs.execute_run(
        world.uow(),
        run.run.run_id,
        actor="a",
        today=date(2026, 1, 12),
        now=datetime(2026, 1, 12, 8, tzinfo=UTC),
    )
    with world.uow() as uow:
        rent = next(p for p in uow.runs.payments_of(run.run.run_id) if p.cost_type == "huur")
    statements.import_statement(
        world.uow(),
        statement(
            [Line(rent.end_to_end_id, rent.amount.cents, credit=True, return_reason="AC01")],
            booked_on=date(2026, 1, 12),
        ),
        file_name="r.xml",
        actor="officer",
        today=date(2026, 1, 12),
    )
    (signal,) = get(world, "coach", household_path(world, "/signals")).json()["items"]
    assert (signal["kind"], signal["blocking"]) == ("returned_payment", True)
    held = payment_runs.prepare_run(world.uow(), municipality_id, date(2026, 1, 13), actor="p")
    assert str(world.own.household_id) in held.run.held_back

    handled = post(
        world, "coach", f"/signals/{signal['id']}/handling", {"note": "IBAN gecorrigeerd"}
    )
    assert handled.status_code == 200
    again = payment_runs.prepare_run(world.uow(), municipality_id, date(2026, 1, 14), actor="p")
    assert again.totals.per_cost_type["huur"].total == Money(65_000)
