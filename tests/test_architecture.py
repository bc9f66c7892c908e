"""The layers depend inward only: ``api``, ``schedules`` → ``ontzorgen`` → ``ledger``.

The test reads every module's imports from its syntax tree (so an import inside a function counts
too) and fails on any import that points outward. A self-test proves the checker catches one.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: For each package, the top-level modules it must never import.
FORBIDDEN: dict[str, frozenset[str]] = {
    "ledger": frozenset({"ontzorgen", "api", "schedules", "fastapi", "starlette", "apscheduler"}),
    "ontzorgen": frozenset({"api", "schedules", "fastapi", "starlette", "uvicorn", "apscheduler"}),
    "schedules": frozenset({"api", "fastapi", "starlette", "uvicorn"}),
}

#: Plain-Python modules: the ledger's values and the domain's rules never touch a database or
#: an HTTP library. Persistence lives in ``store``, ``repository``, ``tables`` and ``unit_of_work``.
PURE_MODULES = (
    "ledger/money.py",
    "ledger/model.py",
    "ledger/errors.py",
    "ontzorgen/allocation.py",
    "ontzorgen/arrangement.py",
    "ontzorgen/errors.py",
    "ontzorgen/households.py",
    "ontzorgen/identifiers.py",
    "ontzorgen/income.py",
    "ontzorgen/months.py",
    "ontzorgen/norms.py",
    "ontzorgen/obligations.py",
    "ontzorgen/phases.py",
    "ontzorgen/policy.py",
    "ontzorgen/policy_codec.py",
    "ontzorgen/signals.py",
    "ontzorgen/runs.py",
    "ontzorgen/sepa.py",
    "ontzorgen/camt.py",
    "ontzorgen/business_days.py",
    "ontzorgen/faults.py",
)
PERSISTENCE_LIBRARIES = frozenset({"sqlalchemy", "psycopg", "alembic", "sqlite3", "pydantic"})


def imported_top_levels(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def outward_imports(root: Path) -> list[str]:
    """Every ``file: module`` pair in ``root`` that breaks the layering."""
    problems = []
    for package, forbidden in FORBIDDEN.items():
        for path in sorted((root / package).rglob("*.py")):
            for module in sorted(imported_top_levels(path) & forbidden):
                problems.append(f"{path.relative_to(root)} imports {module}")
    for relative in PURE_MODULES:
        path = root / relative
        if path.exists():
            for module in sorted(imported_top_levels(path) & PERSISTENCE_LIBRARIES):
                problems.append(f"{relative} imports {module}")
    return problems


def test_dependencies_point_inward() -> None:
    assert outward_imports(ROOT) == []


def test_every_layer_holds_python_modules() -> None:
    for package in ("ledger", "ontzorgen", "api", "schedules"):
        assert list((ROOT / package).rglob("*.py")), f"{package} has no modules to check"
    for relative in PURE_MODULES:
        assert (ROOT / relative).exists(), f"{relative} is listed as pure but does not exist"


@pytest.mark.parametrize(
    ("package", "source", "expected"),
    [
        ("ledger", "from ontzorgen.config import Settings\n", "ledger/bad.py imports ontzorgen"),
        ("ledger", "def f():\n    import api.app\n", "ledger/bad.py imports api"),
        ("ontzorgen", "import schedules\n", "ontzorgen/bad.py imports schedules"),
        ("ontzorgen", "from api import app\n", "ontzorgen/bad.py imports api"),
        ("schedules", "from api.app import create_app\n", "schedules/bad.py imports api"),
    ],
)
def test_the_checker_catches_an_outward_import(
    tmp_path: Path, package: str, source: str, expected: str
) -> None:
    for name in FORBIDDEN:
        (tmp_path / name).mkdir()
    (tmp_path / package / "bad.py").write_text(source, encoding="utf-8")
    assert outward_imports(tmp_path) == [expected]


def test_the_checker_catches_a_database_import_in_a_pure_module(tmp_path: Path) -> None:
    for name in FORBIDDEN:
        (tmp_path / name).mkdir()
    (tmp_path / "ledger" / "model.py").write_text("import sqlalchemy\n", encoding="utf-8")
    assert outward_imports(tmp_path) == ["ledger/model.py imports sqlalchemy"]
