"""The statement route writes its JSON without the pydantic models (``statement_document``): it
must say exactly what ``StatementOut`` would, key for key and in the same order."""

from __future__ import annotations

import json
from datetime import date

from api.routes.statements import StatementOut, statement_document
from ontzorgen.monthly_statements import monthly_statement
from ontzorgen.months import Month
from tests.api_world import ApiWorld
from tests.test_api_statements import world  # noqa: F401  (the fixture: January and February)


def test_the_statement_document_is_the_statement_model_by_alias(world: ApiWorld) -> None:  # noqa: F811
    household_id = world.own.household_id
    for month, today in ((Month(2026, 1), "2026-01-12"), (Month(2026, 2), "2026-02-20")):
        statement = monthly_statement(
            world.uow(), household_id, month, today=date.fromisoformat(today)
        )
        model = StatementOut.of(statement).model_dump(mode="json", by_alias=True)
        document = statement_document(statement)
        assert json.dumps(document) == json.dumps(model)
    response = world.client.get(
        f"/v1/households/{household_id}/statements/2026-01", headers=world.as_user("officer")
    )
    statement = monthly_statement(
        world.uow(), household_id, Month(2026, 1), today=date(2026, 1, 12)
    )
    assert response.json() == StatementOut.of(statement).model_dump(mode="json", by_alias=True)
    assert response.headers["content-type"] == "application/json"
