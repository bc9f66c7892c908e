"""What every resource shares: lowerCamelCase JSON, money as a string with two decimals, and
pages with ``next``/``prev`` links (no totals: collections can be large).
"""

from __future__ import annotations

from typing import Annotated, Any, Generic, TypeVar

from fastapi import Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.alias_generators import to_camel

from ledger.money import Money

AMOUNT_PATTERN = r"^-?[0-9]{1,13}\.[0-9]{2}$"

#: An amount of euros in JSON: ``"650.00"``; never a float.
Amount = Annotated[
    str,
    Field(
        pattern=AMOUNT_PATTERN,
        examples=["650.00"],
        description="Euros with exactly two decimals, as a string.",
    ),
]

#: An amount a client sends: positive, at most EUR 100,000,000.00.
PositiveAmount = Annotated[
    str,
    Field(
        pattern=r"^[0-9]{1,9}\.[0-9]{2}$",
        examples=["650.00"],
        description="Euros with exactly two decimals, as a string; more than zero.",
    ),
]

#: ``YYYY-MM`` from 2000-01 to 2100-12: the months ``ontzorgen.months.Month`` can hold.
MONTH_PATTERN = r"^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])$"

MonthText = Annotated[
    str, Field(pattern=MONTH_PATTERN, examples=["2026-08"], description="A month, YYYY-MM.")
]
MonthPath = Annotated[
    str,
    Path(pattern=MONTH_PATTERN, examples=["2026-08"], description="The calendar month, YYYY-MM."),
]

PAGE_SIZE_DEFAULT = 50
PAGE_SIZE_MAX = 200


def amount(money: Money) -> str:
    return str(money)


def money(text: str) -> Money:
    return Money.parse(text)


def _without_nul(value: Any) -> Any:
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("text must not contain a NUL character")
    if isinstance(value, list | tuple):
        for item in value:
            _without_nul(item)
    return value


class Schema(BaseModel):
    """Base of every request and response body: lowerCamelCase on the wire; no text with a NUL
    character (no database stores it, and no person typed it)."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _refuse_nul(cls, value: Any) -> Any:
        return _without_nul(value)


class Links(Schema):
    self_: str = Field(alias="self")
    next: str | None = None
    prev: str | None = None


T = TypeVar("T")


class Page(Schema, Generic[T]):
    items: list[T]
    links: Links = Field(alias="_links")


PageSize = Annotated[
    int, Query(alias="pageSize", ge=1, le=PAGE_SIZE_MAX, description="Items per page.")
]
PageAfter = Annotated[
    int,
    Query(
        alias="after",
        ge=0,
        le=2**62,
        description="Continue after the item with this id (from the next link).",
    ),
]


def page_links(request: Request, ids: list[int], size: int, after: int) -> Links:
    """Cursor links: ``next`` continues after the last id shown; ``prev`` goes back to the start
    of the previous pages' sequence (the client's history holds the exact earlier cursors)."""
    url = request.url
    next_link = (
        str(url.include_query_params(after=ids[-1], pageSize=size)) if len(ids) == size else None
    )
    prev_link = str(url.remove_query_params("after")) if after > 0 else None
    return Links(self_=str(url), next=next_link, prev=prev_link)
