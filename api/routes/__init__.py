"""One router per resource; ``ROUTERS`` is everything the app serves under ``/v1``."""

from __future__ import annotations

from fastapi import APIRouter

from api.routes import health, households, me

ROUTERS: tuple[APIRouter, ...] = (
    health.router,
    me.router,
    households.router,
)
