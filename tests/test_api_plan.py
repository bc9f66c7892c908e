"""The budget plan over HTTP: municipalities and their policy, kredietbanken, the creditor
register, a household's arrangement, obligations, income and minimum leefgeld."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from api.routes.municipalities import PolicyBody
from ontzorgen import services
from ontzorgen.households import Language, Member, MemberRole
from ontzorgen.identifiers import Betalingskenmerk
from ontzorgen.policy import Policy
from ontzorgen.policy_codec import policy_to_dict
from ontzorgen.tables import incomes
from tests.api_world import ApiWorld, make_api_world


@pytest.fixture
def world(engine: Engine) -> ApiWorld:
    return make_api_world(engine)


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


def _invalid_names(response: Any) -> set[str]:
    return {item["name"] for item in _problem(response, 400)["invalidParams"]}


# -- municipalities, policy, kredietbanken -----------------------------------------------------


def test_officers_see_their_own_municipality_and_coaches_those_their_kredietbank_serves(
    world: ApiWorld,
) -> None:
    def names(user: str) -> list[str]:
        response = world.client.get("/v1/municipalities", headers=world.as_user(user))
        assert response.status_code == 200, response.text
        return [item["name"] for item in response.json()["items"]]

    assert names("officer") == ["Rotterdam"]
    assert names("auditor") == ["Rotterdam"]
    assert names("coach") == ["Rotterdam"]
    assert names("coach-utrecht") == ["Utrecht"]
    _problem(world.client.get("/v1/municipalities", headers=world.as_user("newcomer")), 403)

    own = world.own.world.municipality_id
    one = world.client.get(f"/v1/municipalities/{own}", headers=world.as_user("coach"))
    assert one.status_code == 200
    assert one.json() == {
        "id": own,
        "code": "0599",
        "name": "Rotterdam",
        "bankAccount": {
            "holder": "Gemeente Rotterdam",
            "iban": "NL14BNGH0285001234",
            "bic": "BNGHNL2G",
        },
        "kredietbanken": [{"id": world.own.world.kredietbank_id, "name": "Kredietbank Rijnmond"}],
    }
    foreign = world.foreign.world.municipality_id
    _problem(
        world.client.get(f"/v1/municipalities/{foreign}", headers=world.as_user("officer")), 403
    )
    _problem(world.client.get("/v1/municipalities/999999", headers=world.as_user("officer")), 404)


def test_the_policy_body_names_every_setting_of_the_stored_policy() -> None:
    sent = PolicyBody.of(Policy()).model_dump(by_alias=True, mode="json")
    stored = policy_to_dict(Policy())
    renamed = {"minimumLeefgeldFirstAdult", "minimumLeefgeldPerFurtherMember"}
    assert set(sent) - renamed == set(stored) - {f"{name}Cents" for name in renamed}
    assert PolicyBody.model_validate(sent).to_policy() == Policy()


def test_an_officer_changes_the_policy_of_their_own_municipality_only(world: ApiWorld) -> None:
    own = world.own.world.municipality_id
    path = f"/v1/municipalities/{own}/policy"
    read = world.client.get(path, headers=world.as_user("auditor"))
    assert read.status_code == 200
    policy = read.json()
    assert policy["minimumLeefgeldFirstAdult"] == "200.00"
    assert policy["priority"][:2] == ["zorgverzekering", "huur"]

    policy["minimumLeefgeldFirstAdult"] = "250.00"
    policy["leefgeldWeekday"] = 3
    changed = world.client.put(path, json=policy, headers=world.as_user("officer"))
    assert changed.status_code == 200, changed.text
    assert changed.json() == policy
    assert world.client.get(path, headers=world.as_user("coach")).json() == policy

    for user in ("coach", "auditor", "officer-utrecht"):
        _problem(world.client.put(path, json=policy, headers=world.as_user(user)), 403)


def test_a_policy_that_contradicts_itself_or_is_malformed_is_a_400(world: ApiWorld) -> None:
    path = f"/v1/municipalities/{world.own.world.municipality_id}/policy"
    headers = world.as_user("officer")
    policy = world.client.get(path, headers=headers).json()

    short_priority = {**policy, "priority": policy["priority"][:-1]}
    refused = _problem(world.client.put(path, json=short_priority, headers=headers), 400)
    assert "priority order" in refused["detail"]

    unknown_milestone = {**policy}
    unknown_milestone["ladder"] = [dict(p) for p in policy["ladder"]]
    unknown_milestone["ladder"][1]["requiredMilestones"] = ["zwemdiploma"]
    refused = _problem(world.client.put(path, json=unknown_milestone, headers=headers), 400)
    assert "zwemdiploma" in refused["detail"]

    malformed = {**policy, "minimumLeefgeldFirstAdult": 200.5, "colour": "blue"}
    assert _invalid_names(world.client.put(path, json=malformed, headers=headers)) == {
        "body.minimumLeefgeldFirstAdult",
        "body.colour",
    }
    assert world.client.get(path, headers=headers).json() == policy


def test_a_kredietbank_is_read_by_its_coaches_and_the_officers_it_serves(world: ApiWorld) -> None:
    own = world.own.world.kredietbank_id
    response = world.client.get(f"/v1/kredietbanken/{own}", headers=world.as_user("coach"))
    assert response.status_code == 200
    assert response.json() == {
        "id": own,
        "name": "Kredietbank Rijnmond",
        "municipalityIds": [world.own.world.municipality_id],
    }
    assert (
        world.client.get(f"/v1/kredietbanken/{own}", headers=world.as_user("officer")).status_code
        == 200
    )
    for user in ("coach-utrecht", "officer-utrecht", "newcomer"):
        _problem(world.client.get(f"/v1/kredietbanken/{own}", headers=world.as_user(user)), 403)
    _problem(world.client.get("/v1/kredietbanken/999999", headers=world.as_user("coach")), 404)


# -- creditors ---------------------------------------------------------------------------------

NEW_CREDITOR = {
    "name": "Vitens N.V.",
    "iban": "nl02 abna 0123 4567 89",
    "kind": "waterbedrijf",
    "address": {
        "street": "Oude Veerweg",
        "buildingNumber": "1",
        "postcode": "8019 BE",
        "town": "Zwolle",
    },
}


def test_every_staff_role_reads_the_shared_creditor_register_page_by_page(
    world: ApiWorld,
) -> None:
    first = world.client.get("/v1/creditors?pageSize=3", headers=world.as_user("coach-utrecht"))
    assert first.status_code == 200
    page = first.json()
    assert [c["name"] for c in page["items"]] == [
        "Woonstad Rotterdam",
        "Zilveren Kruis Zorgverzekeringen N.V.",
        "Eneco Consumenten B.V.",
    ]
    rest = world.client.get(page["_links"]["next"], headers=world.as_user("auditor")).json()
    assert [c["name"] for c in rest["items"]] == ["Evides N.V."]
    assert rest["_links"]["next"] is None and rest["_links"]["prev"] is not None

    one_id = page["items"][0]["id"]
    one = world.client.get(f"/v1/creditors/{one_id}", headers=world.as_user("officer")).json()
    assert one["iban"] == "NL44RABO0123456789"
    assert one["address"]["town"] == "Rotterdam"
    _problem(world.client.get("/v1/creditors/999999", headers=world.as_user("officer")), 404)
    _problem(world.client.get("/v1/creditors", headers=world.as_user("newcomer")), 403)


def test_an_officer_registers_a_creditor_once_under_its_exact_name(world: ApiWorld) -> None:
    headers = world.as_user("officer-utrecht")
    created = world.client.post("/v1/creditors", json=NEW_CREDITOR, headers=headers)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["name"] == "Vitens N.V."
    assert body["iban"] == "NL02ABNA0123456789"
    assert body["bic"] == "ABNANL2A"  # looked up for a Dutch IBAN
    assert body["address"]["country"] == "NL"
    assert created.headers["Location"].endswith(f"/v1/creditors/{body['id']}")

    again = _problem(world.client.post("/v1/creditors", json=NEW_CREDITOR, headers=headers), 409)
    assert str(body["id"]) in again["detail"]
    for user in ("coach", "auditor", "newcomer"):
        _problem(
            world.client.post("/v1/creditors", json=NEW_CREDITOR, headers=world.as_user(user)), 403
        )


def test_a_creditor_with_a_wrong_iban_bic_or_address_is_a_400(world: ApiWorld) -> None:
    headers = world.as_user("officer")
    wrong_iban = _problem(
        world.client.post(
            "/v1/creditors", json={**NEW_CREDITOR, "iban": "NL02ABNA0123456788"}, headers=headers
        ),
        400,
    )
    assert "not a valid IBAN" in wrong_iban["detail"]
    wrong_bic = _problem(
        world.client.post(
            "/v1/creditors", json={**NEW_CREDITOR, "bic": "INGBNL2A"}, headers=headers
        ),
        400,
    )
    assert "ABNANL2A" in wrong_bic["detail"]
    no_address = {key: value for key, value in NEW_CREDITOR.items() if key != "address"}
    assert _invalid_names(
        world.client.post("/v1/creditors", json={**no_address, "kind": "bank"}, headers=headers)
    ) == {"body.address", "body.kind"}


# -- arrangement -------------------------------------------------------------------------------


def test_everyone_who_may_read_the_household_sees_the_statutory_and_period_end(
    world: ApiWorld,
) -> None:
    path = f"/v1/households/{world.own.household_id}/arrangement"
    for user in ("newcomer", "coach", "auditor"):
        response = world.client.get(path, headers=world.as_user(user))
        assert response.status_code == 200
    assert response.json() == {
        "householdId": world.own.household_id,
        "legalBasis": "art_56a",
        "bijstandStartOn": "2026-01-01",
        "machtigingSignedOn": "2026-01-01",
        "decision": {
            "decidedOn": "2026-01-01",
            "decidedBy": "w.devries@rotterdam.nl",
            "reference": f"ONT-{world.own.household_id:05d}",
        },
        "agreedCostTypes": ["energie", "huur", "water", "zorgverzekering"],
        "pipEndOn": None,
        "bijstandEndOn": None,
        "endedOn": None,
        "statutoryEndOn": "2026-06-30",
        "periodEndOn": "2026-06-30",
        "statutoryPeriodPassed": False,
    }
    _problem(world.client.get(path, headers=world.as_user("coach-utrecht")), 403)


def test_an_officer_records_an_arrangement_once(world: ApiWorld) -> None:
    household_id = services.register_household(
        world.uow(),
        municipality_id=world.own.world.municipality_id,
        kredietbank_id=world.own.world.kredietbank_id,
        name="Huishouden Yonas",
        members=[Member("Yonas Tekle", MemberRole.APPLICANT)],
        language=Language.ARABIC,
        leefgeld_iban="NL66ASNB0707070707",
        leefgeld_account_holder="Y. Tekle",
    )
    path = f"/v1/households/{household_id}/arrangement"
    _problem(world.client.get(path, headers=world.as_user("officer")), 404)
    body = {
        "legalBasis": "art_56a",
        "bijstandStartOn": "2026-08-31",
        "machtigingSignedOn": "2026-08-20",
        "decision": {"decidedOn": "2026-08-25", "reference": "ONT-2026-0042"},
        "agreedCostTypes": ["huur", "zorgverzekering"],
    }
    for user in ("coach", "auditor", "officer-utrecht"):
        _problem(world.client.put(path, json=body, headers=world.as_user(user)), 403)
    created = world.client.put(path, json=body, headers=world.as_user("officer"))
    assert created.status_code == 201, created.text
    arrangement = created.json()
    assert arrangement["decision"]["decidedBy"] == "officer"
    assert arrangement["agreedCostTypes"] == ["huur", "zorgverzekering"]
    # Six months from 31 August run through the last day of February.
    assert arrangement["statutoryEndOn"] == "2027-02-28"
    assert world.client.get(path, headers=world.as_user("coach")).json() == arrangement

    again = _problem(world.client.put(path, json=body, headers=world.as_user("officer")), 409)
    assert "already has an arrangement" in again["detail"]
    not_allowed = {**body, "agreedCostTypes": ["overige_verzekering"]}
    other = services.register_household(
        world.uow(),
        municipality_id=world.own.world.municipality_id,
        kredietbank_id=None,
        name="Huishouden Noor",
        members=[Member("Noor Ahmadi", MemberRole.APPLICANT)],
        language=Language.FARSI,
        leefgeld_iban="NL66ASNB0707070707",
        leefgeld_account_holder="N. Ahmadi",
    )
    _problem(
        world.client.put(
            f"/v1/households/{other}/arrangement",
            json=not_allowed,
            headers=world.as_user("officer"),
        ),
        400,
    )


def test_the_pip_end_extends_the_period_but_nothing_shortens_the_statutory_six_months(
    world: ApiWorld,
) -> None:
    path = f"/v1/households/{world.own.household_id}/arrangement"
    officer = world.as_user("officer")
    extended = world.client.post(
        f"{path}/pip-end", json={"pipEndOn": "2026-12-31"}, headers=officer
    )
    assert extended.status_code == 200, extended.text
    assert extended.json()["periodEndOn"] == "2026-12-31"
    assert extended.json()["statutoryEndOn"] == "2026-06-30"

    early = _problem(
        world.client.post(f"{path}/end", json={"endedOn": "2026-03-01"}, headers=officer), 409
    )
    assert "statutory six months" in early["detail"]
    _problem(
        world.client.post(
            f"{path}/bijstand-end", json={"bijstandEndOn": "2025-12-01"}, headers=officer
        ),
        400,
    )
    ended_bijstand = world.client.post(
        f"{path}/bijstand-end", json={"bijstandEndOn": "2026-04-30"}, headers=officer
    )
    assert ended_bijstand.status_code == 200
    assert ended_bijstand.json()["statutoryEndOn"] == "2026-04-30"
    assert ended_bijstand.json()["periodEndOn"] == "2026-04-30"
    ended = world.client.post(f"{path}/end", json={"endedOn": "2026-05-31"}, headers=officer)
    assert ended.status_code == 200
    assert ended.json()["endedOn"] == ended.json()["periodEndOn"] == "2026-05-31"

    for user in ("coach", "newcomer", "officer-utrecht"):
        _problem(
            world.client.post(
                f"{path}/pip-end", json={"pipEndOn": None}, headers=world.as_user(user)
            ),
            403,
        )
    _problem(world.client.post(f"{path}/end", json={}, headers=officer), 400)


# -- obligations and the minimum leefgeld ------------------------------------------------------


def test_the_obligations_show_their_creditor_reference_and_amount_history(world: ApiWorld) -> None:
    path = f"/v1/households/{world.own.household_id}/obligations"
    response = world.client.get(path, headers=world.as_user("newcomer"))
    assert response.status_code == 200
    items = response.json()["items"]
    assert {item["costType"]: item["amountToday"] for item in items} == {
        "huur": "650.00",
        "zorgverzekering": "159.00",
        "energie": "120.00",
        "water": "25.00",
    }
    huur = next(item for item in items if item["costType"] == "huur")
    assert huur["creditor"]["name"] == "Woonstad Rotterdam"
    assert huur["reference"]["kind"] == "betalingskenmerk"
    assert huur["nextDueOn"] == "2026-02-01"
    assert huur["amounts"] == [
        {"effectiveOn": "2026-01-01", "amount": "650.00", "recordedBy": "coach@kredietbank.nl"}
    ]
    for user in ("coach-utrecht", "newcomer-utrecht"):
        _problem(world.client.get(path, headers=world.as_user(user)), 403)


def test_a_coach_adds_an_obligation_with_a_betalingskenmerk_or_free_text(world: ApiWorld) -> None:
    path = f"/v1/households/{world.own.household_id}/obligations"
    creditor_id = world.own.world.creditors[next(iter(world.own.world.creditors))]
    kenmerk = Betalingskenmerk.with_check_digit("123456789012345").value
    body = {
        "costType": "overige_verzekering",
        "creditorId": creditor_id,
        "frequency": "yearly",
        "firstDueOn": "2026-03-15",
        "amount": "96.00",
        "reference": {"kind": "betalingskenmerk", "value": kenmerk[:4] + " " + kenmerk[4:]},
    }
    created = world.client.post(path, json=body, headers=world.as_user("coach"))
    assert created.status_code == 201, created.text
    obligation = created.json()
    assert obligation["reference"] == {"kind": "betalingskenmerk", "value": kenmerk}
    assert obligation["amounts"][0]["recordedBy"] == "coach"
    assert obligation["nextDueOn"] == "2026-03-15"
    listed = world.client.get(path, headers=world.as_user("newcomer")).json()["items"]
    assert listed[-1] == obligation

    free_text = {**body, "reference": {"kind": "freeText", "value": "Polis 778-12"}}
    assert (
        world.client.post(path, json=free_text, headers=world.as_user("officer")).status_code == 201
    )

    wrong_digit = str((int(kenmerk[0]) + 1) % 10) + kenmerk[1:]
    bad = {**body, "reference": {"kind": "betalingskenmerk", "value": wrong_digit}}
    assert (
        "check digit"
        in _problem(world.client.post(path, json=bad, headers=world.as_user("coach")), 400)[
            "detail"
        ]
    )
    _problem(
        world.client.post(
            path, json={**body, "creditorId": 999999}, headers=world.as_user("coach")
        ),
        404,
    )
    assert _invalid_names(
        world.client.post(path, json={**body, "amount": "0,50"}, headers=world.as_user("coach"))
    ) == {"body.amount"}
    for user in ("auditor", "newcomer", "coach-utrecht"):
        _problem(world.client.post(path, json=body, headers=world.as_user(user)), 403)


def test_a_new_amount_takes_effect_from_its_date_and_never_replaces_another(
    world: ApiWorld,
) -> None:
    huur_id = next(iter(_obligation_ids(world, world.own.household_id).values()))
    path = f"/v1/households/{world.own.household_id}/obligations/{huur_id}/amounts"
    coach = world.as_user("coach")
    changed = world.client.post(
        path, json={"effectiveOn": "2026-03-01", "amount": "675.00"}, headers=coach
    )
    assert changed.status_code == 201, changed.text
    assert changed.json()["amountToday"] == "650.00"
    assert [a["amount"] for a in changed.json()["amounts"]] == ["650.00", "675.00"]
    same = world.client.post(
        path, json={"effectiveOn": "2026-03-01", "amount": "675.00"}, headers=coach
    )
    assert same.status_code == 201 and same.json() == changed.json()

    other = _problem(
        world.client.post(
            path, json={"effectiveOn": "2026-03-01", "amount": "680.00"}, headers=coach
        ),
        409,
    )
    assert "675.00" in other["detail"]
    _problem(
        world.client.post(
            path, json={"effectiveOn": "2025-12-01", "amount": "600.00"}, headers=coach
        ),
        409,
    )

    # An obligation of another household is not reached through this household's path.
    foreign_obligation = next(iter(_obligation_ids(world, world.foreign.household_id).values()))
    _problem(
        world.client.post(
            f"/v1/households/{world.own.household_id}/obligations/{foreign_obligation}/amounts",
            json={"effectiveOn": "2026-03-01", "amount": "1.00"},
            headers=coach,
        ),
        404,
    )
    _problem(
        world.client.post(
            path,
            json={"effectiveOn": "2026-04-01", "amount": "1.00"},
            headers=world.as_user("auditor"),
        ),
        403,
    )


def _obligation_ids(world: ApiWorld, household_id: int) -> dict[str, int]:
    with world.uow() as uow:
        return {
            o.cost_type.value: o.obligation_id for o in uow.repository.obligations_of(household_id)
        }


def test_a_coach_decides_the_minimum_leefgeld_with_a_reason(world: ApiWorld) -> None:
    path = f"/v1/households/{world.own.household_id}/minimum-leefgeld"
    decided = world.client.put(
        path,
        json={"amount": "150.00", "reason": "Huur gaat voor; afgesproken met A. Haile."},
        headers=world.as_user("coach"),
    )
    assert decided.status_code == 200, decided.text
    assert decided.json() == {
        "householdId": world.own.household_id,
        "minimumLeefgeld": "150.00",
        "policyMinimumLeefgeld": "200.00",
        "decidedAmount": "150.00",
        "decidedOn": "2026-01-12",
        "decidedBy": "coach",
        "reason": "Huur gaat voor; afgesproken met A. Haile.",
    }
    back = world.client.put(
        path,
        json={"amount": None, "reason": "Terug naar beleid."},
        headers=world.as_user("officer"),
    )
    assert back.json()["minimumLeefgeld"] == "200.00" and back.json()["decidedAmount"] is None

    assert _invalid_names(
        world.client.put(
            path, json={"amount": "-5.00", "reason": "  "}, headers=world.as_user("coach")
        )
    ) == {"body.amount", "body.reason"}
    for user in ("auditor", "newcomer", "coach-utrecht"):
        _problem(
            world.client.put(
                path, json={"amount": "0.00", "reason": "x"}, headers=world.as_user(user)
            ),
            403,
        )


# -- income ------------------------------------------------------------------------------------

BIJSTAND = {"kind": "bijstand", "month": "2026-01", "amount": "1369.06", "receivedOn": "2026-01-05"}


def _income_count(world: ApiWorld) -> int:
    with world.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(incomes)).scalar_one())


def test_recording_bijstand_books_it_once_per_key_and_per_month(world: ApiWorld) -> None:
    path = f"/v1/households/{world.own.household_id}/incomes"
    officer = world.as_user("officer")
    first = world.client.post(
        path, json=BIJSTAND, headers={**officer, "Idempotency-Key": "bijstand-2026-01"}
    )
    assert first.status_code == 201, first.text
    booked = first.json()
    assert (booked["grossAmount"], booked["vakantietoeslag"], booked["netAmount"]) == (
        "1369.06",
        "68.45",
        "1300.61",
    )
    assert booked["allocatedMonth"] is None

    replay = world.client.post(
        path, json=BIJSTAND, headers={**officer, "Idempotency-Key": "bijstand-2026-01"}
    )
    assert replay.status_code == 201
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json() == booked
    _problem(
        world.client.post(
            path,
            json={**BIJSTAND, "receivedOn": "2026-01-06"},
            headers={**officer, "Idempotency-Key": "bijstand-2026-01"},
        ),
        422,
    )
    # The same month under a new key: the use case recognises it and books nothing.
    again = world.client.post(
        path, json=BIJSTAND, headers={**officer, "Idempotency-Key": "bijstand-2026-01-retry"}
    )
    assert again.status_code == 200
    assert again.json() == booked
    assert _income_count(world) == 1

    listed = world.client.get(path, headers=world.as_user("newcomer")).json()["items"]
    assert listed == [booked]
    assert "Idempotency-Key" in {
        item["name"].split(".")[-1]
        for item in _problem(world.client.post(path, json=BIJSTAND, headers=officer), 400)[
            "invalidParams"
        ]
    }


def test_a_toeslag_needs_a_reference_and_bijstand_a_month_of_the_arrangement(
    world: ApiWorld,
) -> None:
    path = f"/v1/households/{world.own.household_id}/incomes"
    officer = world.as_user("officer")
    toeslag = {
        "kind": "toeslag",
        "month": "2026-01",
        "amount": "129.00",
        "receivedOn": "2026-01-20",
    }
    assert _invalid_names(
        world.client.post(path, json=toeslag, headers={**officer, "Idempotency-Key": "toeslag-1"})
    ) == {"body"}
    created = world.client.post(
        path,
        json={**toeslag, "sourceReference": "BT-2026-01"},
        headers={**officer, "Idempotency-Key": "toeslag-2"},
    )
    assert created.status_code == 201
    assert created.json()["vakantietoeslag"] == "0.00"
    assert created.json()["netAmount"] == "129.00"

    before = _problem(
        world.client.post(
            path,
            json={**BIJSTAND, "month": "2025-12"},
            headers={**officer, "Idempotency-Key": "bijstand-2025-12"},
        ),
        409,
    )
    assert "no right to bijstand" in before["detail"]
    assert _invalid_names(
        world.client.post(
            path,
            json={**BIJSTAND, "month": "2026-13", "amount": "0.00"},
            headers={**officer, "Idempotency-Key": "bijstand-bad"},
        )
    ) == {"body.month", "body.amount"}
    for user in ("coach", "auditor", "newcomer", "officer-utrecht"):
        _problem(
            world.client.post(
                path, json=BIJSTAND, headers={**world.as_user(user), "Idempotency-Key": f"k-{user}"}
            ),
            403,
        )
    assert _income_count(world) == 1
