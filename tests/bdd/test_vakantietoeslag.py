"""De vakantietoeslag: elke maand 5% opzij, in juni uitbetaald (DOMAIN.md §4).

All steps are shared and live in ``tests/bdd/conftest.py``.
"""

from __future__ import annotations

from pytest_bdd import scenarios

scenarios("../../features/vakantietoeslag.feature")
