"""One router per resource; ``ROUTERS`` is everything the app serves under ``/v1``."""

from __future__ import annotations

from fastapi import APIRouter

from api.routes import (
    allocations,
    arrangements,
    audit_log,
    creditors,
    health,
    households,
    incomes,
    ledger,
    me,
    milestones,
    municipalities,
    obligations,
    payment_runs,
    phases,
    reports,
    signals,
    statement_imports,
    statements,
)

#: In the order a request's path is matched against them (one by one): the monthly statement,
#: the most asked document, comes first.
ROUTERS: tuple[APIRouter, ...] = (
    statements.router,
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
    reports.router,
    audit_log.router,
    ledger.router,
)
