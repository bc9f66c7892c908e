"""Payment runs and bank statement imports through the HTTP edge, on SQLite and PostgreSQL:
prepare, approve (four-eyes), execute, the pain.001 files, importing a camt.053 statement and
matching a line by hand; idempotent replays, refusals and who may do what."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine

from ledger.money import Money
from ontzorgen import services
from ontzorgen.months import Month
from tests.api_world import TODAY, ApiWorld, make_api_world
from tests.camt_builder import Line, statement
from tests.factories import NORM_SINGLE

JANUARY = Month(2026, 1)


@pytest.fixture
def world(engine: Engine) -> ApiWorld:
    return make_api_world(engine)


def allocate_january(world: ApiWorld, *, income: Money = NORM_SINGLE) -> None:
    """The own household's January: bijstand received and divided, so its bills are due."""
    household_id = world.own.household_id
    services.record_bijstand(
        world.uow(),
        household_id=household_id,
        month=JANUARY,
        full_month_amount=income,
        received_on=date(2026, 1, 2),
    )
    services.allocate_month(world.uow(), household_id, JANUARY, today=date(2026, 1, 2))


def post(world: ApiWorld, path: str, user: str, key: str, **kwargs: Any) -> Any:
    headers = {**world.as_user(user), "Idempotency-Key": key, **kwargs.pop("headers", {})}
    return world.client.post(path, headers=headers, **kwargs)


def executed_run(world: ApiWorld) -> dict[str, Any]:
    """January allocated, a run prepared by officer, approved by officer-2, executed."""
    allocate_january(world)
    municipality_id = world.own.world.municipality_id
    prepared = post(
        world,
        f"/v1/municipalities/{municipality_id}/payment-runs",
        "officer",
        "prepare-0001",
        json={"executionOn": TODAY.isoformat()},
    )
    assert prepared.status_code == 201, prepared.text
    run_id = prepared.json()["id"]
    approved = post(world, f"/v1/payment-runs/{run_id}/approval", "officer-2", "approve-01")
    assert approved.status_code == 200, approved.text
    executed = post(world, f"/v1/payment-runs/{run_id}/execution", "officer", "execute-01")
    assert executed.status_code == 200, executed.text
    body: dict[str, Any] = executed.json()
    return body


def payments_of(world: ApiWorld, run_id: int) -> list[dict[str, Any]]:
    return payments_of_as(world, run_id, "auditor")


def test_an_officer_prepares_a_run_and_a_replay_of_the_request_prepares_nothing_twice(
    world: ApiWorld,
) -> None:
    allocate_january(world)
    path = f"/v1/municipalities/{world.own.world.municipality_id}/payment-runs"
    body = {"executionOn": "2026-01-12"}
    first = post(world, path, "officer", "prepare-0001", json=body)
    assert first.status_code == 201, first.text
    run = first.json()
    assert run["status"] == "prepared" and run["preparedBy"] == "officer"
    assert run["approvedBy"] is None and run["preparedAt"].startswith("2026-01-12T09:00:00")
    per_cost_type = {t["costType"]: t for t in run["perCostType"]}
    assert per_cost_type["huur"] == {"costType": "huur", "paymentCount": 1, "total": "650.00"}
    assert per_cost_type["zorgverzekering"]["total"] == "159.00"
    assert {"creditor": "Woonstad Rotterdam", "paymentCount": 1, "total": "650.00"} in run[
        "perCreditor"
    ]
    assert run["heldBack"] == [] and run["files"] == []
    again = post(world, path, "officer", "prepare-0001", json=body)
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == run
    other_body = post(world, path, "officer", "prepare-0001", json={"executionOn": "2026-01-13"})
    assert other_body.status_code == 422
    assert other_body.headers["content-type"] == "application/problem+json"
    listed = world.client.get(path, headers=world.as_user("auditor"))
    assert [item["id"] for item in listed.json()["items"]] == [run["id"]]


