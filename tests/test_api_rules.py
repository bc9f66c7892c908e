"""The NL GOV API Design Rules, checked over the whole API description and on real routes."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine

from tests.api_world import ApiWorld, make_api_world


@pytest.fixture
def world(engine: Engine) -> ApiWorld:
    return make_api_world(engine)


def walk(node: Any, path: str = "") -> list[tuple[str, Any]]:
    found = [(path, node)]
    if isinstance(node, dict):
        for key, value in node.items():
            found += walk(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += walk(value, f"{path}/{index}")
    return found


def test_no_uri_can_carry_a_bsn(world: ApiWorld) -> None:
    document = world.client.get("/v1/openapi.json").json()
    for path, operations in document["paths"].items():
        assert "bsn" not in path.lower()
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] in ("path", "query"):
                    assert "bsn" not in parameter["name"].lower(), (path, parameter["name"])


def test_no_amount_is_a_float_anywhere_in_the_api(world: ApiWorld) -> None:
    document = world.client.get("/v1/openapi.json").json()
    numbers = [
        path
        for path, node in walk(document)
        if isinstance(node, dict) and node.get("type") == "number"
    ]
    assert numbers == []


def test_json_fields_and_query_keys_are_lower_camel_case(world: ApiWorld) -> None:
    document = world.client.get("/v1/openapi.json").json()
    names = [
        name
        for _, node in walk(document["components"]["schemas"])
        if isinstance(node, dict) and isinstance(node.get("properties"), dict)
        for name in node["properties"]
    ]
    names += [
        parameter["name"]
        for operations in document["paths"].values()
        for operation in operations.values()
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "query"
    ]
    offending = [name for name in names if "_" in name.strip("_") or name[:1].isupper()]
    assert offending == []


def test_paths_are_kebab_case_plural_nouns_under_v1(world: ApiWorld) -> None:
    document = world.client.get("/v1/openapi.json").json()
    for path in document["paths"]:
        assert path.startswith("/v1/")
        for segment in path.split("/")[2:]:
            if segment.startswith("{"):
                continue
            assert segment == segment.lower() and "_" not in segment, path


def test_a_trailing_slash_on_a_real_route_is_a_404_problem(world: ApiWorld) -> None:
    response = world.client.get(
        f"/v1/households/{world.own.household_id}/",
        headers=world.as_user("officer"),
        follow_redirects=False,
    )
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_an_invalid_body_is_a_400_listing_every_error_and_writes_nothing(world: ApiWorld) -> None:
    municipality_id = world.own.world.municipality_id
    before = world.client.get(
        f"/v1/municipalities/{municipality_id}/households", headers=world.as_user("officer")
    ).json()["items"]
    response = world.client.post(
        f"/v1/municipalities/{municipality_id}/households",
        headers=world.as_user("officer"),
        json={
            "name": "",
            "members": [{"name": "Sara", "role": "queen", "bsn": "12345"}],
            "language": "xx",
            "leefgeldIban": "NL",
            "favouriteColour": "blue",
        },
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    names = sorted(item["name"] for item in response.json()["invalidParams"])
    assert names == [
        "body.favouriteColour",
        "body.language",
        "body.leefgeldAccountHolder",
        "body.leefgeldIban",
        "body.members.0.bsn",
        "body.members.0.role",
        "body.name",
    ]
    after = world.client.get(
        f"/v1/municipalities/{municipality_id}/households", headers=world.as_user("officer")
    ).json()["items"]
    assert after == before


def test_an_iban_with_a_typo_is_a_400_that_says_what_to_do(world: ApiWorld) -> None:
    response = world.client.post(
        f"/v1/municipalities/{world.own.world.municipality_id}/households",
        headers=world.as_user("officer"),
        json={
            "name": "Huishouden Yonas",
            "members": [{"name": "Yonas", "role": "applicant"}],
            "language": "ti",
            "leefgeldIban": "NL66ASNB0707070708",
            "leefgeldAccountHolder": "Y. Yonas",
        },
    )
    assert response.status_code == 400
    assert "check digits" in response.json()["detail"]


def test_households_page_with_next_and_prev_links_and_no_totals(world: ApiWorld) -> None:
    municipality_id = world.own.world.municipality_id
    for number in range(3):
        created = world.client.post(
            f"/v1/municipalities/{municipality_id}/households",
            headers=world.as_user("officer"),
            json={
                "name": f"Huishouden {number}",
                "members": [{"name": f"Persoon {number}", "role": "applicant"}],
                "language": "ar",
                "leefgeldIban": "NL66ASNB0707070707",
                "leefgeldAccountHolder": f"Persoon {number}",
            },
        )
        assert created.status_code == 201, created.text
    headers = world.as_user("officer")
    first = world.client.get(
        f"/v1/municipalities/{municipality_id}/households?pageSize=2", headers=headers
    ).json()
    assert len(first["items"]) == 2 and first["_links"]["prev"] is None
    assert "total" not in first
    second = world.client.get(first["_links"]["next"], headers=headers).json()
    assert len(second["items"]) == 2 and second["_links"]["prev"] is not None
    seen = [item["id"] for item in first["items"] + second["items"]]
    assert seen == sorted(set(seen))


def test_a_coach_sees_only_their_caseload_in_a_municipality_they_serve(world: ApiWorld) -> None:
    municipality_id = world.own.world.municipality_id
    created = world.client.post(
        f"/v1/municipalities/{municipality_id}/households",
        headers=world.as_user("officer"),
        json={
            "name": "Huishouden zonder kredietbank",
            "members": [{"name": "Noor", "role": "applicant"}],
            "language": "fa",
            "leefgeldIban": "NL66ASNB0707070707",
            "leefgeldAccountHolder": "N. Noor",
        },
    )
    assert created.status_code == 201
    listed = world.client.get(
        f"/v1/municipalities/{municipality_id}/households", headers=world.as_user("coach")
    ).json()["items"]
    assert [item["id"] for item in listed] == [world.own.household_id]
