"""Shared FastAPI dependencies as ``Annotated`` aliases."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Depends, Request
from sqlalchemy import Engine

from ontzorgen.unit_of_work import UnitOfWork

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


EngineDep = Annotated[Engine, Depends(get_engine)]


def get_uow_factory(request: Request) -> Callable[[], UnitOfWork]:
    """A new unit of work per call, on the app's engine and clock."""
    engine: Engine = request.app.state.engine
    clock: Callable[[], datetime] = request.app.state.clock

    def make() -> UnitOfWork:
        return UnitOfWork(engine, clock)

    return make


UowFactoryDep = Annotated[Callable[[], UnitOfWork], Depends(get_uow_factory)]


def get_today(request: Request) -> date:
    """Today in the Netherlands: the date every municipal rule speaks of."""
    clock: Callable[[], datetime] = request.app.state.clock
    return clock().astimezone(UTC).astimezone(AMSTERDAM).date()


TodayDep = Annotated[date, Depends(get_today)]