def test_bad_input_is_a_400_listing_the_problem(world: ApiWorld) -> None:
    path = f"/v1/municipalities/{world.own.world.municipality_id}/payment-runs"
    no_key = world.client.post(
        path, headers=world.as_user("officer"), json={"executionOn": "2026-01-12"}
    )
    assert no_key.status_code == 400
    assert no_key.json()["invalidParams"][0]["name"] == "header.Idempotency-Key"
    bad = post(world, path, "officer", "prepare-bad1", json={"executionOn": "12-01-2026", "x": 1})
    assert bad.status_code == 400
    assert {p["name"] for p in bad.json()["invalidParams"]} == {"body.executionOn", "body.x"}
    saturday = post(world, path, "officer", "prepare-sat1", json={"executionOn": "2026-01-17"})
    assert saturday.status_code == 400
    assert saturday.headers["content-type"] == "application/problem+json"


def test_the_preparer_cannot_approve_and_a_second_officer_can_and_then_it_is_executed(
    world: ApiWorld,
) -> None:
    allocate_january(world)
    prepared = post(
        world,
        f"/v1/municipalities/{world.own.world.municipality_id}/payment-runs",
        "officer",
        "prepare-0001",
        json={"executionOn": "2026-01-12"},
    ).json()
    run_id = prepared["id"]
    too_early = post(world, f"/v1/payment-runs/{run_id}/execution", "officer", "execute-00")
    assert too_early.status_code == 409
    own_approval = post(world, f"/v1/payment-runs/{run_id}/approval", "officer", "approve-00")
    assert own_approval.status_code == 403
    assert "four-eyes" in own_approval.json()["detail"]
    approved = post(world, f"/v1/payment-runs/{run_id}/approval", "officer-2", "approve-01")
    assert approved.status_code == 200 and approved.json()["approvedBy"] == "officer-2"
    executed = post(world, f"/v1/payment-runs/{run_id}/execution", "officer", "execute-01")
    replay = post(world, f"/v1/payment-runs/{run_id}/execution", "officer", "execute-01")
    assert executed.status_code == 200 and executed.json()["status"] == "executed"
    assert replay.headers["Idempotent-Replayed"] == "true" and replay.json() == executed.json()
    ((file,),) = [executed.json()["files"]]
    assert file["paymentCount"] == executed.json()["totals"]["paymentCount"]
    assert {p["status"] for p in payments_of(world, run_id)} == {"sent"}


def test_the_payment_file_is_downloaded_as_pain_001_xml(world: ApiWorld) -> None:
    run = executed_run(world)
    files = world.client.get(
        f"/v1/payment-runs/{run['id']}/files", headers=world.as_user("auditor")
    )
    assert files.status_code == 200
    (listed,) = files.json()
    assert listed["messageId"] == run["files"][0]["messageId"] and len(listed["sha256"]) == 64
    download = world.client.get(
        f"/v1/payment-runs/{run['id']}/files/{listed['messageId']}",
        headers=world.as_user("officer"),
    )
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/xml"
    assert download.headers["content-disposition"] == (
        f'attachment; filename="{listed["messageId"]}.xml"'
    )
    assert b"urn:iso:std:iso:20022:tech:xsd:pain.001.001.09" in download.content
    missing = world.client.get(
        f"/v1/payment-runs/{run['id']}/files/ONTZ-R999-1", headers=world.as_user("officer")
    )
    assert missing.status_code == 404


def test_payments_of_a_run_come_in_pages(world: ApiWorld) -> None:
    run = executed_run(world)
    headers = world.as_user("officer")
    first = world.client.get(f"/v1/payment-runs/{run['id']}/payments?pageSize=2", headers=headers)
    assert first.status_code == 200
    page = first.json()
    assert len(page["items"]) == 2 and page["items"][0]["amount"].endswith(".00")
    following = world.client.get(page["_links"]["next"], headers=headers).json()
    assert following["items"][0]["id"] > page["items"][1]["id"]


