"""One router per resource; ``ROUTERS`` is everything the app serves under ``/v1``."""

from __future__ import annotations

from fastapi import APIRouter

from api.routes import (
    allocations,
    arrangements,
    creditors,
    health,
    households,
    incomes,
    me,
    milestones,
    municipalities,
    obligations,
    payment_runs,
    phases,
    signals,
    statement_imports,
)

ROUTERS: tuple[APIRouter, ...] = (
    health.router,
    me.router,
    households.router,
    municipalities.router,
    creditors.router,
    arrangements.router,
    obligations.router,
    incomes.router,
    allocations.router,
    milestones.router,
    phases.router,
    signals.router,
    payment_runs.router,
    statement_imports.router,
)
