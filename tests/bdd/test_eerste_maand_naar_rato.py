"""Een eerste maand die halverwege begint, gaat naar rato van de kalenderdagen (DOMAIN.md §4).

All steps are shared and live in ``tests/bdd/conftest.py``.
"""

from __future__ import annotations

from pytest_bdd import scenarios

scenarios("../../features/eerste_maand_naar_rato.feature")