def test_who_may_see_and_do_what_with_runs(world: ApiWorld) -> None:
    allocate_january(world)
    own = f"/v1/municipalities/{world.own.world.municipality_id}/payment-runs"
    run_id = post(world, own, "officer", "prepare-0001", json={"executionOn": "2026-01-12"}).json()[
        "id"
    ]
    reads = {
        name: world.client.get(f"/v1/payment-runs/{run_id}", headers=world.as_user(name))
        for name in ("officer", "auditor", "coach", "newcomer", "officer-utrecht")
    }
    assert {name: r.status_code for name, r in reads.items()} == {
        "officer": 200,
        "auditor": 200,
        "coach": 403,
        "newcomer": 403,
        "officer-utrecht": 403,
    }
    assert reads["auditor"].json()["preparedBy"] == "officer"
    body = {"executionOn": "2026-01-13"}
    for name in ("auditor", "coach", "newcomer", "officer-utrecht"):
        assert post(world, own, name, f"prepare-{name}", json=body).status_code == 403
        assert (
            post(world, f"/v1/payment-runs/{run_id}/approval", name, "a-" + name).status_code == 403
        )
    assert (
        world.client.get("/v1/payment-runs/999999", headers=world.as_user("officer")).status_code
        == 404
    )


def test_a_statement_confirms_payments_and_the_same_file_twice_changes_nothing(
    world: ApiWorld,
) -> None:
    run = executed_run(world)
    payments = payments_of(world, run["id"])
    data = statement(
        [Line(p["endToEndId"], Money.parse(p["amount"]).cents) for p in payments]
        + [Line(None, 12_500, credit=True, remittance="=HYPERLINK(onbekend)")],
        booked_on=TODAY,
    )
    path = f"/v1/municipalities/{world.own.world.municipality_id}/statement-imports"
    xml = {"Content-Type": "application/xml"}
    imported = post(
        world, path + "?fileName=dag.xml", "officer", "import-0001", content=data, headers=xml
    )
    assert imported.status_code == 201, imported.text
    body = imported.json()
    assert body["counts"] == {"matched": len(payments), "unmatched": 1}
    assert body["fileName"] == "dag.xml" and body["replayed"] is False
    assert body["accountIban"] == "NL14BNGH0285001234"
    replay = post(
        world, path + "?fileName=dag.xml", "officer", "import-0001", content=data, headers=xml
    )
    assert replay.headers["Idempotent-Replayed"] == "true" and replay.json() == body
    second = post(world, path, "officer-2", "import-0002", content=data, headers=xml)
    assert second.status_code == 200
    assert second.json()["replayed"] is True and second.json()["id"] == body["id"]
    assert second.json()["counts"] == body["counts"]
    assert {p["status"] for p in payments_of(world, run["id"])} == {"paid"}
    listed = world.client.get(path, headers=world.as_user("auditor")).json()["items"]
    assert [item["id"] for item in listed] == [body["id"]]
    read = world.client.get(f"/v1/statement-imports/{body['id']}", headers=world.as_user("auditor"))
    assert read.status_code == 200 and read.json()["lineCount"] == len(payments) + 1


def test_bad_hostile_or_foreign_statement_files_are_refused(world: ApiWorld) -> None:
    path = f"/v1/municipalities/{world.own.world.municipality_id}/statement-imports"
    xml = {"Content-Type": "application/xml"}
    hostile = (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><Document>&b;</Document>'
    )
    for number, data in enumerate((hostile, b"not xml at all", b""), start=1):
        refused = post(world, path, "officer", f"import-bad{number}", content=data, headers=xml)
        assert refused.status_code == 400, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
    as_json = post(
        world,
        path,
        "officer",
        "import-json",
        content=b"{}",
        headers={"Content-Type": "application/json"},
    )
    assert as_json.status_code == 400
    rotterdam_file = statement([Line("ONTZ-R1-P1", 65_000)], booked_on=TODAY)
    utrecht = f"/v1/municipalities/{world.foreign.world.municipality_id}/statement-imports"
    foreign = post(
        world, utrecht, "officer-utrecht", "import-foreign", content=rotterdam_file, headers=xml
    )
    assert foreign.status_code == 400
    assert "NL14BNGH0285001234" in foreign.json()["detail"]
    assert world.client.get(utrecht, headers=world.as_user("auditor-utrecht")).json()["items"] == []
    for name in ("auditor", "coach", "newcomer", "officer-utrecht"):
        denied = post(world, path, name, f"import-{name}", content=rotterdam_file, headers=xml)
        assert denied.status_code == 403


