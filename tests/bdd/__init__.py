"""Step definitions for the Dutch feature files in ``features/`` (pytest-bdd)."""
