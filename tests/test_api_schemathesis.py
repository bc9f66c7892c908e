"""Schemathesis against the whole API, authenticated, on PostgreSQL: for every operation in the
OpenAPI document, generated requests (valid and invalid) never get a 5xx, and every error is
``application/problem+json``. Runs once as an income officer and once as a coach, so both sides'
routes are reached beyond their 403s. The Idempotency-Key header is generated like any other
input, so its absence and its bad forms are tried too.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from sqlalchemy import Engine

from tests.api_world import ApiWorld, make_api_world

EXAMPLES_PER_OPERATION = 12
USERS = ("officer", "coach")


@pytest.fixture(scope="module")
def api_world(postgres_url: str) -> Iterator[ApiWorld]:
    from tests.databases import Backend

    backend = Backend("postgresql", postgres_url=postgres_url, template=None)
    engine: Engine = backend.fresh()
    yield make_api_world(engine)
    backend.dispose()


def operations(app: Any) -> list[Any]:
    schema = schemathesis.openapi.from_asgi("/v1/openapi.json", app)
    return [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]


def test_no_operation_answers_a_5xx_and_every_error_is_a_problem(api_world: ApiWorld) -> None:
    found = operations(api_world.client.app)
    assert len(found) > 50
    for operation in found:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def try_operation(case: Any) -> None:
            for user in USERS:
                headers = {**(case.headers or {}), **api_world.as_user(user)}
                response = case.call(headers=headers)
                case.validate_response(response, checks=[not_a_server_error])
                assert_problem_if_error(case, response)

        try_operation()


def assert_problem_if_error(case: Any, response: Any) -> None:
    if response.status_code >= 400:
        content_type = response.headers["content-type"]
        if isinstance(content_type, list):
            (content_type,) = content_type
        assert content_type == "application/problem+json", (
            case.method,
            case.path,
            response.status_code,
            response.text[:300],
        )
        body = response.json()
        assert body["status"] == response.status_code
        assert body["title"] and body["detail"]
