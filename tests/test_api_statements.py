"""Monthly statements and the household's ledger through the HTTP edge.

January 2026 of the own household: the bijstand arrives on 2 January and is divided the same
day, the run of Monday 5 January pays the four bills (due on New Year's Day) and the first
weekly leefgeld; February is divided on 12 January, the API's today.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine

from ontzorgen.months import Month
from tests.api_world import ApiWorld, make_lived_api_world

JANUARY = Month(2026, 1)
FEBRUARY = Month(2026, 2)


@pytest.fixture
def world(engine: Engine) -> ApiWorld:
    return make_lived_api_world(engine)


def get(world: ApiWorld, path: str, user: str) -> Any:
    return world.client.get(f"/v1{path}", headers=world.as_user(user))


def test_a_newcomer_reads_their_own_statement_with_amounts_as_strings(world: ApiWorld) -> None:
    household_id = world.own.household_id
    response = get(world, f"/households/{household_id}/statements/2026-01", "newcomer")

    assert response.status_code == 200
    body = response.json()
    assert (body["month"], body["asOf"], body["allocatedOn"]) == (
        "2026-01",
        "2026-01-12",
        "2026-01-02",
    )
    assert [(i["kind"], i["gross"], i["vakantietoeslag"], i["net"]) for i in body["income"]] == [
        ("bijstand", "1369.06", "68.45", "1300.61")
    ]
    assert [
        (w["costTypeName"], w["creditorName"], w["amount"], w["dueOn"], w["status"], w["paidOn"])
        for w in body["withholdings"]
    ] == [
        (
            "Zorgverzekering",
            "Zilveren Kruis Zorgverzekeringen N.V.",
            "159.00",
            "2026-01-01",
            "betaald",
            "2026-01-05",
        ),
        ("Huur", "Woonstad Rotterdam", "650.00", "2026-01-01", "betaald", "2026-01-05"),
        ("Energie", "Eneco Consumenten B.V.", "120.00", "2026-01-01", "betaald", "2026-01-05"),
        ("Water", "Evides N.V.", "25.00", "2026-01-01", "betaald", "2026-01-05"),
    ]
    assert body["withheldTotal"] == "954.00"
    assert body["leefgeld"]["total"] == "346.61"
    assert [(p["payOn"], p["amount"], p["status"]) for p in body["leefgeld"]["payments"]] == [
        ("2026-01-05", "86.66", "betaald"),
        ("2026-01-12", "86.65", "gereserveerd"),
        ("2026-01-19", "86.65", "gereserveerd"),
        ("2026-01-26", "86.65", "gereserveerd"),
    ]
    leefgeld = next(r for r in body["reserves"] if r["role"] == "leefgeld")
    assert (
        leefgeld["openingBalance"],
        leefgeld["moneyIn"],
        leefgeld["moneyOut"],
        leefgeld["closingBalance"],
    ) == ("0.00", "693.22", "86.66", "606.56")
    assert body["arrears"] == {"monthTotal": "0.00", "outstanding": "0.00", "items": []}
    assert [(n["payOn"], n["amount"], n["costTypeName"]) for n in body["nextPayments"][:3]] == [
        ("2026-01-19", "86.65", None),
        ("2026-01-26", "86.65", None),
        # February's bills, due on 1 February (a Sunday), go out on Friday 30 January.
        ("2026-01-30", "120.00", "Energie"),
    ]
    assert body["currentPhase"] == {"number": 1, "name": "Volledig ontzorgd"}
    assert body["coach"]["name"] == "Kredietbank Rijnmond"
    assert [m["code"] for m in body["openMilestones"]][:1] == ["statutory_period_passed"]


def test_the_months_with_a_statement_are_listed_newest_first_page_by_page(
    world: ApiWorld,
) -> None:
    household_id = world.own.household_id
    first = get(world, f"/households/{household_id}/statements?pageSize=1", "newcomer").json()
    assert [(i["month"], i["income"], i["leefgeld"]) for i in first["items"]] == [
        ("2026-02", "1300.61", "346.61")
    ]
    assert "after=202602" in first["_links"]["next"]
    second = world.client.get(first["_links"]["next"], headers=world.as_user("newcomer")).json()
    assert [i["month"] for i in second["items"]] == ["2026-01"]
    assert second["_links"]["next"] is not None  # a full page; the next one is empty
    assert (
        world.client.get(second["_links"]["next"], headers=world.as_user("newcomer")).json()[
            "items"
        ]
        == []
    )


def test_everyone_who_reaches_the_household_reads_its_statements_and_ledger(
    world: ApiWorld,
) -> None:
    household_id = world.own.household_id
    for user in ("officer", "coach", "auditor", "newcomer"):
        for path in (
            f"/households/{household_id}/statements",
            f"/households/{household_id}/statements/2026-02",
            f"/households/{household_id}/ledger",
        ):
            assert get(world, path, user).status_code == 200, (user, path)


def test_nobody_reads_the_statements_or_ledger_of_a_household_they_do_not_reach(
    world: ApiWorld,
) -> None:
    for user in ("newcomer", "officer", "coach", "auditor", "newcomer-utrecht"):
        household_id = (
            world.own.household_id if user.endswith("-utrecht") else world.foreign.household_id
        )
        for path in (
            f"/households/{household_id}/statements",
            f"/households/{household_id}/statements/2026-01",
            f"/households/{household_id}/ledger",
            f"/households/{household_id}/ledger/accounts/1/postings",
        ):
            response = get(world, path, user)
            assert response.status_code == 403, (user, path)
            assert response.headers["content-type"] == "application/problem+json"


def test_a_month_without_a_statement_is_a_404_problem(world: ApiWorld) -> None:
    anonymous = world.client.get(f"/v1/households/{world.own.household_id}/statements/2026-01")
    assert anonymous.status_code == 401
    response = get(world, f"/households/{world.own.household_id}/statements/2026-03", "newcomer")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert "2026-03" in response.json()["detail"]
    unknown = get(world, "/households/999999/statements/2026-01", "officer")
    assert unknown.status_code == 404


def test_a_malformed_month_is_a_400_naming_the_field(world: ApiWorld) -> None:
    for path in (
        "statements/2026-13",
        "statements/202601",
        "statements/2026-1",
        "statements?after=202613",
        "statements?pageSize=0",
    ):
        response = get(world, f"/households/{world.own.household_id}/{path}", "newcomer")
        assert response.status_code == 400, path
        assert response.json()["invalidParams"], path


def test_the_ledger_lists_the_accounts_and_pages_through_their_postings(
    world: ApiWorld,
) -> None:
    household_id = world.own.household_id
    ledger = get(world, f"/households/{household_id}/ledger", "newcomer").json()
    by_name = {(a["role"], a["costTypeName"]): a for a in ledger["accounts"]}
    rent = by_name[("reserve", "Huur")]
    assert (rent["balance"], rent["creditorName"], rent["kind"]) == (
        "650.00",  # January's rent was paid; February's is held
        "Woonstad Rotterdam",
        "liability",
    )
    assert by_name[("leefgeld", None)]["balance"] == "606.56"
    assert by_name[("income", None)]["balance"] == "0.00"
    leefgeld_id = by_name[("leefgeld", None)]["id"]

    path = f"/households/{household_id}/ledger/accounts/{leefgeld_id}/postings"
    first = get(world, f"{path}?pageSize=2", "newcomer").json()
    assert [
        (p["accountSeq"], p["bookedOn"], p["direction"], p["amount"], p["balanceAfter"])
        for p in first["items"]
    ] == [
        (1, "2026-01-02", "credit", "346.61", "346.61"),
        (2, "2026-01-05", "debit", "86.66", "259.95"),
    ]
    assert first["items"][0]["description"] == "Verdeling 2026-01"
    assert all(isinstance(p["entryId"], int) for p in first["items"])
    second = world.client.get(first["_links"]["next"], headers=world.as_user("newcomer")).json()
    assert [(p["accountSeq"], p["balanceAfter"]) for p in second["items"]] == [(3, "606.56")]
    assert second["_links"]["next"] is None


def test_an_account_of_another_household_is_a_404_under_this_one(world: ApiWorld) -> None:
    foreign = get(world, f"/households/{world.foreign.household_id}/ledger", "officer-utrecht")
    foreign_account = foreign.json()["accounts"][0]["id"]
    response = get(
        world,
        f"/households/{world.own.household_id}/ledger/accounts/{foreign_account}/postings",
        "officer",
    )
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
