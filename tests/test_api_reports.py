"""The income department's reports and the auditors' audit log through the HTTP edge, on SQLite
and PostgreSQL: JSON, CSV by content negotiation, bad periods, and who may read them."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import Engine

from ledger.money import Money
from tests.api_world import TODAY, ApiWorld, make_api_world
from tests.camt_builder import Line, statement
from tests.test_api_runs import allocate_january, executed_run, payments_of, post

CSV_ACCEPT = {"Accept": "text/csv"}


@pytest.fixture
def world(engine: Engine) -> ApiWorld:
    return make_api_world(engine)


def report(world: ApiWorld, name: str) -> str:
    return f"/v1/municipalities/{world.own.world.municipality_id}/reports/{name}"


def rows_of(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_households_per_phase_as_json_and_as_csv(world: ApiWorld) -> None:
    headers = world.as_user("officer")
    response = world.client.get(report(world, "households-per-phase"), headers=headers)
    assert response.status_code == 200
    body = response.json()
    assert body["on"] == TODAY.isoformat()
    counts = {p["phase"]: p["householdCount"] for p in body["phases"]}
    assert counts[None] == 0 and counts[1] == 1 and counts[2] == 0
    assert body["phases"][1]["name"]
    as_csv = world.client.get(
        report(world, "households-per-phase"), headers={**headers, **CSV_ACCEPT}
    )
    assert as_csv.status_code == 200
    assert as_csv.headers["content-type"] == "text/csv; charset=utf-8"
    assert as_csv.headers["content-disposition"].startswith("attachment; filename=")
    rows = rows_of(as_csv.text)
    assert rows[0] == ["phase", "name", "householdCount"]
    assert rows[1] == ["", "", "0"] and rows[2][0::2] == ["1", "1"]
    preferring_json = world.client.get(
        report(world, "households-per-phase"),
        headers={**headers, "Accept": "application/json, text/csv;q=0.5"},
    )
    assert preferring_json.headers["content-type"] == "application/json"


def test_open_arrears_per_household_and_obligation(world: ApiWorld) -> None:
    allocate_january(world, income=Money(50_000))  # far too little: the bills fall short
    headers = world.as_user("auditor")
    body = world.client.get(report(world, "arrears"), headers=headers).json()
    (household,) = body["items"]
    assert household["householdId"] == world.own.household_id
    by_cost_type = {o["costType"]: o for o in household["obligations"]}
    assert "zorgverzekering" not in by_cost_type  # funded first
    rent = by_cost_type["huur"]
    assert rent["creditorName"] == "Woonstad Rotterdam" and rent["firstMonth"] == "2026-01"
    total_cents = sum(Money.parse(o["amount"]).cents for o in household["obligations"])
    assert Money.parse(household["total"]).cents == total_cents > 0
    as_csv = world.client.get(report(world, "arrears"), headers={**headers, **CSV_ACCEPT})
    rows = rows_of(as_csv.text)
    assert rows[0][:3] == ["householdId", "householdName", "kredietbankId"]
    assert len(rows) == 1 + len(household["obligations"])
    assert {row[6] for row in rows[1:]} == {o["amount"] for o in household["obligations"]}
    foreign = world.client.get(
        f"/v1/municipalities/{world.foreign.world.municipality_id}/reports/arrears",
        headers=world.as_user("auditor-utrecht"),
    )
    assert foreign.json()["items"] == []


def test_paid_per_month_leaves_a_returned_payment_out(world: ApiWorld) -> None:
    run = executed_run(world)
    path = report(world, "paid") + "?from=2025-12&to=2026-01"
    before = world.client.get(path, headers=world.as_user("officer")).json()
    rows = {(r["month"], r["costType"]): r for r in before["rows"]}
    assert rows[("2026-01", "huur")]["amount"] == "650.00"
    assert rows[("2026-01", "huur")]["creditorName"] == "Woonstad Rotterdam"
    assert (
        sum(Money.parse(r["amount"]).cents for r in before["rows"])
        == Money.parse(before["total"]).cents
        == Money.parse(run["totals"]["total"]).cents
    )
    rent = next(p for p in payments_of(world, run["id"]) if p["costType"] == "huur")
    returned = statement(
        [Line(rent["endToEndId"], 65_000, credit=True, return_reason="AC04")], booked_on=TODAY
    )
    imported = post(
        world,
        f"/v1/municipalities/{world.own.world.municipality_id}/statement-imports",
        "officer",
        "import-0001",
        content=returned,
        headers={"Content-Type": "application/xml"},
    )
    assert imported.json()["counts"] == {"returned": 1}
    after = world.client.get(path, headers={**world.as_user("auditor"), **CSV_ACCEPT})
    rows_after = rows_of(after.text)
    assert rows_after[0] == [
        "month",
        "creditorId",
        "creditorName",
        "costType",
        "paymentCount",
        "amount",
    ]
    assert "huur" not in {row[3] for row in rows_after[1:]}
    assert all(row[0] == "2026-01" for row in rows_after[1:])


@pytest.mark.parametrize(
    "query",
    ["from=2026-1&to=2026-01", "from=2026-02&to=2026-01", "to=2025-13", "from=1999-01&to=2026-01"],
)
def test_a_bad_period_is_a_400(world: ApiWorld, query: str) -> None:
    response = world.client.get(
        report(world, "paid") + "?" + query, headers=world.as_user("officer")
    )
    assert response.status_code == 400
    assert response.json()["invalidParams"]


def test_reports_are_for_income_officers_and_auditors_of_their_own_municipality(
    world: ApiWorld,
) -> None:
    for name in ("households-per-phase", "arrears", "paid?from=2026-01&to=2026-01"):
        statuses = {
            user: world.client.get(report(world, name), headers=world.as_user(user)).status_code
            for user in ("officer", "auditor", "coach", "newcomer", "auditor-utrecht")
        }
        assert statuses == {
            "officer": 200,
            "auditor": 200,
            "coach": 403,
            "newcomer": 403,
            "auditor-utrecht": 403,
        }


def test_an_auditor_pages_through_the_audit_log_and_exports_it_as_csv(world: ApiWorld) -> None:
    for user in ("officer", "coach", "coach-utrecht"):
        world.client.get(f"/v1/households/{world.own.household_id}", headers=world.as_user(user))
    path = f"/v1/municipalities/{world.own.world.municipality_id}/audit-log"
    headers = world.as_user("auditor")
    first = world.client.get(f"{path}?from=2026-01-12&to=2026-01-12&pageSize=2", headers=headers)
    assert first.status_code == 200
    page = first.json()
    assert [(e["userName"], e["action"]) for e in page["items"]] == [
        ("officer", "read"),
        ("coach", "read"),
    ]
    assert page["items"][0]["at"] == "2026-01-12T09:00:00Z"
    following = world.client.get(page["_links"]["next"], headers=headers).json()
    assert following["items"][0]["userName"] == "coach-utrecht"
    assert following["items"][0]["action"] == "denied"
    exported = world.client.get(
        f"{path}?from=2026-01-12&to=2026-01-12", headers={**headers, **CSV_ACCEPT}
    )
    assert exported.status_code == 200
    rows = rows_of(exported.text)
    assert rows[0][:3] == ["at", "userId", "userName"]
    assert [row[2] for row in rows[1:4]] == ["officer", "coach", "coach-utrecht"]
    assert rows[1][0] == "2026-01-12T09:00:00Z"
    earlier = world.client.get(f"{path}?from=2026-01-01&to=2026-01-11", headers=headers).json()
    assert earlier["items"] == []
    backwards = world.client.get(f"{path}?from=2026-01-12&to=2026-01-01", headers=headers)
    assert backwards.status_code == 400
    for user in ("officer", "coach", "newcomer", "auditor-utrecht"):
        denied = world.client.get(
            f"{path}?from=2026-01-12&to=2026-01-12", headers=world.as_user(user)
        )
        assert denied.status_code == 403
