"""De voorbeeldmaand van DOMAIN.md §5: van bijstand naar vaste lasten en leefgeld.

All steps are shared and live in ``tests/bdd/conftest.py``.
"""

from __future__ import annotations

from pytest_bdd import scenarios

scenarios("../../features/voorbeeldmaand.feature")
