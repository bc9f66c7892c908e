"""Tekort: het minimum leefgeld gaat voor, daarna de vaste lasten in volgorde (DOMAIN.md §5).

All steps are shared and live in ``tests/bdd/conftest.py``.
"""

from __future__ import annotations

from pytest_bdd import scenarios

scenarios("../../features/tekort.feature")
