"""One router per resource; ``ROUTERS`` is everything the app serves under ``/v1``."""

from __future__ import annotations

from fastapi import APIRouter

from api.routes import allocations, health, households, me, milestones, phases, signals

ROUTERS: tuple[APIRouter, ...] = (
    health.router,
    me.router,
    households.router,
    allocations.router,
    milestones.router,
    phases.router,
    signals.router,
)
