"""The HTTP edge follows the NL GOV API Design Rules from the first route on."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel
from sqlalchemy import Engine

from api.app import API_VERSION, SECURITY_HEADERS, create_app
from ledger.database import make_engine
from ontzorgen.database import head_revision


@pytest.fixture
def client(engine: Engine) -> TestClient:
    return TestClient(create_app(engine))


def test_health_reports_the_database_and_the_schema_revision(
    client: TestClient, engine: Engine
) -> None:
    head = head_revision(engine)
    assert head is not None and head.startswith("000")
    response = client.get("/v1/health")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "schemaRevision": head,
        "expectedSchemaRevision": head,
    }


def test_every_response_carries_the_api_version_and_security_headers(client: TestClient) -> None:
    for path in ("/v1/health", "/v1/openapi.json", "/v1/does-not-exist"):
        response = client.get(path)
        assert response.headers["API-Version"] == API_VERSION
        for name, value in SECURITY_HEADERS.items():
            assert response.headers[name] == value, (path, name)


def test_the_openapi_document_is_public_and_names_a_contact(client: TestClient) -> None:
    document = client.get("/v1/openapi.json").json()
    assert document["info"]["contact"]["email"]
    assert document["info"]["version"] == API_VERSION
    assert all(path.startswith("/v1/") for path in document["paths"])


def test_a_trailing_slash_is_a_404_problem_not_a_redirect(client: TestClient) -> None:
    response = client.get("/v1/health/", follow_redirects=False)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 404


def test_an_unreachable_database_is_a_503_problem(tmp_path: object) -> None:
    broken = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    response = TestClient(create_app(broken)).get("/v1/health")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"


class _Example(BaseModel):
    name: str
    amount: str
    month_count: int


def test_invalid_input_is_a_400_problem_listing_every_error(engine: Engine) -> None:
    app: FastAPI = create_app(engine)

    @app.post("/v1/examples")
    def _create(example: _Example) -> _Example:
        return example

    response = TestClient(app).post("/v1/examples", json={"month_count": "many"})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert (body["status"], body["title"]) == (400, "Invalid request")
    assert sorted(item["name"] for item in body["invalidParams"]) == [
        "body.amount",
        "body.month_count",
        "body.name",
    ]
