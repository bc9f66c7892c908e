"""Health: is the service up, can it reach its database, and is the schema current."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from api.dependencies import EngineDep
from api.problems import problem
from ontzorgen.database import current_revision, head_revision

router = APIRouter(prefix="/health", tags=["health"])


class Health(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    status: Literal["ok", "migrations-pending"]
    database: Literal["ok"]
    schema_revision: str | None
    expected_schema_revision: str | None


@router.get(
    "",
    response_model=Health,
    responses={503: {"description": "The database cannot be reached."}},
)
def read_health(engine: EngineDep) -> Health | JSONResponse:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        revision = current_revision(engine)
    except SQLAlchemyError:
        return problem(503, "The database cannot be reached. Check ONTZORGEN_DATABASE_URL.")
    expected = head_revision(engine)
    return Health(
        status="ok" if revision == expected else "migrations-pending",
        database="ok",
        schema_revision=revision,
        expected_schema_revision=expected,
    )