def test_an_unmatched_line_is_matched_by_hand_to_a_payment_of_the_own_municipality(
    world: ApiWorld,
) -> None:
    run = executed_run(world)
    rent = next(p for p in payments_of(world, run["id"]) if p["costType"] == "huur")
    data = statement([Line(None, 65_000, remittance="huur januari Haile")], booked_on=TODAY)
    path = f"/v1/municipalities/{world.own.world.municipality_id}/statement-imports"
    xml = {"Content-Type": "application/xml"}
    import_id = post(world, path, "officer", "import-0001", content=data, headers=xml).json()["id"]
    unmatched = world.client.get(
        f"/v1/statement-imports/{import_id}/lines?status=unmatched",
        headers=world.as_user("officer"),
    ).json()["items"]
    assert [(line["position"], line["amount"]) for line in unmatched] == [(1, "650.00")]
    candidates = f"/v1/statement-imports/{import_id}/lines/1/candidates"
    offered = world.client.get(candidates, headers=world.as_user("auditor"))
    assert offered.status_code == 200, offered.text
    assert [
        (c["paymentId"], c["endToEndId"], c["amount"], c["sameAccount"], c["runId"])
        for c in offered.json()
    ] == [(rent["id"], rent["endToEndId"], "650.00", False, run["id"])]
    match = f"/v1/statement-imports/{import_id}/lines/1/match"
    unknown = post(world, match, "officer", "match-0000", json={"paymentId": 999999})
    assert unknown.status_code == 404
    auditor = post(world, match, "auditor", "match-0001", json={"paymentId": rent["id"]})
    assert auditor.status_code == 403
    matched = post(world, match, "officer", "match-0002", json={"paymentId": rent["id"]})
    assert matched.status_code == 200, matched.text
    assert matched.json()["matchStatus"] == "matched_by_hand"
    assert matched.json()["matchedBy"] == "officer"
    replay = post(world, match, "officer", "match-0002", json={"paymentId": rent["id"]})
    assert replay.headers["Idempotent-Replayed"] == "true"
    again = post(world, match, "officer", "match-0003", json={"paymentId": rent["id"]})
    assert again.status_code == 404  # no longer unmatched
    assert world.client.get(candidates, headers=world.as_user("officer")).json() == []
    bad_status = world.client.get(
        f"/v1/statement-imports/{import_id}/lines?status=lost", headers=world.as_user("officer")
    )
    assert bad_status.status_code == 400
    statuses = {p["id"]: p["status"] for p in payments_of(world, run["id"])}
    assert statuses[rent["id"]] == "paid"


def test_a_line_cannot_be_matched_to_another_municipalitys_payment(world: ApiWorld) -> None:
    foreign = world.foreign
    services.record_bijstand(
        world.uow(),
        household_id=foreign.household_id,
        month=JANUARY,
        full_month_amount=NORM_SINGLE,
        received_on=date(2026, 1, 2),
    )
    services.allocate_month(world.uow(), foreign.household_id, JANUARY, today=date(2026, 1, 2))
    utrecht_runs = f"/v1/municipalities/{foreign.world.municipality_id}/payment-runs"
    run_id = post(
        world, utrecht_runs, "officer-utrecht", "prepare-u001", json={"executionOn": "2026-01-12"}
    ).json()["id"]
    utrecht_payment = payments_of_as(world, run_id, "auditor-utrecht")[0]
    data = statement([Line(None, 65_000, remittance="huur")], booked_on=TODAY)
    own = f"/v1/municipalities/{world.own.world.municipality_id}/statement-imports"
    import_id = post(
        world, own, "officer", "import-0001", content=data, headers={"Content-Type": "text/xml"}
    ).json()["id"]
    refused = post(
        world,
        f"/v1/statement-imports/{import_id}/lines/1/match",
        "officer",
        "match-0001",
        json={"paymentId": utrecht_payment["id"]},
    )
    assert refused.status_code == 404
    assert payments_of_as(world, run_id, "auditor-utrecht")[0]["status"] == "planned"


def payments_of_as(world: ApiWorld, run_id: int, user: str) -> list[dict[str, Any]]:
    response = world.client.get(
        f"/v1/payment-runs/{run_id}/payments?pageSize=200", headers=world.as_user(user)
    )
    assert response.status_code == 200
    items: list[dict[str, Any]] = response.json()["items"]
    return items
